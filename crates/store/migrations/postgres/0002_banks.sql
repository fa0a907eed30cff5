-- Hash banks and their signals. Writers to one bank serialise on its row (signals_version is
-- bumped first in every transaction that changes its signals), so a node that has seen version
-- N of a bank can fetch exactly the signals changed since with `version > N`.

create table banks (
    id uuid primary key,
    organisation_id uuid not null references organisations (id),
    name text not null,
    description text not null default '',
    signal_type text not null,
    match_threshold integer not null,
    min_quality integer not null,
    auto_action boolean not null default false,
    enabled boolean not null default true,
    signal_count bigint not null default 0,
    signals_version bigint not null default 0,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    constraint banks_name_key unique (name),
    constraint banks_signal_type_check check (signal_type in ('pdq', 'vpdq', 'md5', 'sha256', 'url')),
    constraint banks_threshold_check check (match_threshold between 0 and 256),
    constraint banks_min_quality_check check (min_quality between 0 and 100)
);

create table signals (
    id bigint generated always as identity primary key,
    bank_id uuid not null references banks (id),
    -- Canonical value: lower-case hex, normalised URL, or vPDQ frames.
    value text not null,
    -- The value itself, or its SHA-256 when it can be long (URLs, vPDQ), for the uniqueness rule.
    value_key text not null,
    quality integer,
    source text,
    external_id text,
    labels text not null default '',
    enabled boolean not null default true,
    version bigint not null,
    confirmed_count bigint not null default 0,
    false_positive_count bigint not null default 0,
    seen_count bigint not null default 0,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    constraint signals_bank_value_key unique (bank_id, value_key)
);
create index signals_bank_version on signals (bank_id, version);
