-- Review: where each case stands, who holds it, the decisions taken on it and reviewers' notes.
--
-- A case in review is `status = 'open'` with `review_state` other than 'decided'. A claim is a
-- lease (`claimed_by` until `claimed_until`) taken with a conditional update, so two reviewers
-- never hold one case, whatever node they reach. Decisions are final records: only `state`
-- (and who confirmed or rejected a pending one) changes after insertion.

alter table cases add column review_state text not null default 'new'
    constraint cases_review_state_check
    check (review_state in ('new', 'escalated', 'awaiting_confirmation', 'clarification_requested', 'decided'));
-- The user or API token holding the case.
alter table cases add column claimed_by uuid;
alter table cases add column claimed_until timestamptz;
alter table cases add column decided_at timestamptz;
create index cases_review_queue on cases (platform_id, status, review_state, due_at);

-- Submission kinds whose cases need a second, senior reviewer's confirmation (space-separated).
alter table organisations add column four_eyes_kinds text not null default '';

create table decisions (
    id uuid primary key,
    case_id uuid not null references cases (id),
    platform_id uuid not null references organisations (id),
    kind text not null,
    state text not null,
    ground_type text,
    law text,
    article text,
    clause text,
    ground_explanation text,
    -- ISO 3166-1 codes separated by spaces (`restrict`).
    territorial_scope text not null default '',
    label text,
    counter_speech text,
    reason text,
    explanation text not null default '',
    note text not null default '',
    facts text not null default '',
    automated_detection boolean not null default false,
    automated_decision boolean not null default false,
    -- The bank the case's media were added to, their labels, and how many signals were new.
    bank_id uuid references banks (id),
    bank_labels text not null default '',
    signals_added integer not null default 0,
    replaces uuid references decisions (id),
    decided_by_kind text not null,
    decided_by uuid,
    -- Four eyes: who confirmed or rejected a pending decision, when and why.
    reviewed_by_kind text,
    reviewed_by uuid,
    reviewed_at timestamptz,
    review_note text not null default '',
    created_at timestamptz not null,
    constraint decisions_kind_check check (kind in ('remove', 'restrict', 'label', 'keep_with_counter_speech',
        'no_violation', 'escalate', 'request_clarification', 'cannot_comply')),
    constraint decisions_state_check check (state in ('in_force', 'pending', 'rejected', 'replaced')),
    constraint decisions_ground_type_check check (ground_type is null or ground_type in ('illegal', 'terms'))
);
create index decisions_case on decisions (case_id, created_at);
create index decisions_platform_time on decisions (platform_id, created_at);

-- Internal notes on a case, for the platform's reviewers only.
create table case_notes (
    id uuid primary key,
    case_id uuid not null references cases (id),
    author_kind text not null,
    author_id uuid,
    body text not null,
    created_at timestamptz not null
);
create index case_notes_case on case_notes (case_id, created_at);

-- A case's history (its own events and its submissions') is read by subject on every case page.
create index audit_events_subject on audit_events (subject_type, subject_id, sequence);
