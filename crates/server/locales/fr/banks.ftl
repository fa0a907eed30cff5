# Les bases d’empreintes dans la console : la liste, les réglages et les signaux d’une base, les imports.

nav-banks = Bases d’empreintes
banks-title = Bases d’empreintes
banks-intro = Listes d’empreintes et d’adresses de contenus terroristes connus auxquelles les saisines sont comparées : celles de votre organisation, et celles d’autres organisations ouvertes à la comparaison par leurs propriétaires.
banks-none = Aucune base ne vous est encore visible.
banks-new = Nouvelle base
banks-create = Créer la base

## Les réglages d’une base

bank-name = Nom
bank-name-help = Lettres, chiffres, « - », « _ » et « . » seulement : le nom sert en ligne de commande.
bank-owner = Organisation
bank-signal-type = Type de signal
bank-type-pdq = PDQ (images)
bank-type-vpdq = vPDQ (vidéos)
bank-type-md5 = MD5 (fichiers identiques)
bank-type-sha256 = SHA-256 (fichiers identiques)
bank-type-url = URL
bank-state = État
bank-enabled = active
bank-disabled = désactivée
bank-threshold = Seuil de correspondance
bank-threshold-help = La plus grande distance de Hamming comptée comme correspondance pour PDQ et vPDQ (31 d’ordinaire ; vide pour la valeur par défaut) ; 0 pour les types exacts.
bank-min-quality = Qualité minimale
bank-auto-action = Action automatique
bank-auto-action-field = Permettre d’agir sur les correspondances sans modérateur
bank-visibility = Visibilité
bank-visibility-private = Privée (votre organisation seulement)
bank-visibility-match = Comparaison (les autres apprennent qu’une requête a correspondu, et où)
bank-visibility-shared = Partagée (les autres peuvent aussi lire ses signaux)
bank-visibility-help = Une visibilité plus large s’applique dès la requête suivante : d’autres organisations apprennent alors les correspondances avec cette base, ou lisent ses signaux.
bank-signal-count = Signaux
bank-description = Description
bank-id = Identifiant
bank-yes = oui
bank-no = non
bank-settings = Modifier les réglages
bank-save = Enregistrer les réglages
bank-disable = Désactiver la base…
bank-enable = Réactiver la base
bank-disable-title = Désactiver cette base ?
bank-disable-detail = La base « { $name } » et ses { $count } signaux cessent immédiatement de correspondre : les nouvelles saisines ne leur seront plus comparées. Elle pourra être réactivée plus tard.
bank-disable-button = Désactiver la base

## Importer un fichier de signaux

bank-import = Importer un fichier de signaux
bank-import-file = Fichier
bank-import-help = Un signal par ligne, du CSV (valeur,qualité,étiquette…) ou des lignes type_de_signal valeur comme les écrivent python-threatexchange et HMA ; 2 Mo au plus ici (les fichiers plus gros passent par l’API ou `vigie bank import`). Rien n’est ajouté si une ligne est fausse, sauf si vous cochez la case ci-dessous.
bank-import-format = Format
bank-import-format-auto = Le reconnaître
bank-import-format-lines = Une valeur par ligne
bank-import-format-csv = CSV : valeur,qualité,étiquette…
bank-import-format-hma = type_de_signal valeur (HMA, ThreatExchange)
bank-import-source = Source (échange ou organisation d’où viennent les signaux)
bank-import-skip-invalid = Ajouter les lignes valides même si certaines sont fausses
bank-import-button = Importer
bank-import-applied = Import terminé : { $added } signaux ajoutés, { $present } déjà dans la base.
bank-import-nothing = Le fichier ne contient aucun signal : rien n’a été ajouté.
bank-import-refused = Rien n’a été ajouté : certaines lignes sont fausses. Corrigez-les, ou cochez « Ajouter les lignes valides même si certaines sont fausses ».
bank-import-duplicates = { $count } lignes répétées fusionnées.
bank-import-issue = ligne { $line } : { $message }
bank-import-more = et { $count } de plus

## Signaux

signals-title = Signaux
signals-hidden = Le propriétaire de cette base vous permet d’y comparer, pas de lire ses signaux.
signals-none = Cette base ne contient encore aucun signal.
signals-next = Signaux suivants
signal-value = Valeur
signal-quality = qualité { $quality }
signal-labels = Étiquettes
signal-source = Source
signal-state = État
signal-enabled = actif
signal-disabled = désactivé
signal-hits = Correspondances
signal-confirmed = Confirmées
signal-false-positives = Faux positifs
signal-disable = Désactiver…
signal-enable = Réactiver
signal-disable-title = Désactiver ce signal ?
signal-disable-detail = Le signal { $id } de la base « { $bank } » cesse immédiatement de correspondre. Il pourra être réactivé plus tard.
signal-disable-button = Désactiver le signal
