-- How each reviewer (a console user, or an API token acting for a review tool) wants reported
-- media shown before revealing them: blurred, in greyscale. Both on unless the reviewer
-- turns them off (see the PostgreSQL migration).
alter table users add column media_blur integer not null default 1;
alter table users add column media_greyscale integer not null default 1;
alter table api_tokens add column media_blur integer not null default 1;
alter table api_tokens add column media_greyscale integer not null default 1;
