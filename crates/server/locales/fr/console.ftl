# Les parties communes de la console et ses pages des organisations, utilisateurs, jetons et mots de passe.
# Chaque dossier de langue a les mêmes fichiers et les mêmes identifiants de messages (un test le vérifie).
# Les variables ($name) sont remplies par le code : gardez-les, traduisez les mots autour.

## En-tête de page et navigation

nav-overview = Accueil
nav-organisations = Organisations
nav-audit = Journal d’audit
nav-api = API
nav-password = Mot de passe
nav-preferences = Préférences
skip-to-content = Aller au contenu
log-out = Se déconnecter
cancel = Annuler
back-to-console = Retour à la console
back-to-overview = Retour à l’accueil
back-to-report-form = Retour au formulaire de signalement
# Le nom d’un champ puis ce qui ne va pas, dans les listes de saisies refusées.
form-issue = { $field } : { $message }

## Erreurs

not-found-title = Page introuvable
not-found-detail = Il n’y a pas de page à cette adresse. Le lien est peut-être mal saisi, ou la page a été déplacée.
error-csrf-title = Formulaire expiré
error-csrf-detail = Ce formulaire n’a pas été envoyé depuis votre session actuelle. Revenez en arrière, rechargez la page et réessayez.
error-invalid-title = Saisie invalide
error-conflict-title = Conflit
error-forbidden-title = Accès refusé
error-forbidden-detail = Vos rôles ne permettent pas cette action.
error-missing-title = Introuvable
error-missing-detail = Cet élément n’existe pas, ou il ne vous est pas visible.
error-too-large-title = Trop volumineux
error-too-large-detail = Ce qui a été envoyé dépasse ce que cette page accepte.
error-too-many-title = Trop de requêtes
error-too-many-detail = Trop de tentatives. Attendez une minute et réessayez.
error-login-title = Non connecté
error-login-detail = Votre session a pris fin. Reconnectez-vous.
error-unavailable-title = Service indisponible
error-unavailable-detail = La base de données ne peut pas répondre pour l’instant ; rien n’a été enregistré. Réessayez dans un moment.
error-internal-title = Erreur interne
error-internal-detail = Une erreur s’est produite sur le serveur. Elle a été journalisée ; réessayez plus tard, ou prévenez les administrateurs.

## Rôles, et ce que chacun permet

role-admin = Administrateur
role-admin-help = gère les utilisateurs et les jetons de l’organisation
role-senior-reviewer = Modérateur principal
role-senior-reviewer-help = examine les dossiers, tranche ceux qui sont remontés
role-reviewer = Modérateur
role-reviewer-help = examine les dossiers
role-referrer = Signaleur
role-referrer-help = envoie signalements, notifications et injonctions
role-auditor = Auditeur
role-auditor-help = consulte le journal d’audit
role-viewer = Lecteur
role-viewer-help = consulte, ne modifie rien

## Types d’organisation

organisation-kind-platform = Plateforme (service d’hébergement)
organisation-kind-referral-unit = Unité de signalement / autorité compétente
organisation-kind-trusted-flagger = Signaleur de confiance
organisation-kind-ngo = ONG
organisation-kind-isp = Fournisseur d’accès à internet

## Connexion

login-title = Connexion
login-email = E-mail
login-password = Mot de passe
login-button = Se connecter
login-failed = E-mail ou mot de passe incorrect, ou compte désactivé.
login-too-many = Trop de tentatives de connexion. Attendez une minute et réessayez.

## Accueil

dashboard-title = Accueil
dashboard-signed-in-as = Connecté en tant que
dashboard-organisation = Organisation
dashboard-roles = Rôles
dashboard-instance = Cette instance
dashboard-organisations = { $count ->
    [one] { $count } organisation
   *[other] { $count } organisations
}
dashboard-users = { $count ->
    [one] { $count } utilisateur visible pour vous
   *[other] { $count } utilisateurs visibles pour vous
}
dashboard-tokens = { $count ->
    [one] { $count } jeton d’API actif visible pour vous
   *[other] { $count } jetons d’API actifs visibles pour vous
}
dashboard-connect = Les unités de signalement, les signaleurs de confiance et les plateformes se connectent au moyen de jetons d’API.
dashboard-api-docs = Lire la documentation de l’API
dashboard-cases = Les saisines sont regroupées en dossiers pour la plateforme concernée ; les examinateurs les traitent depuis la file d’examen, et l’API permet de les lire et de les décider (GET /v1/cases).

## Organisations

organisations-title = Organisations
organisation-name = Nom
organisation-kind = Type
organisation-country = Pays
organisation-contact = Point de contact
organisation-contact-not-set = non renseigné
organisation-operator = opérateur
organisation-id = Identifiant
organisations-new = Nouvelle organisation
organisations-country-field = Pays (ISO 3166-1 alpha-2, ou EU)
organisations-contact-field = E-mail de contact
organisations-create = Créer l’organisation

## Les utilisateurs et les jetons d’une organisation

users-title = Utilisateurs
user-name = Nom
user-email = E-mail
user-roles = Rôles
user-state = État
user-active = actif
user-disabled = désactivé
user-enable = Réactiver
user-disable = Désactiver…
user-add = Ajouter un utilisateur
user-display-name = Nom affiché
user-password-note = Un mot de passe est généré et affiché une seule fois.
user-add-button = Ajouter l’utilisateur
roles-legend = Rôles
tokens-title = Jetons d’API
token-name = Nom
token-roles = Rôles
token-state = État
token-expires = Expire le
token-last-used = Dernière utilisation
token-never = jamais
token-state-active = actif
token-state-expired = expiré
token-state-revoked = révoqué
token-revoke = Révoquer…
token-create = Créer un jeton d’API
token-purpose = À quoi il sert
token-expiry-field = Expire après (jours, vide pour jamais)
token-create-button = Créer le jeton

## Secrets affichés une seule fois

user-created-title = Utilisateur créé
user-created-detail = { $name } peut maintenant se connecter en tant que { $email } avec ce mot de passe. Transmettez-le par un autre canal, sûr.
token-created-title = Jeton d’API créé
token-created-detail = Il agit pour { $organisation } avec ces rôles : { $roles }. Envoyez-le dans l’en-tête de chaque requête à l’API :
secret-shown-once = Ceci n’est affiché qu’une fois. Vigie n’en garde qu’une empreinte et ne peut pas l’afficher à nouveau.
secret-back = Retour à { $name }

## Confirmations

confirm-disable-title = Désactiver cet utilisateur ?
confirm-disable-detail = { $name } ({ $email }) sera déconnecté immédiatement et ne pourra plus se connecter. Un administrateur pourra réactiver le compte plus tard.
confirm-disable-button = Désactiver l’utilisateur
confirm-revoke-title = Révoquer ce jeton d’API ?
confirm-revoke-detail = Le jeton « { $name } » de { $organisation } cesse de fonctionner immédiatement. C’est définitif : les systèmes qui l’utilisent auront besoin d’un nouveau jeton.
confirm-revoke-button = Révoquer le jeton

## Changer son mot de passe

password-title = Changer mon mot de passe
password-intro = Saisissez votre mot de passe actuel, puis deux fois le nouveau. Vos autres sessions seront déconnectées ; celle-ci reste ouverte.
password-current = Mot de passe actuel
password-new = Nouveau mot de passe
password-again = Nouveau mot de passe, à nouveau
password-rules = Au moins { $min } caractères. Une phrase de plusieurs mots est facile à retenir et difficile à deviner.
password-button = Changer mon mot de passe
password-changed = Votre mot de passe a été changé. Vos autres sessions ont été déconnectées.
password-errors-title = Le mot de passe n’a pas été changé :
password-wrong = le mot de passe actuel est incorrect.
password-mismatch = les deux nouveaux mots de passe diffèrent.
password-too-short = le nouveau mot de passe doit faire au moins { $min } caractères.
password-too-long = le nouveau mot de passe doit faire au plus 256 caractères.
password-same = le nouveau mot de passe est identique à l’actuel.
password-too-many = trop de tentatives. Attendez une minute et réessayez.

# Une étiquette et sa valeur dans le texte (espace insécable avant le deux-points).
labelled = { $label } : { $value }
