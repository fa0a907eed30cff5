-- Indexes for the review queue and the case page at scale (bench/review: 100,000 open cases,
-- 300,000 submissions).

-- The queue's order (`list_cases`, `claim_next_case`, similar cases): deadline first, paused
-- clocks last (`case when due_at is null then 1 else 0 end`, the very expression the queries
-- order by, so that one index serves both databases), then priority, then age. Walking a
-- platform's open cases in this order, a page of 50 is read in index order and the scan stops
-- there; the index it replaces (platform_id, status, due_at) left a sort of all of them
-- (65,000 for a large platform: half a second on SQLite, the kinds of every case computed
-- before sorting).
drop index cases_queue;
create index cases_queue_order
    on cases (platform_id, status, (case when due_at is null then 1 else 0 end), due_at, priority desc, id);
-- The same order within one review state: `review_state=escalated` and the rarer states would
-- otherwise walk the whole platform to find a page. Also covers `queue_counts`.
drop index cases_review_queue;
create index cases_review_queue_order
    on cases (platform_id, status, review_state, (case when due_at is null then 1 else 0 end), due_at, priority desc, id);

-- A case's submissions, with their sender: the queue's `sender` filter checks each case with
-- one index probe (with (case_id) alone, SQLite chose the (submitter_id, received_at) index
-- and read every submission of the sender for every case: seconds), and the queue's senders
-- are read from the index alone.
-- The same order across every platform: the operator's reviewers read every platform's queue
-- (`platforms` absent); without it, every open case of the instance was sorted per page.
create index cases_open_order
    on cases (status, (case when due_at is null then 1 else 0 end), due_at, priority desc, id);

drop index submissions_case;
create index submissions_case_sender on submissions (case_id, submitter_id);

-- Cases that matched the same bank signal (the case page's similar cases, bulk decisions on
-- one signal's cases), instead of a scan of every match.
create index case_matches_signal on case_matches (bank, signal_id);
