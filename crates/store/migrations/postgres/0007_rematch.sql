-- Stored media matched against signals added to banks later.
--
-- `rematched_version`: the bank's `signals_version` up to which its signals have been queued to
-- be matched against stored media. A rematch worker (any node) turns `signals_version >
-- rematched_version` into a job and moves the mark in the same transaction. Existing banks
-- start caught up: their signals were matched on arrival, and an upgrade must not rescan
-- everything unasked (a rematch can be requested per bank).
alter table banks add column rematched_version bigint not null default 0;
update banks set rematched_version = signals_version;

-- One pass of a bank's signals (those changed in `after_version < version <= up_to_version`)
-- over stored media: `open` (media of open cases) when queued after signals were added,
-- `retained` (every stored media) when requested. `cursor` is the last media id done, so a
-- pass interrupted mid-way resumes there; leases let several nodes share the work.
create table rematch_jobs (
    id bigint generated always as identity primary key,
    bank_id uuid not null references banks (id),
    scope text not null,
    after_version bigint not null,
    up_to_version bigint not null,
    status text not null default 'pending',
    cursor bigint not null default 0,
    lease_until timestamptz,
    attempts integer not null default 0,
    matches bigint not null default 0,
    cases bigint not null default 0,
    error text,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    constraint rematch_jobs_scope_check check (scope in ('open', 'retained')),
    constraint rematch_jobs_status_check check (status in ('pending', 'done', 'failed'))
);
create index rematch_jobs_pending on rematch_jobs (status, id);
create index rematch_jobs_bank on rematch_jobs (bank_id, id);
