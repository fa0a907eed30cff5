-- A short number people can read out and type (the public form's receipt, letters, phone
-- calls): 10 characters of Crockford's base 32 (no I, L, O, U), drawn at random when the
-- submission is received; the UUID stays the id. `submissions_number_key` keeps them unique.
alter table submissions add column number text;
-- Submissions from before: 10 random hexadecimal digits, a subset of the same alphabet.
update submissions set number = upper(hex(randomblob(5))) where number is null;
create unique index submissions_number_key on submissions (number);
