-- Preservation of removed content (TCO Art. 6): a case whose content the platform confirmed
-- removing or restricting keeps its content and the data about it for six months from the
-- removal (`removed_at`), longer when an authority or a court asks (`preservation_extensions`;
-- `preserved_until` is the later of the two ends), then is purged once (`purged_at`): media
-- files and rows, submissions' details, content keys, matches and notes go; the case, its
-- submissions' kinds and times, decisions, actions, complaints and the audit trail stay, so
-- the figures and the accountability outlive the content.
--
-- While preserved, the content opens only with a stated purpose, one row per opening
-- (`preservation_accesses`, also in the audit trail): who, when, why, until when.
alter table cases add column removed_at timestamptz;
alter table cases add column preserved_until timestamptz;
alter table cases add column purged_at timestamptz;
-- The purge looks for due cases on every node, every minute.
create index cases_preservation_due on cases (preserved_until) where preserved_until is not null and purged_at is null;

create table preservation_extensions (
    id uuid primary key,
    case_id uuid not null references cases (id),
    authority text not null,
    reference text not null,
    until timestamptz not null,
    reason text not null,
    recorded_by_kind text not null,
    recorded_by uuid,
    organisation_id uuid references organisations (id),
    recorded_at timestamptz not null
);
create index preservation_extensions_case on preservation_extensions (case_id, recorded_at);

create table preservation_accesses (
    id uuid primary key,
    case_id uuid not null references cases (id),
    actor_kind text not null,
    actor_id uuid,
    organisation_id uuid references organisations (id),
    purpose text not null,
    reason text not null,
    opened_at timestamptz not null,
    expires_at timestamptz not null,
    constraint preservation_accesses_purpose_check check (purpose in ('complaint', 'review_proceedings', 'investigation'))
);
create index preservation_accesses_case on preservation_accesses (case_id, opened_at);
