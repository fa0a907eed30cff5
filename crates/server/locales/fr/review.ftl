# Console d’examen : la file, la page d’un dossier, les décisions et le tableau de l’équipe.

nav-queue = File d’examen
nav-team = Équipe

## Vocabulaire commun aux pages d’examen

kind-removal_order = Injonction de retrait
kind-referral = Signalement d’autorité
kind-notice = Notification
kind-user_report = Signalement d’internaute
kind-partner_flag = Alerte d’un partenaire

state-new = À examiner
state-escalated = Transmis à un examinateur senior
state-awaiting_confirmation = En attente d’un second examinateur
state-clarification_requested = Précisions demandées
state-decided = Décidé

priority-low = Basse
priority-normal = Normale
priority-high = Haute
priority-urgent = Urgente

decision-remove = Retirer
decision-restrict = Restreindre dans certains pays
decision-label = Avertissement ou contrôle d’âge
decision-keep_with_counter_speech = Maintenir, avec contre-discours
decision-no_violation = Aucune violation
decision-escalate = Transmettre à un examinateur senior
decision-request_clarification = Demander des précisions à l’autorité
decision-cannot_comply = Impossible d’exécuter

decision-state-in_force = en vigueur
decision-state-pending = en attente d’un second examinateur
decision-state-rejected = rejetée par le second examinateur
decision-state-replaced = remplacée par une correction
decision-state-step = enregistrée

label-warning = Écran d’avertissement
label-age_gate = Contrôle d’âge

reason-force_majeure = Force majeure ou impossibilité de fait (TCO art. 3(7))
reason-manifest_errors = Erreurs manifestes ou informations insuffisantes (TCO art. 3(8))

pause-force_majeure = force majeure
pause-clarification_requested = précisions demandées
clock-pause = Délai suspendu
clock-resume = Délai repris

value-yes = oui
value-no = non

countdown-days = { $days } j { $hours } h
countdown-due = Échéance : { $time }
countdown-overdue = dépassé de { $time }

## La file

queue-title = File d’examen
queue-counts = { $open } ouverts · { $overdue } en retard
queue-next = Dossier suivant
queue-nothing-left = Plus rien à prendre : chaque dossier ouvert est décidé, tenu par quelqu’un, ou attend un examinateur senior.
queue-filter-kind = Type
queue-filter-sender = Expéditeur
queue-filter-priority = Priorité au moins
queue-filter-state = État
queue-filter-label = Étiquette de la base
queue-filter-matches = Correspondances
queue-filter-overdue = En retard seulement
queue-filter-signal = Dossiers correspondant à { $signal }
queue-any = Toutes
queue-any-kind = Tous types
queue-any-sender = Tous expéditeurs
queue-any-priority = Toute priorité
queue-any-state = Tout état ouvert
queue-with-matches = Avec correspondances
queue-without-matches = Sans correspondance
queue-apply = Filtrer
queue-clear = Effacer les filtres
queue-select = Sélectionner pour une décision groupée
queue-col-due = Temps restant
queue-col-priority = Priorité
queue-col-kinds = Dossier
queue-col-senders = Envoyé par
queue-col-country = Pays
queue-col-matches = Étiquettes
queue-col-submissions = Saisines
queue-col-state = État
queue-no-deadline = suspendu
queue-anonymous = anonyme
queue-distance-help = Distance de Hamming de la correspondance la plus proche (0 : identique)
queue-claimed-by = tenu par { $name }
queue-claimed-by-you = tenu par vous
queue-empty = Aucun dossier ne correspond à ces filtres.
queue-all-done = Aucun dossier ouvert : la file est vide.
queue-previous = Page précédente
queue-more = Dossiers suivants

## Décisions groupées

bulk-title = Décider les dossiers sélectionnés
bulk-hint = Cochez des dossiers dans la file (x), puis enregistrez une seule décision pour tous. Chaque dossier est décidé séparément : celui qu’un autre examinateur tient, ou déjà décidé, reste tel quel et figure dans la liste.
bulk-record = Enregistrer pour les dossiers sélectionnés
bulk-result-title = Décision groupée
bulk-result-summary = { $recorded } dossiers décidés sur { $total }.
bulk-result-case = Dossier
bulk-result-outcome = Résultat

## La page d’un dossier

case-title = Dossier …{ $id }
case-claim = Prendre ce dossier
case-release = Libérer
case-claimed-by-you = Vous tenez ce dossier jusqu’à { $until } (prolongé tant que cette page est ouverte).
case-claimed-by-other = { $name } tient ce dossier jusqu’à { $until }.
case-back = Retour à la file
case-sent-by = Envoyé par { $sender } · reçu le { $time }
case-clock-paused = délai suspendu
case-matches = Correspondances avec les bases
case-no-matches = Aucune base ne correspond à ce contenu.
case-match-bank = Base
case-match-labels = Étiquettes
case-match-distance = Distance
case-match-feedback = Avis des examinateurs
case-match-counts = { $confirmed } confirmées · { $false } faux positifs
case-match-all-cases = Tous les dossiers ouverts de cette correspondance
# How an edited copy of a known image was found (issue 16).
via-rotate90 = tournée de 90° vers la droite
via-rotate180 = retournée tête en bas
via-rotate270 = tournée de 90° vers la gauche
via-mirror = en miroir
via-flip = inversée de haut en bas
via-transpose = en miroir sur sa diagonale
via-transverse = en miroir sur son autre diagonale
via-trimmed = bordures retirées
via-region = image dans un cadre
case-similar = Dossiers semblables (même signal)
case-decisions = Décisions
case-no-decisions = Aucune décision pour l’instant.
case-notes = Notes internes
case-no-notes = Aucune note pour l’instant.
case-note-new = Nouvelle note (visible des seuls examinateurs de votre plateforme)
case-note-add = Ajouter la note
case-history = Historique
case-decide = Décider
case-record = Enregistrer la décision
case-is-decided = Ce dossier est décidé. Pour en changer l’issue, utilisez « Corriger cette décision » sous la décision en vigueur.
case-awaits-confirmation = Une décision sur ce dossier attend un second examinateur senior.
case-needs-senior = Ce dossier est transmis : un examinateur senior le décide.
case-held-by-other = Un autre examinateur tient ce dossier.
case-read-only = Vos rôles vous permettent de lire ce dossier, pas de le décider.
case-decided-flash = Décision enregistrée.
case-claimed-flash = Vous tenez maintenant ce dossier.
case-released-flash = Dossier libéré.
case-noted-flash = Note ajoutée.
case-reviewed-flash = Votre avis sur la décision est enregistré.

media-protected-alt = Image signalée, floutée et en niveaux de gris
media-frame-alt = Image d’une vidéo signalée, floutée et en niveaux de gris
media-reveal = Afficher
media-hide = Protéger de nouveau
media-clear-alt = Image signalée, affichée telle quelle
media-frame-clear-alt = Image d’une vidéo signalée, affichée telle quelle
media-play-muted = Lire sans le son
media-no-frames = (aucune image conservée pour cette vidéo)

value-deconfliction-cleared = levée
value-deconfliction-pending = en cours
value-deconfliction-not_required = non requise

field-issuing_authority = Autorité émettrice
field-member_state = État membre
field-reference = Référence
field-issued_at = Émise le
field-grounds = Motifs (TCO art. 2(7))
field-statement_of_reasons = Exposé des motifs
field-non_disclosure_until = À ne pas communiquer au fournisseur du contenu avant
field-cross_border = Injonction transfrontière
field-redress = Voies de recours
field-explanation = Explication
field-deconfliction = Déconfliction
field-category = Catégorie
field-labels = Étiquettes
field-notifier_name = Notifiant
field-notifier_email = Courriel du notifiant
field-good_faith = Déclaration de bonne foi
field-seen_where = Vu sur
field-seen_at = Vu le
field-language = Langue
field-trusted_flagger = Signaleur de confiance

## Décisions

form-decision = Décision
form-choose = Choisir…
form-ground-hint = Le fondement : la loi enfreinte, ou la clause de vos conditions.
form-ground-optional = Facultatif quand le contenu reste en ligne : indiquez-le si une loi ou une clause de vos conditions s’applique.
form-ground-illegal = Contenu illicite
form-ground-terms = Contraire à nos conditions
form-law = Texte
form-article = Article
form-clause = Clause des conditions
form-ground-explanation = En quoi le contenu en relève
form-territorial_scope = Pays (codes ISO séparés par des espaces)
form-label = Étiquette
form-counter_speech = Contre-discours à joindre
form-reason = Motif
form-explanation = Explication
form-facts = Faits et circonstances retenus
form-note = Note interne (obligatoire pour transmettre)
form-automated = Détection / décision automatisées
form-automated_detection = Détecté par des moyens automatisés
form-automated_decision = Décidé par des moyens automatisés
form-bank = Ajouter le contenu à une base
form-no-bank = Ne pas ajouter à une base
form-bank-labels = Étiquettes dans la base
ground-illegal-summary = Illicite : { $law }, { $article }
ground-terms-summary = Contraire aux conditions : { $clause }
decision-added-to-bank = { $count } nouveaux signaux, étiquettes { $labels }
decision-reviewed-by = Second examinateur
decision-correct = Corriger cette décision
decision-correcting = Cette décision remplacera celle en vigueur.
four-eyes-note = Votre note (obligatoire pour rejeter)
four-eyes-confirm = Confirmer la décision
four-eyes-reject = La rejeter

## Clavier

keys-title = Raccourcis clavier
keys-move = Descendre / monter dans la file (sur la page d’un dossier, k maintient le contenu avec contre-discours)
keys-open = Ouvrir le dossier
keys-select = Sélectionner le dossier pour une décision groupée
keys-next = Prendre et ouvrir le dossier libre le plus urgent
keys-bulk = Ouvrir la décision groupée pour les dossiers cochés
keys-filter = Aller aux filtres
keys-claim = Prendre le dossier
keys-release = Libérer le dossier
key-enter = Entrée
key-escape = Échap
keys-reveal = Afficher l’image protégée suivante (une fois toutes affichées, les protéger de nouveau)
keys-decide = Choisir une décision : retirer, restreindre, avertir, maintenir avec contre-discours, aucune violation, transmettre, demander des précisions, impossible d’exécuter
keys-submit = Enregistrer la décision (la confirmation)
keys-queue = Retour à la file
keys-help = Afficher cette liste
keys-escape = Quitter un champ
keys-close = Fermer

## Tableau de l’équipe

team-title = Tableau de l’équipe
team-open = dossiers ouverts
team-overdue = en retard
team-escalated = transmis
team-awaiting = en attente d’un second examinateur
team-decided-today = décidés aujourd’hui
team-times = Délai entre réception et décision
team-kind = Type
team-today = Aujourd’hui (UTC)
team-week = 7 derniers jours
team-decisions = Décisions
team-median = Médiane
team-all-kinds = Tous types
team-computed-at = Calculé le { $time }.
team-kinds-overlap = Un dossier qui réunit des saisines de plusieurs types compte une fois pour chacun d’eux, et une fois pour l’ensemble.

## Conflits, dans les mots de la console (les codes de problème de l’API)

conflict-case-closed = Ce dossier est fusionné dans un autre ou déjà décidé : il n’y a rien à prendre.
conflict-case-claimed = Un autre examinateur tient ce dossier. Il redevient libre quand cette personne décide, le libère, ou quand sa prise expire.
conflict-case-decided = Ce dossier est déjà décidé. Pour changer l’issue, corrigez la décision en vigueur (« Corriger cette décision »).
conflict-awaiting-confirmation = Une décision sur ce dossier attend un second examinateur : elle doit d’abord être confirmée ou rejetée.
conflict-needs-senior-reviewer = Ce dossier est transmis : seul un examinateur senior peut le décider.
conflict-nothing-to-replace = Seule une décision en vigueur sur un dossier décidé peut être corrigée.
conflict-not-pending = Cette décision n’attend plus de confirmation.
conflict-four-eyes = Double regard : une décision est confirmée par un second examinateur, différent de son auteur.

## Erreurs de formulaire : les champs par leur libellé, et les règles les plus courantes

issue-required = obligatoire
issue-one-country = indiquez au moins un pays
issue-one-case = cochez au moins un dossier dans la file
issue-country = doit être un code pays ISO, comme FR, DE ou EU
issue-field-decision = Décision
issue-field-ground = Fondement
issue-field-ground-type = Fondement
issue-field-ground-law = Texte
issue-field-ground-article = Article
issue-field-ground-clause = Clause des conditions
issue-field-ground-explanation = En quoi le contenu en relève
issue-field-territorial_scope = Pays
issue-field-label = Étiquette
issue-field-reason = Motif
issue-field-explanation = Explication
issue-field-facts = Faits retenus
issue-field-note = Note interne
issue-field-counter_speech = Contre-discours
issue-field-add_to_bank-bank = Base
issue-field-add_to_bank-labels = Étiquettes pour la base
issue-field-cases = Dossiers
issue-field-replaces = Décision corrigée
issue-field-review_note = Note
issue-field-body = Note
issue-field-claim = Prise en charge

## Le nom d’une décision enregistrée, sur la page du dossier

decided-remove = Retrait
decided-restrict = Restriction dans certains pays
decided-label = Écran d’avertissement ou contrôle d’âge
decided-keep_with_counter_speech = Maintien, avec contre-discours
decided-no_violation = Aucune violation
decided-escalate = Transmis à un examinateur senior
decided-request_clarification = Précisions demandées à l’autorité
decided-cannot_comply = Impossible d’exécuter
case-escalated-flash = Transmis : le dossier attend un examinateur senior.
case-escalated-by = Transmis par { $name }, qui demande :
case-unrecorded = Non enregistrée. Ce que vous aviez écrit, à garder au besoin :
case-clarification-flash = Précisions demandées : le délai de l’injonction est suspendu jusqu’à la réponse de l’autorité.

## Actions demandées à la plateforme, exposés des motifs, réclamations
case-actions = Actions demandées à la plateforme
case-complaints = Réclamations
case-complaint-answered-flash = Réclamation traitée.
decision-statement = Exposé des motifs (la page de l’auteur du contenu)
action-asked = Demandée
action-delivered = Remise
action-failed = Remise abandonnée
action-executed = Confirmée
action-kind-remove = Retirer
action-kind-restrict = Restreindre dans certains pays
action-kind-label = Étiqueter
action-kind-attach_counter_speech = Joindre un contre-discours
action-kind-reinstate = Rétablir
action-status-pending = en attente de la plateforme
action-status-delivered = remise, pas encore confirmée
action-status-confirmed = confirmée
action-status-failed = non remise
outcome-executed = exécutée
outcome-partially_executed = exécutée en partie
outcome-failed = non exécutée
complaint-kind-dsa_art20 = Réclamation (DSA art. 20)
complaint-kind-tco_art10 = Réclamation (TCO art. 10)
complaint-channel-platform = transmise par la plateforme
complaint-channel-statement_link = par l’exposé des motifs
complaint-status-open = à traiter
complaint-status-upheld = décision maintenue
complaint-status-reversed = décision annulée
complaint-reasons = Réponse (communiquée à l’auteur de la réclamation)
complaint-uphold = Maintenir la décision
complaint-reverse = Annuler et rétablir
conflict-complaint-same-reviewer = Vous avez pris (ou confirmé) cette décision : une autre personne doit traiter la réclamation.
conflict-complaint-needs-senior = Une injonction de retrait est à l’origine de cette décision : un examinateur senior traite la réclamation.
conflict-complaint-decided = Cette réclamation a déjà été traitée.
queue-complaints = Réclamations à traiter
queue-complaint-due = Échéance
queue-complaint-case = Dossier
team-actions-unconfirmed = actions pas encore confirmées
team-actions-failed = actions non remises
team-complaints-open = réclamations à traiter
team-complaints-overdue = réclamations en retard
complaint-not-yours-decider = Vous avez pris (ou confirmé) cette décision : une autre personne traite la réclamation.
complaint-not-yours-senior = Une injonction de retrait est à l’origine de cette décision : un examinateur senior traite la réclamation.

# Conservation des contenus retirés (TCO art. 6)
preservation-title = Contenu conservé (TCO art. 6)
preservation-summary = La plateforme a retiré ce contenu le { $removed }. Il est conservé jusqu’au { $until }, puis effacé (plus longtemps si une autorité le demande, ou tant qu’une réclamation est ouverte).
preservation-purged-summary = Retiré le { $removed } ; effacé le { $purged }, à la fin de sa conservation. Seul le dossier juridique demeure : décisions, actions, réclamations, champs juridiques des signalements et journal d’audit.
preservation-closed-hint = Le contenu (adresses, médias, coordonnées des signalants) ne s’ouvre que pour une finalité prévue par la loi, enregistrée avec votre nom. Il vous reste ouvert 30 minutes.
preservation-open-until = Le contenu vous est ouvert jusqu’au { $until }. Cet accès figure au journal.
preservation-purpose = Finalité
preservation-reason = Motif
preservation-open = Ouvrir le contenu
preservation-purpose-complaint = Traitement d’une réclamation
preservation-purpose-review_proceedings = Recours administratif ou juridictionnel
preservation-purpose-investigation = Enquête ou poursuites (demande d’une autorité)
preservation-extensions = Prolongations
preservation-extension-line = { $authority } a demandé la conservation jusqu’au { $until }
preservation-extend = Enregistrer la prolongation demandée par une autorité
preservation-authority = Autorité ou juridiction
preservation-reference = Sa référence
preservation-until = Conserver jusqu’au
preservation-extension-reason = Procédure
preservation-extend-submit = Enregistrer la prolongation
preservation-log = Qui a ouvert le contenu
preservation-log-who = Qui
preservation-log-when = Quand
preservation-opened-flash = Le contenu vous est ouvert pour 30 minutes.
preservation-extended-flash = Prolongation enregistrée.
preservation-closed-title = Contenu conservé
preservation-closed-detail = La plateforme a retiré ce contenu et il est conservé : ouvrez-le depuis la page du dossier, en indiquant pourquoi.
preservation-purged-title = Contenu effacé
preservation-purged-detail = Ce contenu a été effacé à la fin de sa conservation : il n’en reste rien.
conflict-not-preserved = La plateforme n’a pas confirmé le retrait de ce contenu : rien n’est encore conservé.
conflict-extension-not-later = La conservation a été prolongée entre-temps au-delà de cette date.
issue-field-access_purpose = Finalité
issue-field-access_reason = Motif
issue-field-extension_authority = Autorité ou juridiction
issue-field-extension_reference = Sa référence
issue-field-extension_until = Conserver jusqu’au
issue-field-extension_reason = Procédure
