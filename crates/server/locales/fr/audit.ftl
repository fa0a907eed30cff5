# La page du journal d’audit : les événements en mots, la vérification de la chaîne et ses points de contrôle.

audit-title = Journal d’audit
audit-scope-hint = Les événements enregistrés pour votre organisation, et ceux qui concernent les saisines et dossiers qui lui sont adressés.
audit-signed = Point de contrôle de l’événement { $sequence } signé. Téléchargez-le et conservez-le hors de Vigie.
# Suivi de l’empreinte de la tête de chaîne, puis de audit-intact-checkpoints.
audit-intact = Chaîne intacte : { $events } événements vérifiés, jusqu’à l’événement { $head } d’empreinte
audit-intact-checkpoints = { $held } des { $stored } points de contrôle enregistrés concordent.
audit-broken = Le journal d’audit ne se vérifie pas :
audit-more-problems = et { $count } de plus
audit-broken-count = Le journal d’audit ne se vérifie pas : { $problems } problème(s) trouvé(s), après { $events } événements qui se vérifient.
audit-broken-whom = L’endroit de la rupture nomme des événements d’autres organisations ; il n’est montré qu’aux auditeurs de l’opérateur : prévenez-les maintenant.
audit-unsigned = Ce serveur ne fait confiance à aucune clé publique : les points de contrôle ont été comparés à la chaîne sans vérifier leurs signatures.
audit-verify = Vérifier toute la chaîne et ses points de contrôle
audit-verify-hint = (les événements de toutes les organisations sont vérifiés ; le résultat dit seulement s’ils concordent tous, et combien il y en a)
# Suivi de la clé qui l’a signé.
audit-latest-checkpoint = Dernier point de contrôle signé : événement { $sequence }, { $time } UTC, par
audit-download = Téléchargez-le
# Entre le lien de téléchargement et la commande qui vérifie un point de contrôle conservé.
audit-keep-outside = et conservez-le hors de Vigie :
audit-detects = détecte toute réécriture ou troncature ultérieure.
audit-no-checkpoint = Aucun point de contrôle n’a encore été signé.
audit-sign-now = Signer un point de contrôle maintenant
audit-column-time = Heure (UTC)
audit-column-actor = Auteur
audit-column-action = Action
audit-column-subject = Objet
audit-column-details = Détails
audit-column-hash = Empreinte
audit-unreadable-row = Cette ligne est illisible : { $problem }.
audit-older = Événements plus anciens

## Qui et quoi un événement concerne

audit-user-of = un utilisateur ({ $organisation })
audit-user-unknown = utilisateur …{ $id }
audit-token-named = jeton d’API « { $name } »
audit-token-of = un jeton d’API ({ $organisation })
audit-token-unknown = jeton d’API …{ $id }
audit-bank-named = base « { $name } »
audit-bank-unknown = base …{ $id }
audit-actor-cli = la ligne de commande (vigie)
audit-actor-system = Vigie
audit-actor-public = le formulaire public
audit-subject-submission = saisine …{ $id }
audit-subject-case = dossier …{ $id }
audit-subject-media = média { $hash }…
audit-yes = oui
audit-no = non

## Actions enregistrées, par leur nom dans le journal (points et soulignés remplacés par des tirets)

audit-action-organisation-create = Organisation créée
audit-action-organisation-update = Organisation modifiée
audit-action-organisation-referral-window = Délai des signalements fixé
audit-action-user-create = Utilisateur créé
audit-action-user-update = Utilisateur modifié
audit-action-user-set-password = Mot de passe défini par un administrateur
audit-action-user-change-password = Mot de passe changé par son titulaire
audit-action-session-login = Connexion
audit-action-session-logout = Déconnexion
audit-action-token-create = Jeton d’API créé
audit-action-token-revoke = Jeton d’API révoqué
audit-action-bank-create = Base créée
audit-action-bank-update = Base modifiée
audit-action-bank-import = Signaux importés
audit-action-bank-rematch = Médias stockés comparés à nouveau
audit-action-submission-receive = Saisine reçue
audit-action-submission-attach-media = Média joint
audit-action-submission-pause = Délai suspendu
audit-action-submission-resume = Délai repris
audit-action-case-merge = Dossiers fusionnés
audit-action-case-rematch = Nouvelles correspondances
audit-action-media-identify = Média identifié

## Champs des détails d’un événement, par leur nom dans le journal (soulignés remplacés par des tirets)

audit-detail-kind = Type
audit-detail-case = Dossier
audit-detail-into = Fusionné dans le dossier
audit-detail-platform = Plateforme
audit-detail-priority = Priorité
audit-detail-matches = Correspondances
audit-detail-priority-at-receipt = Priorité à la réception
audit-detail-matches-at-receipt = Correspondances à la réception
audit-detail-cases = Dossiers
audit-detail-reason = Motif
audit-detail-due-at = Échéance
audit-detail-sha256 = SHA-256
audit-detail-status = État
audit-detail-country = Pays
audit-detail-is-operator = Opérateur
audit-detail-slug = Nom court
audit-detail-roles = Rôles
audit-detail-disabled = Désactivé
audit-detail-display-name-changed = Nom affiché modifié
audit-detail-expires-at = Expire le
audit-detail-scope = Portée
audit-detail-bank-id = Base
audit-detail-signal-type = Type de signal
audit-detail-match-threshold = Seuil de correspondance
audit-detail-min-quality = Qualité minimale
audit-detail-auto-action = Action automatique
audit-detail-visibility = Visibilité
audit-detail-previous-visibility = Visibilité précédente
audit-detail-rematch-job = Tâche de comparaison
audit-detail-minutes = Minutes
audit-detail-enabled = Activée
audit-detail-origin = Origine
audit-detail-added = Ajoutés
audit-detail-already-present = Déjà présents

## Review
audit-action-case-claim = Dossier pris en charge
audit-action-case-release = Dossier libéré
audit-action-case-decide = Décision enregistrée
audit-action-case-note = Note ajoutée
audit-action-decision-confirm = Décision confirmée (double regard)
audit-action-decision-reject = Décision rejetée (double regard)
audit-action-organisation-four-eyes = Types soumis au double regard fixés
audit-detail-decision = Décision
audit-detail-state = État
audit-detail-ground = Fondement
audit-detail-replaces = Remplace
audit-detail-signals-added = Signaux ajoutés
audit-detail-paused = Délais suspendus
audit-detail-until = Jusqu’à
audit-detail-note = Note
audit-detail-kinds = Types
audit-detail-bank = Base

## Actions et réclamations
audit-action-webhook-create = Point de réception (webhook) enregistré
audit-action-webhook-rotate-secret = Secret de webhook renouvelé
audit-action-webhook-disable = Point de réception (webhook) désactivé
audit-action-action-confirm = Action confirmée par la plateforme
audit-action-action-delivery-failed = Action non remise (nouvelles tentatives abandonnées)
audit-action-complaint-file = Réclamation reçue
audit-action-complaint-decide = Réclamation traitée
audit-detail-action = Action
audit-detail-outcome = Résultat
audit-detail-executed-at = Exécutée le
audit-detail-complaint = Réclamation
audit-detail-channel = Canal
audit-detail-event-types = Types d’événements
audit-detail-previous-secret-until = Ancien secret valable jusqu’au
audit-detail-action-kind = Action demandée
audit-action-decision-annul = Décision annulée (contrôle ou juridiction)
audit-detail-source = Origine
audit-detail-reversal = Décision qui la remplace
audit-action-case-preservation-access = Contenu conservé ouvert
audit-action-case-preservation-extend = Conservation prolongée
audit-action-case-purge = Contenu effacé (fin de la conservation)
audit-detail-purpose = Finalité
audit-detail-authority = Autorité
audit-detail-reference = Référence
audit-detail-preserved-until = Conservé jusqu’au
audit-detail-submissions = Signalements
audit-detail-media = Médias
