# The public report form at /report, for anyone, without an account.
# Error messages name the field and the rule, never what was typed.

report-switch-label = Français
report-site-title = Report terrorist content
report-form-title = Report terrorist content
report-intro = Use this form to report content online that you believe is terrorist content:
report-scope-apology = apology for terrorism or terrorist propaganda,
report-scope-threats = terrorist threats,
report-scope-recruitment = recruitment for a terrorist group,
report-scope-instructions = instructions for making weapons or explosives or for carrying out attacks.
report-emergency = In an emergency, if someone is in immediate danger, do not use this form: call 112 (European emergency number) or 17 (police, in France).
report-other-content = For other illegal content in France, use the official PHAROS portal: www.internet-signalement.gouv.fr.
report-review = Reports are reviewed by the platform’s moderators. You do not need an account, and giving your contact details is optional.
report-do-not-share = Please do not share the content, even to denounce it.
report-errors-title = The report was not sent. Please correct the following:
# Between a field's name and its error in the summary; spaces count.
report-colon = {": "}
report-file-again = If you attached a file, attach it again.

## The form's fields

report-category-legend = What kind of content is it?
report-category-threat = Terrorist threat
report-category-threat-help = A threat to commit a terrorist attack.
report-category-propaganda = Apology for terrorism or propaganda
report-category-propaganda-help = Content glorifying a terrorist attack or group, or spreading its propaganda.
report-category-recruitment = Recruitment
report-category-recruitment-help = Calls to join or support a terrorist group or to take part in its activities.
report-category-instructions = Instructions for attacks
report-category-instructions-help = How to make weapons or explosives, or how to carry out an attack.
report-category-extremism = Other violent extremism
report-category-extremism-help = Other content calling for violence for ideological, political or religious ends.
report-url-label = Address (URL) of the content
report-url-help = Copy the full address from your browser’s address bar, for example https://example.org/page.
report-seen-where-label = Where did you see it?
report-seen-where-choose = Choose…
report-place-website = Website
report-place-social-network = Social network
report-place-video-platform = Video platform
report-place-messaging = Messaging app (public channel or group)
report-place-forum = Forum
report-place-other = Other
report-seen-at-label = When did you see it?
report-seen-at-help = The date and time on your clock; an approximate time is enough.
report-seen-zone-label = Time zone
# The default time zone: metropolitan France, with its summer time.
report-zone-paris = Metropolitan France (Paris time)
# Places named next to their UTC offset in the list of time zones.
report-zone-french-polynesia = French Polynesia
report-zone-antilles = Guadeloupe, Martinique
report-zone-french-guiana = French Guiana
report-zone-mayotte = Mayotte
report-zone-reunion = Réunion
report-zone-new-caledonia = New Caledonia
report-comment-label = Comment
report-comment-help = Anything that helps the moderators find or understand the content (at most 2000 characters).
report-contact-legend = Your contact details
report-contact-help = You may report anonymously. If you give an email address, the moderators may contact you about this report.
report-contact-name-label = Name
report-contact-email-label = Email
report-media-label = Screenshot or file
report-media-help = A screenshot helps the moderators if the content is changed or deleted.
# $size is a size such as "512 MiB", in the units below.
report-media-limit = One file, at most { $size }.
report-unit-gib = GiB
report-unit-mib = MiB
report-unit-kib = KiB
report-unit-bytes = bytes
# The decimal separator in sizes ("1.5 MiB").
report-decimal-separator = .
report-optional = optional
report-required = required
report-send = Send the report

## After sending

report-received-title = Report received
report-received-intro = Thank you. Your report has been received.
report-receipt-id-label = Report number
report-receipt-id-help = Quote this number if you write to us about this report.
report-received-at-label = Received (UTC)
report-next-title = What happens next
report-next-review = The platform’s moderators review reports, the most urgent first.
report-next-action = If the content breaks the law or the platform’s rules, they can remove it or block access to it, and may pass it on to the authorities.
report-next-answer = You will not necessarily receive an answer. If you gave an email address, the moderators may contact you.
report-another = Report other content

## Refusals

report-too-many-title = Too many reports
report-too-many-detail = Too many reports have been sent from your connection in the last hour. Please try again later. In an emergency, call 112 or 17.
report-expired-title = Form expired
report-expired-detail = This form has expired, or your browser did not send back its security cookie. Reload the form and send it again.
report-unreadable-title = Form not readable
report-unreadable-detail = The form could not be read. Reload the form and send it again.
report-failed-title = Report not sent
report-failed-detail = Something went wrong on our side and your report was not stored. Please try again later.
report-back-to-form = Back to the form

## Short names of the fields, for the error summary

report-field-category = Category
report-field-url = Address (URL)
report-field-seen-where = Where seen
report-field-seen-at = Date and time
report-field-comment = Comment
report-field-contact-name = Name
report-field-contact-email = Email
report-field-media = File

## Field errors: the rule broken, never the value

report-error-category-required = choose a category.
report-error-category-unknown = choose one of the categories listed.
report-error-url-required = enter the address of the content.
report-error-url-too-long = the address must be at most 2048 characters.
report-error-url-invalid = enter a full web address starting with http:// or https://.
report-error-seen-where-unknown = choose one of the places listed.
report-error-seen-at-future = the date and time must not be in the future.
report-error-seen-at-invalid = enter a valid date and time.
report-error-comment-too-long = the comment must be at most 2000 characters.
report-error-contact-name-too-long = the name must be at most 200 characters.
report-error-control-characters = contains characters that are not allowed.
report-error-contact-email-invalid = enter an email address such as name@example.org, or leave it empty.
report-error-media-too-large = the file is larger than the limit.
report-error-media-empty = the file is empty.
report-error-media-unreadable = the image cannot be read (damaged, or too large in pixels).
report-error-media-one = attach one file only.
report-error-invalid = this value is not accepted.
