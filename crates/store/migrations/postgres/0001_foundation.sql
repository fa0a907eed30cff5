-- Organisations, users, roles, API tokens, console sessions and the chained audit trail.
-- Constraint names are matched in src/error.rs: keep them in step.

create table organisations (
    id uuid primary key,
    name text not null,
    kind text not null,
    country text not null,
    contact_email text,
    is_operator boolean not null default false,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    constraint organisations_name_key unique (name),
    constraint organisations_kind_check
        check (kind in ('platform', 'referral_unit', 'trusted_flagger', 'ngo', 'isp')),
    constraint organisations_country_check check (length(country) = 2)
);
-- At most one operator organisation.
create unique index organisations_one_operator on organisations (is_operator) where is_operator;

create table users (
    id uuid primary key,
    organisation_id uuid not null references organisations (id),
    email text not null,
    display_name text not null,
    password_hash text,
    disabled_at timestamptz,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    constraint users_email_key unique (email)
);
create index users_organisation on users (organisation_id);

create table user_roles (
    user_id uuid not null references users (id) on delete cascade,
    role text not null,
    primary key (user_id, role),
    constraint user_roles_role_check
        check (role in ('admin', 'senior_reviewer', 'reviewer', 'referrer', 'auditor', 'viewer'))
);

create table api_tokens (
    id uuid primary key,
    organisation_id uuid not null references organisations (id),
    name text not null,
    secret_hash text not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    expires_at timestamptz,
    revoked_at timestamptz,
    last_used_at timestamptz,
    constraint api_tokens_secret_hash_key unique (secret_hash)
);
create index api_tokens_organisation on api_tokens (organisation_id);

create table api_token_roles (
    token_id uuid not null references api_tokens (id) on delete cascade,
    role text not null,
    primary key (token_id, role),
    constraint api_token_roles_role_check
        check (role in ('admin', 'senior_reviewer', 'reviewer', 'referrer', 'auditor', 'viewer'))
);

create table sessions (
    id uuid primary key,
    secret_hash text not null,
    user_id uuid not null references users (id) on delete cascade,
    csrf_token text not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    expires_at timestamptz not null,
    constraint sessions_secret_hash_key unique (secret_hash)
);
create index sessions_user on sessions (user_id);

create table audit_events (
    sequence bigint primary key,
    recorded_at timestamptz not null,
    actor_kind text not null,
    actor_id uuid,
    organisation_id uuid,
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
    last_sequence bigint not null,
    last_hash text not null,
    constraint audit_head_single_row check (id = 1)
);
insert into audit_head (id, last_sequence, last_hash)
values (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
