-- How each reviewer (a console user, or an API token acting for a review tool) wants reported
-- media shown before revealing them. Reported media may be the worst content there is: images
-- and video frames are shown blurred and in greyscale until revealed one at a time, unless the
-- reviewer turns these protections off.
alter table users add column media_blur boolean not null default true;
alter table users add column media_greyscale boolean not null default true;
alter table api_tokens add column media_blur boolean not null default true;
alter table api_tokens add column media_greyscale boolean not null default true;
