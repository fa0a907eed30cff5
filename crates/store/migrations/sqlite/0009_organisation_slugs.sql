-- Organisations' short unique names. See the PostgreSQL migration (SQLite has no regular
-- expressions: the same rule in GLOBs).
alter table organisations add column slug text
    constraint organisations_slug_check
    check (length(slug) <= 63 and slug glob '[a-z0-9]*' and slug not glob '*[^a-z0-9-]*');
create unique index organisations_slug_key on organisations (slug);
