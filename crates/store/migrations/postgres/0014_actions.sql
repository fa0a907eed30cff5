-- Actions: what a decision asks of the platform, each with where it stands (pending → delivered
-- → confirmed, or failed), the webhook endpoints organisations register, and the outbox of
-- events sent to them.
--
-- A decision coming into force writes its actions, their events and one delivery per subscribed
-- endpoint in its own transaction: nothing is sent that was not decided, and nothing decided is
-- left unsent. Actions are final records except for their status columns.

create table webhook_endpoints (
    id uuid primary key,
    organisation_id uuid not null references organisations (id),
    url text not null,
    -- Event types, space-separated (`remove restrict … submission.outcome`).
    event_types text not null,
    -- The HMAC key events are signed with (`whsec_` + base64), shown once when made. Kept in
    -- clear because signing needs it, as with every HMAC webhook scheme.
    secret text not null,
    -- After a rotation, the previous key keeps signing too (two signatures) until this time.
    previous_secret text,
    previous_secret_until timestamptz,
    description text not null default '',
    enabled boolean not null default true,
    created_at timestamptz not null,
    updated_at timestamptz not null
);
create index webhook_endpoints_organisation on webhook_endpoints (organisation_id);

create table actions (
    id uuid primary key,
    decision_id uuid not null references decisions (id),
    case_id uuid not null references cases (id),
    platform_id uuid not null references organisations (id),
    kind text not null,
    -- ISO 3166-1 codes separated by spaces (`restrict`).
    territorial_scope text not null default '',
    label text,
    counter_speech text,
    status text not null default 'pending',
    created_at timestamptz not null,
    delivered_at timestamptz,
    failed_at timestamptz,
    -- The platform's confirmation.
    outcome text,
    executed_at timestamptz,
    outcome_reason text,
    confirmed_at timestamptz,
    confirmed_by_kind text,
    confirmed_by uuid,
    constraint actions_kind_check check (kind in ('remove', 'restrict', 'label', 'attach_counter_speech', 'reinstate')),
    constraint actions_status_check check (status in ('pending', 'delivered', 'confirmed', 'failed')),
    constraint actions_outcome_check check (outcome is null or outcome in ('executed', 'partially_executed', 'failed'))
);
create index actions_platform_status on actions (platform_id, status, id);
create index actions_platform on actions (platform_id, id);
create index actions_case on actions (case_id, id);

-- One event for one organisation: an action for a platform, or a submission's outcome for the
-- organisation that sent it. `id` is the event id receivers use to drop repeats.
create table events (
    id uuid primary key,
    organisation_id uuid not null references organisations (id),
    event_type text not null,
    action_id uuid references actions (id),
    submission_id uuid references submissions (id),
    decision_id uuid references decisions (id),
    -- The exact bytes sent, written at the first attempt and sent unchanged at every other.
    body text,
    created_at timestamptz not null
);
create index events_action on events (action_id);

-- One event to one endpoint, tried until it is answered 2xx or the retry period runs out.
create table deliveries (
    event_id uuid not null references events (id),
    endpoint_id uuid not null references webhook_endpoints (id),
    status text not null default 'pending',
    attempts integer not null default 0,
    next_attempt_at timestamptz not null,
    -- A node sending it holds it until then; a dead node's lease runs out.
    lease_until timestamptz,
    last_status integer,
    last_error text,
    delivered_at timestamptz,
    failed_at timestamptz,
    created_at timestamptz not null,
    constraint deliveries_pkey primary key (event_id, endpoint_id),
    constraint deliveries_status_check check (status in ('pending', 'delivered', 'failed'))
);
create index deliveries_due on deliveries (status, next_attempt_at);
create index deliveries_endpoint on deliveries (endpoint_id, created_at);

-- Statements of reasons (DSA Art. 17; TCO Art. 11 for removal orders): a restrictive decision in
-- force gets an unguessable token, the link the platform passes to the content's uploader.
alter table decisions add column statement_token text;
create unique index decisions_statement_token on decisions (statement_token);

-- Complaints against decisions (DSA Art. 20; TCO Art. 10 for removal orders). Reversed, a new
-- decision (`reversal_decision_id`) replaces the one complained about and reinstates.
create table complaints (
    id uuid primary key,
    decision_id uuid not null references decisions (id),
    case_id uuid not null references cases (id),
    platform_id uuid not null references organisations (id),
    kind text not null,
    channel text not null,
    reasons text not null,
    received_at timestamptz not null,
    due_at timestamptz not null,
    status text not null default 'open',
    handled_by_kind text,
    handled_by uuid,
    handled_at timestamptz,
    outcome_reasons text,
    reversal_decision_id uuid references decisions (id),
    constraint complaints_kind_check check (kind in ('dsa_art20', 'tco_art10')),
    constraint complaints_channel_check check (channel in ('platform', 'statement_link')),
    constraint complaints_status_check check (status in ('open', 'upheld', 'reversed'))
);
create index complaints_platform_status on complaints (platform_id, status, due_at);
create index complaints_decision on complaints (decision_id);
