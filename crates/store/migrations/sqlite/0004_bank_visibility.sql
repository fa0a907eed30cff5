-- Bank visibility. See the PostgreSQL migration for the levels and for what existing banks become.
alter table banks add column visibility text not null default 'private'
    constraint banks_visibility_check check (visibility in ('private', 'match', 'shared'));
update banks set visibility = 'match' where organisation_id in (select id from organisations where is_operator = 1);

-- case_matches.signal_id becomes optional (a match on a bank the case's platform may see but
-- not read carries no signal id). SQLite cannot drop a NOT NULL, so the table is rebuilt;
-- nothing references it.
create table case_matches_rebuilt (
    id integer primary key autoincrement,
    case_id blob not null references cases (id),
    submission_id blob references submissions (id),
    media_sha256 text,
    bank text not null,
    signal_id integer,
    signal_type text not null,
    distance integer not null,
    labels text not null default '',
    created_at text not null
);
insert into case_matches_rebuilt (id, case_id, submission_id, media_sha256, bank, signal_id, signal_type, distance,
                                  labels, created_at)
select id, case_id, submission_id, media_sha256, bank, signal_id, signal_type, distance, labels, created_at
from case_matches;
drop table case_matches;
alter table case_matches_rebuilt rename to case_matches;
create index case_matches_case on case_matches (case_id);

update case_matches set signal_id = null
where signal_id is not null
  and not exists (
      select 1 from signals s
      join banks b on b.id = s.bank_id
      join cases c on c.id = case_matches.case_id
      where s.id = case_matches.signal_id
        and (b.organisation_id = c.platform_id or b.visibility = 'shared'));
