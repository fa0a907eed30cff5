# Les médias signalés montrés aux modérateurs : lire une vidéo sans le son, télécharger un
# original, les protections de chacun (console/media.rs, console/preferences.rs). Les textes
# des médias sur la page d’un dossier sont dans review.ftl.

media-back-to-case = Retour au dossier

media-play-title = Lire la vidéo, sans le son
media-play-warning = Les vidéos signalées peuvent montrer une violence extrême. Cette copie a été faite par Vigie sans le son ; elle ne démarre que si vous appuyez sur lecture.
media-play-no-player = Votre navigateur ne peut pas lire cette vidéo.
media-play-pending = La copie sans le son est en préparation. Cette page se recharge d’elle-même dans quelques secondes.
media-play-not-video = Ce média n’est pas une vidéo.
media-play-no-ffmpeg = Les vidéos ne peuvent pas être lues sur ce serveur : ffmpeg n’y est pas installé. Ses images et le fichier original restent disponibles.
media-play-not-playable = Cette vidéo ne peut pas être lue : { $reason }

media-download-title = Télécharger le fichier original ?
media-download-detail = C’est le fichier tel qu’il a été reçu : un contenu signalé, sans protection, que votre navigateur enregistrera sur votre ordinateur. Votre téléchargement est inscrit au journal d’audit. Préférez les images et le lecteur sans le son quand ils suffisent.
media-download-file = Fichier : { $type }, { $bytes } octets.
media-download-button = Télécharger l’original

media-preferences-link = Comment les médias me sont montrés
media-preferences-title = Comment les médias signalés me sont montrés
media-preferences-intro = Tant que vous ne les dévoilez pas, un par un, les images et les images de vidéos signalées sont montrées protégées. Choisissez les protections voulues ; elles ne s’appliquent qu’à vous.
media-preferences-blur = Les flouter jusqu’à les rendre méconnaissables
media-preferences-greyscale = Les montrer en niveaux de gris
media-preferences-reveal = Dévoiler une image la montre en couleur et nette, réduite par Vigie ; le fichier original n’est jamais que téléchargé, volontairement.
media-preferences-button = Enregistrer
media-preferences-saved = Enregistré.

media-error-unavailable-title = Pas encore prêt
media-error-not-viewable-title = Impossible à montrer ainsi

audit-action-media-download = Fichier original d’un média téléchargé
audit-action-user-set-media-preferences = Protections des médias choisies
audit-action-token-set-media-preferences = Protections des médias choisies
audit-detail-blur = Floutées
audit-detail-greyscale = En niveaux de gris
