# Le formulaire public de signalement à /report, pour tous, sans compte.
# Les messages d’erreur nomment le champ et la règle, jamais ce qui a été saisi.

report-switch-label = English
report-site-title = Signaler un contenu terroriste
report-form-title = Signaler un contenu terroriste
report-intro = Ce formulaire sert à signaler un contenu en ligne que vous pensez être un contenu terroriste :
report-scope-apology = apologie du terrorisme ou propagande terroriste,
report-scope-threats = menaces terroristes,
report-scope-recruitment = recrutement pour un groupe terroriste,
report-scope-instructions = instructions pour fabriquer des armes ou des explosifs ou pour commettre des attentats.
report-emergency = En cas d’urgence, si une personne est en danger immédiat, n’utilisez pas ce formulaire : appelez le 112 (numéro d’urgence européen) ou le 17 (police secours).
report-other-content = Pour signaler d’autres contenus illicites en France, utilisez la plateforme officielle PHAROS : www.internet-signalement.gouv.fr.
report-review = Les signalements sont examinés par les modérateurs de la plateforme. Aucun compte n’est nécessaire et vos coordonnées sont facultatives.
report-do-not-share = Merci de ne pas partager le contenu, même pour le dénoncer.
report-errors-title = Le signalement n’a pas été envoyé. Merci de corriger les points suivants :
# Entre le nom d’un champ et son erreur dans le récapitulatif ; les espaces comptent.
report-colon = {"\u00A0: "}
report-file-again = Si vous aviez joint un fichier, joignez-le à nouveau.

## Les champs du formulaire

report-category-legend = De quel type de contenu s’agit-il ?
report-category-threat = Menace terroriste
report-category-threat-help = Menace de commettre un attentat.
report-category-propaganda = Apologie du terrorisme ou propagande
report-category-propaganda-help = Contenu qui glorifie un attentat ou un groupe terroriste, ou diffuse sa propagande.
report-category-recruitment = Recrutement
report-category-recruitment-help = Appel à rejoindre ou à soutenir un groupe terroriste, ou à participer à ses activités.
report-category-instructions = Instructions pour commettre des attentats
report-category-instructions-help = Fabrication d’armes ou d’explosifs, méthodes pour commettre un attentat.
report-category-extremism = Autre extrémisme violent
report-category-extremism-help = Autre contenu appelant à la violence à des fins idéologiques, politiques ou religieuses.
report-url-label = Adresse (URL) du contenu
report-url-help = Copiez l’adresse complète depuis la barre d’adresse de votre navigateur, par exemple https://example.org/page.
report-seen-where-label = Où l’avez-vous vu ?
report-seen-where-choose = Choisir…
report-place-website = Site web
report-place-social-network = Réseau social
report-place-video-platform = Plateforme vidéo
report-place-messaging = Messagerie (canal ou groupe public)
report-place-forum = Forum
report-place-other = Autre
report-seen-at-label = Quand l’avez-vous vu ?
report-seen-at-help = La date et l’heure de votre montre ou de votre téléphone ; une heure approximative suffit.
report-seen-zone-label = Fuseau horaire
# Le fuseau par défaut : la France métropolitaine, avec son heure d’été.
report-zone-paris = France métropolitaine (heure de Paris)
# Lieux nommés à côté de leur décalage UTC dans la liste des fuseaux.
report-zone-french-polynesia = Polynésie française
report-zone-antilles = Guadeloupe, Martinique
report-zone-french-guiana = Guyane
report-zone-mayotte = Mayotte
report-zone-reunion = La Réunion
report-zone-new-caledonia = Nouvelle-Calédonie
report-comment-label = Commentaire
report-comment-help = Tout ce qui aide les modérateurs à trouver ou comprendre le contenu (2000 caractères au plus).
report-contact-legend = Vos coordonnées
report-contact-help = Vous pouvez signaler anonymement. Si vous donnez une adresse e-mail, les modérateurs pourront vous contacter au sujet de ce signalement.
report-contact-name-label = Nom
report-contact-email-label = E-mail
report-media-label = Capture d’écran ou fichier
report-media-help = Une capture d’écran aide les modérateurs si le contenu est modifié ou supprimé.
# $size est une taille comme « 512 Mio », dans les unités ci-dessous.
report-media-limit = Un seul fichier, { $size } au maximum.
report-unit-gib = Gio
report-unit-mib = Mio
report-unit-kib = Kio
report-unit-bytes = octets
# Le séparateur décimal des tailles (« 1,5 Mio »).
report-decimal-separator = ,
report-optional = facultatif
report-required = obligatoire
report-send = Envoyer le signalement

## Après l’envoi

report-received-title = Signalement reçu
report-received-intro = Merci. Votre signalement a bien été reçu.
report-receipt-id-label = Numéro du signalement
report-receipt-id-help = Indiquez ce numéro si vous nous écrivez au sujet de ce signalement.
report-received-at-label = Reçu le (UTC)
report-next-title = Et ensuite ?
report-next-review = Les modérateurs de la plateforme examinent les signalements, les plus urgents en premier.
report-next-action = Si le contenu enfreint la loi ou les règles de la plateforme, ils peuvent le retirer ou en bloquer l’accès, et peuvent le transmettre aux autorités.
report-next-answer = Vous ne recevrez pas forcément de réponse. Si vous avez donné une adresse e-mail, les modérateurs pourront vous contacter.
report-another = Signaler un autre contenu

## Refus

report-too-many-title = Trop de signalements
report-too-many-detail = Trop de signalements ont été envoyés depuis votre connexion au cours de la dernière heure. Merci de réessayer plus tard. En cas d’urgence, appelez le 112 ou le 17.
report-expired-title = Formulaire expiré
report-expired-detail = Ce formulaire a expiré, ou votre navigateur n’a pas renvoyé son cookie de sécurité. Rechargez le formulaire et envoyez-le à nouveau.
report-unreadable-title = Formulaire illisible
report-unreadable-detail = Le formulaire n’a pas pu être lu. Rechargez le formulaire et envoyez-le à nouveau.
report-failed-title = Signalement non envoyé
report-failed-detail = Une erreur s’est produite de notre côté et votre signalement n’a pas été enregistré. Merci de réessayer plus tard.
report-back-to-form = Retour au formulaire

## Noms courts des champs, pour le récapitulatif des erreurs

report-field-category = Catégorie
report-field-url = Adresse (URL)
report-field-seen-where = Lieu
report-field-seen-at = Date et heure
report-field-comment = Commentaire
report-field-contact-name = Nom
report-field-contact-email = E-mail
report-field-media = Fichier

## Erreurs de saisie : la règle enfreinte, jamais la valeur

report-error-category-required = choisissez une catégorie.
report-error-category-unknown = choisissez l’une des catégories proposées.
report-error-url-required = indiquez l’adresse du contenu.
report-error-url-too-long = l’adresse doit faire au plus 2048 caractères.
report-error-url-invalid = indiquez une adresse web complète commençant par http:// ou https://.
report-error-seen-where-unknown = choisissez l’un des lieux proposés.
report-error-seen-at-future = la date et l’heure ne doivent pas être dans le futur.
report-error-seen-at-invalid = indiquez une date et une heure valides.
report-error-comment-too-long = le commentaire doit faire au plus 2000 caractères.
report-error-contact-name-too-long = le nom doit faire au plus 200 caractères.
report-error-control-characters = contient des caractères non autorisés.
report-error-contact-email-invalid = indiquez une adresse e-mail comme nom@example.org, ou laissez le champ vide.
report-error-media-too-large = le fichier dépasse la taille maximale.
report-error-media-empty = le fichier est vide.
report-error-media-unreadable = l’image ne peut pas être lue (fichier endommagé, ou trop de pixels).
report-error-media-one = joignez un seul fichier.
report-error-invalid = cette valeur n’est pas acceptée.
