-- Intake: submissions (removal orders, referrals, notices, public reports, partner flags),
-- the cases that group them, the media they carry, and the clock's pauses.
--
-- Writers of submissions take the audit_head row lock first, so case grouping (look up the
-- content keys, then insert) is serialised across nodes and needs no retry.

-- A platform's own referral window, in minutes; null means the instance default.
alter table organisations add column referral_deadline_minutes integer
    constraint organisations_referral_deadline_check check (referral_deadline_minutes between 1 and 525600);

create table cases (
    id uuid primary key,
    -- The platform that must act.
    platform_id uuid not null references organisations (id),
    status text not null default 'open',
    -- Highest of its submissions' priorities and of the match boost (0 low .. 3 urgent).
    priority integer not null,
    -- Strictest running deadline of its submissions; null when every clock is paused.
    due_at timestamptz,
    merged_into uuid references cases (id),
    submission_count integer not null default 0,
    match_count integer not null default 0,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    constraint cases_status_check check (status in ('open', 'merged')),
    constraint cases_priority_check check (priority between 0 and 3)
);
create index cases_queue on cases (platform_id, status, due_at);

create table submissions (
    id uuid primary key,
    case_id uuid not null references cases (id),
    platform_id uuid not null references organisations (id),
    -- Null for an anonymous public report.
    submitter_id uuid references organisations (id),
    actor_kind text not null,
    actor_id uuid,
    kind text not null,
    status text not null,
    priority integer not null,
    trusted_flagger boolean not null default false,
    reference text,
    idempotency_key text,
    request_fingerprint text,
    received_at timestamptz not null,
    -- The deadline as it stands; moved by pauses and resumes.
    due_at timestamptz not null,
    paused_at timestamptz,
    -- The kind-specific fields as the API accepted them (canonical JSON).
    details text not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    constraint submissions_kind_check check (kind in ('removal_order', 'referral', 'notice', 'user_report', 'partner_flag')),
    constraint submissions_status_check check (status in ('received', 'paused')),
    constraint submissions_idempotency_key unique (submitter_id, idempotency_key),
    constraint submissions_reference_key unique (submitter_id, kind, reference)
);
create index submissions_case on submissions (case_id);
create index submissions_submitter on submissions (submitter_id, received_at);

-- Exact content keys (url:…, sha256:…, md5:…) → the case holding that content, per platform.
create table case_keys (
    platform_id uuid not null references organisations (id),
    key text not null,
    case_id uuid not null references cases (id),
    constraint case_keys_pkey primary key (platform_id, key)
);
create index case_keys_case on case_keys (case_id);

-- Hash-bank matches found for a case's submissions or media.
create table case_matches (
    id bigint generated always as identity primary key,
    case_id uuid not null references cases (id),
    submission_id uuid references submissions (id),
    media_sha256 text,
    bank text not null,
    signal_id bigint not null,
    signal_type text not null,
    distance integer not null,
    labels text not null default '',
    created_at timestamptz not null
);
create index case_matches_case on case_matches (case_id);

-- Media, stored content-addressed in the data directory (media/ab/cd/<sha256>).
create table media (
    id bigint generated always as identity primary key,
    sha256 text not null,
    md5 text not null,
    byte_size bigint not null,
    -- image, video or other (sniffed from the bytes, not from what the sender claimed).
    media_type text not null,
    -- pending → hashed | failed | unsupported
    status text not null default 'pending',
    pdq text,
    pdq_quality integer,
    vpdq text,
    error text,
    attempts integer not null default 0,
    lease_until timestamptz,
    -- Audit sequence of the event that recorded its hashes: increases in commit order, so a
    -- node that has seen N fetches exactly the newer ones with `identified_seq > N`.
    identified_seq bigint,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    constraint media_sha256_key unique (sha256),
    constraint media_status_check check (status in ('pending', 'hashed', 'failed', 'unsupported'))
);
create index media_pending on media (status, lease_until);
create index media_identified on media (identified_seq);

create table submission_media (
    submission_id uuid not null references submissions (id),
    media_id bigint not null references media (id),
    filename text,
    created_at timestamptz not null,
    constraint submission_media_pkey primary key (submission_id, media_id)
);
create index submission_media_media on submission_media (media_id);

-- Every pause and resume of a submission's clock (TCO Art. 3(7), 3(8); Annex III).
create table deadline_events (
    id bigint generated always as identity primary key,
    submission_id uuid not null references submissions (id),
    action text not null,
    reason text,
    explanation text not null default '',
    due_at_before timestamptz,
    due_at_after timestamptz,
    actor_kind text not null,
    actor_id uuid,
    recorded_at timestamptz not null,
    constraint deadline_events_action_check check (action in ('pause', 'resume'))
);
create index deadline_events_submission on deadline_events (submission_id);
