# The audit trail page: events in words, the chain's verification and its checkpoints.

audit-title = Audit trail
audit-scope-hint = Events recorded for your organisation, and those about submissions and cases addressed to it.
audit-signed = Checkpoint of event { $sequence } signed. Download it and keep it outside Vigie.
# Followed by the head's hash, then audit-intact-checkpoints.
audit-intact = Chain intact: { $events } events verified, ending at event { $head } in
audit-intact-checkpoints = { $held } of { $stored } stored checkpoints hold.
audit-broken = The audit trail does not verify:
audit-more-problems = and { $count } more
audit-broken-count = The audit trail does not verify: { $problems } problem(s) found, after { $events } events that verify.
audit-broken-whom = Where it breaks names other organisations' events, so it is shown to the operator's auditors only: tell them now.
audit-unsigned = This server trusts no public key: checkpoints were compared with the chain without checking their signatures.
audit-verify = Verify the whole chain and its checkpoints
audit-verify-hint = (every organisation's events are checked; the result shows only whether they all hold, and how many there are)
# Followed by the key that signed it.
audit-latest-checkpoint = Latest signed checkpoint: event { $sequence }, { $time } UTC, by
audit-download = Download it
# Between the download link and the command that checks a kept checkpoint.
audit-keep-outside = and keep it outside Vigie:
audit-detects = detects any later rewrite or truncation.
audit-no-checkpoint = No checkpoint has been signed yet.
audit-sign-now = Sign a checkpoint now
audit-column-time = Time (UTC)
audit-column-actor = Actor
audit-column-action = Action
audit-column-subject = Subject
audit-column-details = Details
audit-column-hash = Hash
audit-unreadable-row = This row cannot be read: { $problem }.
audit-older = Older events

## Who and what an event is about

audit-user-of = a user ({ $organisation })
audit-user-unknown = user …{ $id }
audit-token-named = API token “{ $name }”
audit-token-of = an API token ({ $organisation })
audit-token-unknown = API token …{ $id }
audit-bank-named = bank “{ $name }”
audit-bank-unknown = bank …{ $id }
audit-actor-cli = the command line (vigie)
audit-actor-system = Vigie itself
audit-actor-public = the public report form
audit-subject-submission = submission …{ $id }
audit-subject-case = case …{ $id }
audit-subject-media = media { $hash }…
audit-yes = yes
audit-no = no

## Recorded actions, by their name in the trail (dots and underscores as dashes)

audit-action-organisation-create = Organisation created
audit-action-organisation-update = Organisation changed
audit-action-organisation-referral-window = Referral window set
audit-action-user-create = User created
audit-action-user-update = User changed
audit-action-user-set-password = Password set by an administrator
audit-action-user-change-password = Own password changed
audit-action-session-login = Logged in
audit-action-session-logout = Logged out
audit-action-token-create = API token created
audit-action-token-revoke = API token revoked
audit-action-bank-create = Bank created
audit-action-bank-update = Bank changed
audit-action-bank-import = Signals imported
audit-action-bank-rematch = Stored media matched again
audit-action-submission-receive = Submission received
audit-action-submission-attach-media = Media attached
audit-action-submission-pause = Clock paused
audit-action-submission-resume = Clock resumed
audit-action-case-merge = Cases merged
audit-action-case-rematch = New matches found
audit-action-media-identify = Media hashed and matched

## Fields of an event's details, by their name in the trail (underscores as dashes)

audit-detail-kind = Kind
audit-detail-case = Case
audit-detail-into = Merged into case
audit-detail-platform = Platform
audit-detail-priority = Priority
audit-detail-matches = Matches
audit-detail-priority-at-receipt = Priority at receipt
audit-detail-matches-at-receipt = Matches at receipt
audit-detail-cases = Cases
audit-detail-reason = Reason
audit-detail-due-at = Due
audit-detail-sha256 = SHA-256
audit-detail-status = Status
audit-detail-country = Country
audit-detail-is-operator = Operator
audit-detail-slug = Short name
audit-detail-roles = Roles
audit-detail-disabled = Disabled
audit-detail-display-name-changed = Display name changed
audit-detail-expires-at = Expires
audit-detail-scope = Scope
audit-detail-bank-id = Bank
audit-detail-signal-type = Signal type
audit-detail-match-threshold = Match threshold
audit-detail-min-quality = Minimum quality
audit-detail-auto-action = Automatic action
audit-detail-visibility = Visibility
audit-detail-previous-visibility = Previous visibility
audit-detail-rematch-job = Rematch job
audit-detail-minutes = Minutes
audit-detail-enabled = Enabled
audit-detail-origin = Origin
audit-detail-added = Added
audit-detail-already-present = Already present

## Review
audit-action-case-claim = Case claimed
audit-action-case-release = Case released
audit-action-case-decide = Decision recorded
audit-action-case-note = Note added
audit-action-decision-confirm = Decision confirmed (four eyes)
audit-action-decision-reject = Decision rejected (four eyes)
audit-action-organisation-four-eyes = Four-eyes kinds set
audit-detail-decision = Decision
audit-detail-state = State
audit-detail-ground = Ground
audit-detail-replaces = Replaces
audit-detail-signals-added = Signals added
audit-detail-paused = Clocks paused
audit-detail-until = Until
audit-detail-note = Note
audit-detail-kinds = Kinds
audit-detail-bank = Bank

## Actions and complaints
audit-action-webhook-create = Webhook endpoint registered
audit-action-webhook-rotate-secret = Webhook secret rotated
audit-action-webhook-disable = Webhook endpoint disabled
audit-action-action-confirm = Action confirmed by the platform
audit-action-action-delivery-failed = Action not delivered (retries given up)
audit-action-complaint-file = Complaint received
audit-action-complaint-decide = Complaint answered
audit-detail-action = Action
audit-detail-outcome = Outcome
audit-detail-executed-at = Executed at
audit-detail-complaint = Complaint
audit-detail-channel = Channel
audit-detail-event-types = Event types
audit-detail-previous-secret-until = Previous secret valid until
audit-detail-action-kind = Action asked
audit-action-decision-annul = Decision annulled (scrutiny or court)
audit-detail-source = Source
audit-detail-reversal = Decision replacing it
audit-action-case-preservation-access = Preserved content opened
audit-action-case-preservation-extend = Preservation extended
audit-action-case-purge = Content purged (preservation ended)
audit-detail-purpose = Purpose
audit-detail-authority = Authority
audit-detail-reference = Reference
audit-detail-preserved-until = Preserved until
audit-detail-submissions = Submissions
audit-detail-media = Media
