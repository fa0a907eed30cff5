//! HTTP-level integration tests, through the same router as production, on SQLite and (when
//! `VIGIE_TEST_POSTGRES_URL` is set) PostgreSQL. One test binary, one module per area.

mod support;

mod actions;
mod audit;
mod bad_input;
mod banks;
mod case_media;
mod connections;
mod console;
mod console_banks;
mod durability;
mod edited_copies;
mod image_bombs;
mod intake;
mod media_files;
mod organisations;
mod preservation;
mod rematch;
mod report_form;
mod review;
mod roles;
mod statements;
mod system;
mod visibility;
