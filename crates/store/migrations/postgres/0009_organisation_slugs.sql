-- Organisations' short unique names (`videoshare`), accepted wherever an organisation is named
-- (API fields and query parameters, CLI flags, import rows) in place of its id.
--
-- Nullable only for existing rows: folding a name's accents needs Unicode tables neither
-- database has, so `Store::migrate` fills them right after this migration (lower-case ASCII,
-- accents folded, other characters `-`, a numeric suffix when taken), and every insert sets one.
-- `organisations_slug_key` is matched in src/error.rs.
alter table organisations add column slug text;
alter table organisations add constraint organisations_slug_key unique (slug);
alter table organisations add constraint organisations_slug_check
    check (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$');
