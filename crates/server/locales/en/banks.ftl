# Hash banks in the console: the list, one bank's settings and signals, imports.

nav-banks = Hash banks
banks-title = Hash banks
banks-intro = Lists of hashes and addresses of known terrorist content that submissions are matched against: your organisation's, and others' that their owners opened to matching.
banks-none = No bank is visible to you yet.
banks-new = New bank
banks-create = Create the bank

## A bank's settings

bank-name = Name
bank-name-help = Letters, digits, "-", "_" and "." only: the name is used on command lines.
bank-owner = Organisation
bank-signal-type = Signal type
bank-type-pdq = PDQ (images)
bank-type-vpdq = vPDQ (videos)
bank-type-md5 = MD5 (exact files)
bank-type-sha256 = SHA-256 (exact files)
bank-type-url = URL
bank-state = State
bank-enabled = enabled
bank-disabled = disabled
bank-threshold = Match threshold
bank-threshold-help = The largest Hamming distance counted as a match for PDQ and vPDQ (31 is usual; empty for the default); 0 for the exact types.
bank-min-quality = Minimum quality
bank-auto-action = Automatic action
bank-auto-action-field = Allow action on matches without a reviewer
bank-visibility = Visibility
bank-visibility-private = Private (your organisation only)
bank-visibility-match = Match (others learn that and where a query matched)
bank-visibility-shared = Shared (others may also read its signals)
bank-visibility-help = A wider visibility applies to the next lookup: other organisations then learn of this bank's matches, or read its signals.
bank-signal-count = Signals
bank-description = Description
bank-id = Id
bank-yes = yes
bank-no = no
bank-settings = Change the settings
bank-save = Save the settings
bank-disable = Disable the bank…
bank-enable = Enable the bank
bank-disable-title = Disable this bank?
bank-disable-detail = The bank “{ $name }” and its { $count } signals stop matching at once: new submissions will not be matched against them. It can be enabled again later.
bank-disable-button = Disable the bank

## Importing a signal file

bank-import = Import a signal file
bank-import-file = File
bank-import-help = One signal per line, CSV (value,quality,label…) or signal_type value lines as python-threatexchange and HMA write them; at most 2 MB here (larger files through the API or `vigie bank import`). Nothing is added if a line is wrong, unless you tick the box below.
bank-import-format = Format
bank-import-format-auto = Recognise it
bank-import-format-lines = One value per line
bank-import-format-csv = CSV: value,quality,label…
bank-import-format-hma = signal_type value (HMA, ThreatExchange)
bank-import-source = Source (exchange or organisation the signals come from)
bank-import-skip-invalid = Add the valid lines even if some are wrong
bank-import-button = Import
bank-import-applied = Imported: { $added } signals added, { $present } already in the bank.
bank-import-nothing = The file holds no signal: nothing was added.
bank-import-refused = Nothing was added: some lines are wrong. Correct them, or tick "Add the valid lines even if some are wrong".
bank-import-duplicates = { $count } repeated lines merged.
bank-import-issue = line { $line }: { $message }
bank-import-more = and { $count } more

## Signals

signals-title = Signals
signals-hidden = This bank's owner lets you match against it, not read its signals.
signals-none = This bank holds no signal yet.
signals-next = Next signals
signal-value = Value
signal-quality = quality { $quality }
signal-labels = Labels
signal-source = Source
signal-state = State
signal-enabled = enabled
signal-disabled = disabled
signal-hits = Matches
signal-confirmed = Confirmed
signal-false-positives = False positives
signal-disable = Disable…
signal-enable = Enable
signal-disable-title = Disable this signal?
signal-disable-detail = Signal { $id } of the bank “{ $bank }” stops matching at once. It can be enabled again later.
signal-disable-button = Disable the signal
