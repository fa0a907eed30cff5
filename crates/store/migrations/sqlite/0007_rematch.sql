-- Stored media matched against signals added to banks later. See the PostgreSQL migration.
alter table banks add column rematched_version integer not null default 0;
update banks set rematched_version = signals_version;

create table rematch_jobs (
    id integer primary key autoincrement,
    bank_id blob not null references banks (id),
    scope text not null,
    after_version integer not null,
    up_to_version integer not null,
    status text not null default 'pending',
    cursor integer not null default 0,
    lease_until text,
    attempts integer not null default 0,
    matches integer not null default 0,
    cases integer not null default 0,
    error text,
    created_at text not null,
    updated_at text not null,
    constraint rematch_jobs_scope_check check (scope in ('open', 'retained')),
    constraint rematch_jobs_status_check check (status in ('pending', 'done', 'failed'))
);
create index rematch_jobs_pending on rematch_jobs (status, id);
create index rematch_jobs_bank on rematch_jobs (bank_id, id);
