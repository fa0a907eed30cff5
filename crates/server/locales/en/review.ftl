# Review console: the queue, the case page, decisions and the team dashboard.

nav-queue = Queue
nav-team = Team

## Vocabulary shared by every review page

kind-removal_order = Removal order
kind-referral = Referral
kind-notice = Notice
kind-user_report = User report
kind-partner_flag = Partner flag

state-new = To review
state-escalated = Escalated
state-awaiting_confirmation = Awaiting second reviewer
state-clarification_requested = Clarification requested
state-decided = Decided

priority-low = Low
priority-normal = Normal
priority-high = High
priority-urgent = Urgent

decision-remove = Remove
decision-restrict = Restrict in some countries
decision-label = Label (warning or age gate)
decision-keep_with_counter_speech = Keep, with counter-speech
decision-no_violation = No violation
decision-escalate = Escalate to a senior reviewer
decision-request_clarification = Ask the authority to clarify
decision-cannot_comply = Cannot comply

decision-state-in_force = in force
decision-state-pending = awaiting a second reviewer
decision-state-rejected = rejected by the second reviewer
decision-state-replaced = replaced by a correction
decision-state-step = recorded

label-warning = Warning screen
label-age_gate = Age gate

reason-force_majeure = Force majeure or de facto impossibility (TCO Art. 3(7))
reason-manifest_errors = Manifest errors or missing information (TCO Art. 3(8))

pause-force_majeure = force majeure
pause-clarification_requested = clarification requested
clock-pause = Clock paused
clock-resume = Clock resumed

value-yes = yes
value-no = no

countdown-days = { $days } d { $hours } h
countdown-due = Due { $time }
countdown-overdue = overdue { $time }

## The queue

queue-title = Review queue
queue-counts = { $open } open · { $overdue } overdue
queue-next = Next case
queue-nothing-left = Nothing left to review that you may take: every open case is decided, held by someone, or waits for a senior reviewer.
queue-filter-kind = Kind
queue-filter-sender = Sender
queue-filter-priority = Priority at least
queue-filter-state = State
queue-filter-label = Bank label
queue-filter-matches = Bank matches
queue-filter-overdue = Overdue only
queue-filter-signal = Cases matching { $signal }
queue-any = Any
queue-any-kind = Any kind
queue-any-sender = Any sender
queue-any-priority = Any priority
queue-any-state = Any open state
queue-with-matches = With matches
queue-without-matches = Without matches
queue-apply = Filter
queue-clear = Clear filters
queue-select = Select for a bulk decision
queue-col-due = Time left
queue-col-priority = Priority
queue-col-kinds = Case
queue-col-senders = Sent by
queue-col-country = Country
queue-col-matches = Bank labels
queue-col-submissions = Submissions
queue-col-state = State
queue-no-deadline = paused
queue-anonymous = anonymous
queue-distance-help = Hamming distance of the closest bank match (0: identical)
queue-claimed-by = held by { $name }
queue-claimed-by-you = held by you
queue-empty = No case matches these filters.
queue-all-done = No open case: the queue is empty.
queue-previous = Previous page
queue-more = More cases

## Bulk decisions

bulk-title = Decide the selected cases
bulk-hint = Tick cases in the queue (x), then record one decision for all of them. Each case is decided on its own: one that another reviewer holds, or that is already decided, is left as it is and listed.
bulk-record = Record for the selected cases
bulk-result-title = Bulk decision
bulk-result-summary = { $recorded } of { $total } cases decided.
bulk-result-case = Case
bulk-result-outcome = Outcome

## The case page

case-title = Case …{ $id }
case-claim = Claim this case
case-release = Release
case-claimed-by-you = You hold this case until { $until } (renewed while this page is open).
case-claimed-by-other = { $name } holds this case until { $until }.
case-back = Back to the queue
case-sent-by = Sent by { $sender } · received { $time }
case-clock-paused = clock paused
case-matches = Bank matches
case-no-matches = No bank matched this content.
case-match-bank = Bank
case-match-labels = Labels
case-match-distance = Distance
case-match-feedback = Reviewers' feedback
case-match-counts = { $confirmed } confirmed · { $false } false positives
case-match-all-cases = All open cases of this match
# How an edited copy of a known image was found (issue 16).
via-rotate90 = turned 90° clockwise
via-rotate180 = turned upside down
via-rotate270 = turned 90° anticlockwise
via-mirror = mirrored
via-flip = flipped top to bottom
via-transpose = mirrored on its diagonal
via-transverse = mirrored on its other diagonal
via-trimmed = borders trimmed
via-region = picture inside a frame
case-similar = Similar cases (same bank signal)
case-decisions = Decisions
case-no-decisions = No decision yet.
case-notes = Internal notes
case-no-notes = No notes yet.
case-note-new = New note (only your platform's reviewers see it)
case-note-add = Add note
case-history = History
case-decide = Decide
case-record = Record decision
case-is-decided = This case is decided. To change the outcome, use “Correct this decision” under the decision in force.
case-awaits-confirmation = A decision on this case waits for a second, senior reviewer.
case-needs-senior = This case is escalated: a senior reviewer decides it.
case-held-by-other = Another reviewer holds this case.
case-read-only = Your roles let you read this case, not decide it.
case-decided-flash = Decision recorded.
case-claimed-flash = You hold this case now.
case-released-flash = Case released.
case-noted-flash = Note added.
case-reviewed-flash = Your verdict on the decision is recorded.

media-protected-alt = Reported image, blurred and in greyscale
media-frame-alt = Frame of a reported video, blurred and in greyscale
media-reveal = Reveal
media-hide = Protect again
media-clear-alt = Reported image, shown in clear
media-frame-clear-alt = Frame of a reported video, shown in clear
media-play-muted = Play without sound
media-no-frames = (no frames kept for this video)

value-deconfliction-cleared = cleared
value-deconfliction-pending = pending
value-deconfliction-not_required = not required

field-issuing_authority = Issuing authority
field-member_state = Member state
field-reference = Reference
field-issued_at = Issued
field-grounds = Grounds (TCO Art. 2(7))
field-statement_of_reasons = Statement of reasons
field-non_disclosure_until = Not to be disclosed to the uploader until
field-cross_border = Cross-border order
field-redress = Redress
field-explanation = Explanation
field-deconfliction = Deconfliction
field-category = Category
field-labels = Labels
field-notifier_name = Notifier
field-notifier_email = Notifier's email
field-good_faith = Statement of good faith
field-seen_where = Seen on
field-seen_at = Seen at
field-language = Language
field-trusted_flagger = Trusted flagger

## Decisions

form-decision = Decision
form-choose = Choose…
form-ground-hint = The ground: the law it breaks, or the clause of your terms.
form-ground-optional = Optional when the content stays up: give one if a law or a clause of your terms applies.
form-ground-illegal = Illegal content
form-ground-terms = Against our terms
form-law = Law
form-article = Article
form-clause = Clause of the terms
form-ground-explanation = Why the content falls under it
form-territorial_scope = Countries (ISO codes, separated by spaces)
form-label = Label
form-counter_speech = Counter-speech to attach
form-reason = Reason
form-explanation = Explanation
form-facts = Facts and circumstances relied on
form-note = Internal note (required to escalate)
form-automated = Automated detection / decision
form-automated_detection = Detected by automated means
form-automated_decision = Decided by automated means
form-bank = Add the content to a bank
form-no-bank = Do not add to a bank
form-bank-labels = Labels for the bank
ground-illegal-summary = Illegal: { $law }, { $article }
ground-terms-summary = Against the terms: { $clause }
decision-added-to-bank = { $count } new signals, labels { $labels }
decision-reviewed-by = Second reviewer
decision-correct = Correct this decision
decision-correcting = This decision will replace the one in force.
four-eyes-note = Your note (required to reject)
four-eyes-confirm = Confirm the decision
four-eyes-reject = Reject it

## Keyboard

keys-title = Keyboard shortcuts
keys-move = Move down / up the queue (on a case page, k keeps the content with counter-speech)
keys-open = Open the case
keys-select = Select the case for a bulk decision
keys-next = Claim and open the most urgent free case
keys-bulk = Open the bulk decision for the ticked cases
keys-filter = Go to the filters
keys-claim = Claim the case
keys-release = Release the case
key-enter = Enter
key-escape = Esc
keys-reveal = Reveal the next protected picture (once all are shown, protect them again)
keys-decide = Choose a decision: remove, restrict, label, keep with counter-speech, no violation, escalate, ask to clarify, cannot comply
keys-submit = Record the decision (the confirmation)
keys-queue = Back to the queue
keys-help = Show this list
keys-escape = Leave a field
keys-close = Close

## Team dashboard

team-title = Team dashboard
team-open = open cases
team-overdue = overdue
team-escalated = escalated
team-awaiting = awaiting a second reviewer
team-decided-today = decided today
team-times = Time from receipt to decision
team-kind = Kind
team-today = Today (UTC)
team-week = Last 7 days
team-decisions = Decisions
team-median = Median
team-all-kinds = All kinds
team-computed-at = Computed on { $time }.
team-kinds-overlap = A case holding submissions of several kinds counts once under each of them, and once under all kinds.

## Conflicts, as the console words them (the API's problem slugs)

conflict-case-closed = This case is merged into another or already decided: there is nothing to claim.
conflict-case-claimed = Another reviewer holds this case. It is free again when they decide, release it, or their claim runs out.
conflict-case-decided = This case is already decided. To change the outcome, correct the decision in force (“Correct this decision”).
conflict-awaiting-confirmation = A decision on this case waits for a second reviewer: it must be confirmed or rejected first.
conflict-needs-senior-reviewer = This case is escalated: only a senior reviewer may decide it.
conflict-nothing-to-replace = Only a decision in force on a decided case can be corrected.
conflict-not-pending = This decision is no longer waiting for confirmation.
conflict-four-eyes = Four eyes: a decision is confirmed by a second, different reviewer, not by its author.

## Form issues: the fields by their labels, and the commonest rules

issue-required = required
issue-one-country = name at least one country
issue-one-case = tick at least one case in the queue
issue-country = must be an ISO country code such as FR, DE or EU
issue-field-decision = Decision
issue-field-ground = Ground
issue-field-ground-type = Ground
issue-field-ground-law = Law
issue-field-ground-article = Article
issue-field-ground-clause = Clause of the terms
issue-field-ground-explanation = Why the content falls under it
issue-field-territorial_scope = Countries
issue-field-label = Label
issue-field-reason = Reason
issue-field-explanation = Explanation
issue-field-facts = Facts relied on
issue-field-note = Internal note
issue-field-counter_speech = Counter-speech
issue-field-add_to_bank-bank = Bank
issue-field-add_to_bank-labels = Labels for the bank
issue-field-cases = Cases
issue-field-replaces = Decision corrected
issue-field-review_note = Note
issue-field-body = Note
issue-field-claim = Claim

## What a recorded decision is called on the case page

decided-remove = Removal
decided-restrict = Restriction in some countries
decided-label = Warning screen or age gate
decided-keep_with_counter_speech = Kept, with counter-speech
decided-no_violation = No violation
decided-escalate = Escalated to a senior reviewer
decided-request_clarification = Clarification requested from the authority
decided-cannot_comply = Cannot comply
case-escalated-flash = Escalated: the case waits for a senior reviewer.
case-escalated-by = Escalated by { $name }, who asks:
case-unrecorded = Not recorded. What you wrote, to keep if you need it:
case-clarification-flash = Clarification requested: the removal order's clock is paused until the authority answers.

## Actions asked of the platform, statements of reasons, complaints
case-actions = Actions asked of the platform
case-complaints = Complaints
case-complaint-answered-flash = Complaint answered.
decision-statement = Statement of reasons (the uploader's page)
action-asked = Asked
action-delivered = Delivered
action-failed = Deliveries given up
action-executed = Confirmed
action-kind-remove = Remove
action-kind-restrict = Restrict in some countries
action-kind-label = Label
action-kind-attach_counter_speech = Attach counter-speech
action-kind-reinstate = Reinstate
action-status-pending = waiting for the platform
action-status-delivered = delivered, not yet confirmed
action-status-confirmed = confirmed
action-status-failed = not delivered
outcome-executed = executed
outcome-partially_executed = partially executed
outcome-failed = not executed
complaint-kind-dsa_art20 = Complaint (DSA Art. 20)
complaint-kind-tco_art10 = Complaint (TCO Art. 10)
complaint-channel-platform = forwarded by the platform
complaint-channel-statement_link = through the statement of reasons
complaint-status-open = to answer
complaint-status-upheld = upheld
complaint-status-reversed = reversed
complaint-reasons = Answer (the complainant is told)
complaint-uphold = Uphold the decision
complaint-reverse = Reverse and reinstate
conflict-complaint-same-reviewer = You took (or confirmed) this decision: another reviewer must answer the complaint.
conflict-complaint-needs-senior = A removal order is behind this decision: a senior reviewer answers the complaint.
conflict-complaint-decided = This complaint was answered before.
queue-complaints = Complaints to answer
queue-complaint-due = Due
queue-complaint-case = Case
team-actions-unconfirmed = actions not yet confirmed
team-actions-failed = actions not delivered
team-complaints-open = complaints to answer
team-complaints-overdue = complaints overdue
complaint-not-yours-decider = You took (or confirmed) this decision: another reviewer answers the complaint.
complaint-not-yours-senior = A removal order is behind this decision: a senior reviewer answers the complaint.

# Preservation of removed content (TCO Art. 6)
preservation-title = Preserved content (TCO Art. 6)
preservation-summary = The platform removed this content on { $removed }. It is kept until { $until }, then purged (longer if an authority asks, or while a complaint is open).
preservation-purged-summary = Removed on { $removed }; purged on { $purged }, when its preservation ended. Only the legal record is left: decisions, actions, complaints, the submissions' legal fields and the audit trail.
preservation-closed-hint = The content (addresses, media, reporters' details) opens only for a purpose the law names, recorded with your name. It stays open to you for 30 minutes.
preservation-open-until = The content is open to you until { $until }. This access is in the log.
preservation-purpose = Purpose
preservation-reason = Reason
preservation-open = Open the content
preservation-purpose-complaint = Handling a complaint
preservation-purpose-review_proceedings = Administrative or judicial review
preservation-purpose-investigation = Investigation or prosecution (authority's request)
preservation-extensions = Extensions
preservation-extension-line = { $authority } asked to keep it until { $until }
preservation-extend = Record an authority's extension
preservation-authority = Authority or court
preservation-reference = Its reference
preservation-until = Keep until
preservation-extension-reason = Proceedings
preservation-extend-submit = Record the extension
preservation-log = Who opened the content
preservation-log-who = Who
preservation-log-when = When
preservation-opened-flash = The content is open to you for 30 minutes.
preservation-extended-flash = Extension recorded.
preservation-closed-title = Preserved content
preservation-closed-detail = The platform removed this content and it is preserved: open it on the case page, stating why.
preservation-purged-title = Purged content
preservation-purged-detail = This content was purged when its preservation ended: nothing of it is kept.
conflict-not-preserved = The platform has not confirmed removing this content: nothing is preserved yet.
conflict-extension-not-later = The preservation was extended meanwhile past this date.
issue-field-access_purpose = Purpose
issue-field-access_reason = Reason
issue-field-extension_authority = Authority or court
issue-field-extension_reference = Its reference
issue-field-extension_until = Keep until
issue-field-extension_reason = Proceedings
