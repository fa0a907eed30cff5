-- A short number people can read out and type (the public form's receipt, letters, phone
-- calls): 10 characters of Crockford's base 32 (no I, L, O, U), drawn at random when the
-- submission is received; the UUID stays the id. `submissions_number_key` keeps them unique.
alter table submissions add column number text;
-- Submissions from before: 10 random hexadecimal digits, a subset of the same alphabet.
update submissions set number = upper(substr(md5(random()::text || id::text), 1, 10)) where number is null;
alter table submissions alter column number set not null;
alter table submissions add constraint submissions_number_key unique (number);
