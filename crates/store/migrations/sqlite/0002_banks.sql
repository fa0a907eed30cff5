-- Hash banks and their signals. See the PostgreSQL migration for the versioning rule.

create table banks (
    id blob primary key,
    organisation_id blob not null references organisations (id),
    name text not null,
    description text not null default '',
    signal_type text not null,
    match_threshold integer not null,
    min_quality integer not null,
    auto_action integer not null default 0,
    enabled integer not null default 1,
    signal_count integer not null default 0,
    signals_version integer not null default 0,
    created_at text not null,
    updated_at text not null,
    constraint banks_name_key unique (name),
    constraint banks_signal_type_check check (signal_type in ('pdq', 'vpdq', 'md5', 'sha256', 'url')),
    constraint banks_threshold_check check (match_threshold between 0 and 256),
    constraint banks_min_quality_check check (min_quality between 0 and 100)
);

create table signals (
    id integer primary key autoincrement,
    bank_id blob not null references banks (id),
    value text not null,
    value_key text not null,
    quality integer,
    source text,
    external_id text,
    labels text not null default '',
    enabled integer not null default 1,
    version integer not null,
    confirmed_count integer not null default 0,
    false_positive_count integer not null default 0,
    seen_count integer not null default 0,
    created_at text not null,
    updated_at text not null,
    constraint signals_bank_value_key unique (bank_id, value_key)
);
create index signals_bank_version on signals (bank_id, version);
