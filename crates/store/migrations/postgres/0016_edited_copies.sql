-- Edited copies (issue 16): an image's extra PDQ hashes (rotations and flips, trimmed borders,
-- main region), computed with its own hash and looked up with it, as `via:hex` pairs joined by
-- `;`; and how each match on a case was found (`identity`, `rotate90`, `trimmed`, ...).
alter table media add column pdq_variants text;
alter table case_matches add column via text;
