# The console's shared parts and its pages for organisations, users, tokens and passwords.
# Each language directory has the same files and the same message ids (a test checks it).
# Variables ($name) are filled in by the code; keep them, translate the words around them.

## Page header and navigation

nav-overview = Overview
nav-organisations = Organisations
nav-audit = Audit trail
nav-api = API
nav-password = Password
nav-preferences = Preferences
skip-to-content = Skip to the page
log-out = Log out
cancel = Cancel
back-to-console = Back to the console
back-to-overview = Back to the overview
back-to-report-form = Back to the report form
# A field's name then what is wrong with it, in lists of refused input.
form-issue = { $field }: { $message }

## Errors

not-found-title = Page not found
not-found-detail = There is no page at this address. The link may be mistyped, or the page may have moved.
error-csrf-title = Form expired
error-csrf-detail = This form was not sent from your current session. Go back, reload the page and try again.
error-invalid-title = Invalid input
error-conflict-title = Conflict
error-forbidden-title = Forbidden
error-forbidden-detail = Your roles do not allow this.
error-missing-title = Not found
error-missing-detail = There is no such record, or it is not visible to you.
error-too-large-title = Too large
error-too-large-detail = What was sent is larger than this page accepts.
error-too-many-title = Too many requests
error-too-many-detail = Too many attempts. Wait a minute and try again.
error-login-title = Not logged in
error-login-detail = Your session has ended. Log in again.
error-unavailable-title = Service unavailable
error-unavailable-detail = The database cannot take requests right now; nothing was stored. Try again in a moment.
error-internal-title = Internal error
error-internal-detail = Something went wrong on the server. It has been logged; try again later, or tell the administrators.

## Roles, and what each may do

role-admin = Administrator
role-admin-help = manages the organisation's users and tokens
role-senior-reviewer = Senior reviewer
role-senior-reviewer-help = reviews cases, decides escalated ones
role-reviewer = Reviewer
role-reviewer-help = reviews cases
role-referrer = Referrer
role-referrer-help = sends referrals, notices and orders
role-auditor = Auditor
role-auditor-help = reads the audit trail
role-viewer = Viewer
role-viewer-help = reads, changes nothing

## Kinds of organisation

organisation-kind-platform = Platform (hosting service)
organisation-kind-referral-unit = Referral unit / competent authority
organisation-kind-trusted-flagger = Trusted flagger
organisation-kind-ngo = NGO
organisation-kind-isp = Internet access provider

## Logging in

login-title = Log in
login-email = Email
login-password = Password
login-button = Log in
login-failed = Wrong email or password, or the account is disabled.
login-too-many = Too many login attempts. Wait a minute and try again.

## Overview

dashboard-title = Overview
dashboard-signed-in-as = Signed in as
dashboard-organisation = Organisation
dashboard-roles = Roles
dashboard-instance = This instance
dashboard-organisations = { $count ->
    [one] { $count } organisation
   *[other] { $count } organisations
}
dashboard-users = { $count ->
    [one] { $count } user visible to you
   *[other] { $count } users visible to you
}
dashboard-tokens = { $count ->
    [one] { $count } active API token visible to you
   *[other] { $count } active API tokens visible to you
}
dashboard-connect = Referral units, trusted flaggers and platforms connect through API tokens.
dashboard-api-docs = Read the API documentation
dashboard-cases = Submissions are grouped into cases for the platform concerned; reviewers work them from the review queue, and the same cases are read and decided through the API (GET /v1/cases).

## Organisations

organisations-title = Organisations
organisation-name = Name
organisation-kind = Kind
organisation-country = Country
organisation-contact = Contact point
organisation-contact-not-set = not set
organisation-operator = operator
organisation-id = Id
organisations-new = New organisation
organisations-country-field = Country (ISO 3166-1 alpha-2, or EU)
organisations-contact-field = Contact email
organisations-create = Create organisation

## One organisation's users and tokens

users-title = Users
user-name = Name
user-email = Email
user-roles = Roles
user-state = State
user-active = active
user-disabled = disabled
user-enable = Enable
user-disable = Disable…
user-add = Add a user
user-display-name = Display name
user-password-note = A password is generated and shown once.
user-add-button = Add user
roles-legend = Roles
tokens-title = API tokens
token-name = Name
token-roles = Roles
token-state = State
token-expires = Expires
token-last-used = Last used
token-never = never
token-state-active = active
token-state-expired = expired
token-state-revoked = revoked
token-revoke = Revoke…
token-create = Create an API token
token-purpose = What it is for
token-expiry-field = Expires after (days, empty for never)
token-create-button = Create token

## Secrets shown once

user-created-title = User created
user-created-detail = { $name } can now log in as { $email } with this password. Give it to them through a separate, safe channel.
token-created-title = API token created
token-created-detail = It acts for { $organisation } with these roles: { $roles }. Send it in every API request's header:
secret-shown-once = This is shown once. Vigie stores only a hash of it and cannot show it again.
secret-back = Back to { $name }

## Confirmations

confirm-disable-title = Disable this user?
confirm-disable-detail = { $name } ({ $email }) will be logged out at once and will no longer be able to log in. An administrator can enable the account again later.
confirm-disable-button = Disable the user
confirm-revoke-title = Revoke this API token?
confirm-revoke-detail = The token “{ $name }” of { $organisation } stops working at once. This cannot be undone: the systems using it will need a new token.
confirm-revoke-button = Revoke the token

## Changing one's password

password-title = Change my password
password-intro = Enter your current password, then the new one twice. Your other sessions will be logged out; this one stays open.
password-current = Current password
password-new = New password
password-again = New password, again
password-rules = At least { $min } characters. A sentence of several words is easy to remember and hard to guess.
password-button = Change my password
password-changed = Your password has been changed. Your other sessions have been logged out.
password-errors-title = The password was not changed:
password-wrong = the current password is wrong.
password-mismatch = the two new passwords differ.
password-too-short = the new password must be at least { $min } characters.
password-too-long = the new password must be at most 256 characters.
password-same = the new password is the same as the current one.
password-too-many = too many attempts. Wait a minute and try again.

# A label and its value in running text (French puts a space before the colon).
labelled = { $label }: { $value }
