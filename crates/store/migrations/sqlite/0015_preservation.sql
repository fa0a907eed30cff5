-- Preservation of removed content (TCO Art. 6). See the PostgreSQL migration.
alter table cases add column removed_at text;
alter table cases add column preserved_until text;
alter table cases add column purged_at text;
create index cases_preservation_due on cases (preserved_until) where preserved_until is not null and purged_at is null;

create table preservation_extensions (
    id blob primary key,
    case_id blob not null references cases (id),
    authority text not null,
    reference text not null,
    until text not null,
    reason text not null,
    recorded_by_kind text not null,
    recorded_by blob,
    organisation_id blob references organisations (id),
    recorded_at text not null
);
create index preservation_extensions_case on preservation_extensions (case_id, recorded_at);

create table preservation_accesses (
    id blob primary key,
    case_id blob not null references cases (id),
    actor_kind text not null,
    actor_id blob,
    organisation_id blob references organisations (id),
    purpose text not null,
    reason text not null,
    opened_at text not null,
    expires_at text not null,
    constraint preservation_accesses_purpose_check check (purpose in ('complaint', 'review_proceedings', 'investigation'))
);
create index preservation_accesses_case on preservation_accesses (case_id, opened_at);
