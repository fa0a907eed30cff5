-- Organisations, users, roles, API tokens, console sessions and the chained audit trail.
-- Constraint names are matched in src/error.rs: keep them in step.

create table organisations (
    id blob primary key,
    name text not null,
    kind text not null,
    country text not null,
    contact_email text,
    is_operator integer not null default 0,
    created_at text not null,
    updated_at text not null,
    constraint organisations_name_key unique (name),
    constraint organisations_kind_check
        check (kind in ('platform', 'referral_unit', 'trusted_flagger', 'ngo', 'isp')),
    constraint organisations_country_check check (length(country) = 2)
);
-- At most one operator organisation.
create unique index organisations_one_operator on organisations (is_operator) where is_operator = 1;

create table users (
    id blob primary key,
    organisation_id blob not null references organisations (id),
    email text not null,
    display_name text not null,
    password_hash text,
    disabled_at text,
    created_at text not null,
    updated_at text not null,
    constraint users_email_key unique (email)
);
create index users_organisation on users (organisation_id);

create table user_roles (
    user_id blob not null references users (id) on delete cascade,
    role text not null,
    primary key (user_id, role),
    constraint user_roles_role_check
        check (role in ('admin', 'senior_reviewer', 'reviewer', 'referrer', 'auditor', 'viewer'))
);

create table api_tokens (
    id blob primary key,
    organisation_id blob not null references organisations (id),
    name text not null,
    secret_hash text not null,
    created_at text not null,
    updated_at text not null,
    expires_at text,
    revoked_at text,
    last_used_at text,
    constraint api_tokens_secret_hash_key unique (secret_hash)
);
create index api_tokens_organisation on api_tokens (organisation_id);

create table api_token_roles (
    token_id blob not null references api_tokens (id) on delete cascade,
    role text not null,
    primary key (token_id, role),
    constraint api_token_roles_role_check
        check (role in ('admin', 'senior_reviewer', 'reviewer', 'referrer', 'auditor', 'viewer'))
);

create table sessions (
    id blob primary key,
    secret_hash text not null,
    user_id blob not null references users (id) on delete cascade,
    csrf_token text not null,
    created_at text not null,
    updated_at text not null,
    expires_at text not null,
    constraint sessions_secret_hash_key unique (secret_hash)
);
create index sessions_user on sessions (user_id);

create table audit_events (
    sequence integer primary key,
    recorded_at text not null,
    actor_kind text not null,
    actor_id blob,
    organisation_id blob,
    action text not null,
    subject_type text not null,
    subject_id text not null,
    details text not null,
    previous_hash text not null,
    hash text not null
);
create index audit_events_organisation on audit_events (organisation_id, sequence);

-- One row: the end of the audit chain. Appending updates it first, which takes a row lock that
-- serialises writers across nodes, so sequence numbers never fork.
create table audit_head (
    id integer primary key,
    last_sequence integer not null,
    last_hash text not null,
    constraint audit_head_single_row check (id = 1)
);
insert into audit_head (id, last_sequence, last_hash)
values (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
