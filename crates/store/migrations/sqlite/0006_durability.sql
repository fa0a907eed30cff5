-- Durability and fault handling.

-- Readiness writes here: a server that cannot commit (disk full, read-only, locked) must say
-- so, and a read proves nothing about writes.
create table write_probe (
    id integer primary key,
    checked_at text not null,
    constraint write_probe_single_row check (id = 1)
);
insert into write_probe (id, checked_at) values (1, '1970-01-01T00:00:00Z');

-- Attempts whose lease ran out without an outcome: the process died while hashing the file
-- (killed, out of memory, crashed). A file that keeps doing that is given up, not retried
-- forever.
alter table media add column interruptions integer not null default 0;
