-- Signed checkpoints of the audit chain's head (see vigie_domain::audit::checkpoint). The note
-- is the signed text exactly as issued; `sequence` and `signed_at` repeat what it states, for
-- ordering and listing only: verification reads the note, never these columns.
-- Not audited: a checkpoint records the chain itself, and an event for it would move the head
-- it signs.
create table audit_checkpoints (
    id blob primary key,
    sequence integer not null,
    signed_at text not null,
    note text not null
);
create index audit_checkpoints_sequence on audit_checkpoints (sequence, signed_at);
