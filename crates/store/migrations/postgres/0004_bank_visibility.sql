-- Bank visibility, in the manner of ThreatExchange's privacy groups: 'private' (the owner
-- organisation and the instance's admins only), 'match' (others may match against the bank and
-- learn the bank's name, the signal's labels and the distance, never the value or any id),
-- 'shared' (others may also read and export its signals). New banks are private.
--
-- Existing banks: until now every participant could match against every bank and received the
-- stored values, while export was limited to the owner. The operator's banks exist to be
-- matched against by the platforms, so they become 'match' (matching goes on, values stop
-- leaking); other organisations' banks become 'private', which is what their owners were
-- shown (export refused to others). Nothing becomes more visible than it was.
alter table banks add column visibility text not null default 'private'
    constraint banks_visibility_check check (visibility in ('private', 'match', 'shared'));
update banks set visibility = 'match' where organisation_id in (select id from organisations where is_operator);

-- A case records only what its platform's reviewers may learn: a match on a bank they may see
-- but not read carries no signal id.
alter table case_matches alter column signal_id drop not null;
update case_matches set signal_id = null
where signal_id is not null
  and not exists (
      select 1 from signals s
      join banks b on b.id = s.bank_id
      join cases c on c.id = case_matches.case_id
      where s.id = case_matches.signal_id
        and (b.organisation_id = c.platform_id or b.visibility = 'shared'));
