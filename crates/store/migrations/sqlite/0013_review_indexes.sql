-- Indexes for the review queue and the case page at scale (bench/review: 100,000 open cases,
-- 300,000 submissions). Why each exists: see the PostgreSQL migration.

drop index cases_queue;
create index cases_queue_order
    on cases (platform_id, status, (case when due_at is null then 1 else 0 end), due_at, priority desc, id);
drop index cases_review_queue;
create index cases_review_queue_order
    on cases (platform_id, status, review_state, (case when due_at is null then 1 else 0 end), due_at, priority desc, id);

create index cases_open_order
    on cases (status, (case when due_at is null then 1 else 0 end), due_at, priority desc, id);

drop index submissions_case;
create index submissions_case_sender on submissions (case_id, submitter_id);

create index case_matches_signal on case_matches (bank, signal_id);
