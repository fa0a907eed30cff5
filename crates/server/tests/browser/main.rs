//! The console in real headless Chromium: scenarios a reviewer lives through, driven over
//! WebDriver (fantoccini and chromedriver) against the production router served on a loopback
//! port, each over a fresh SQLite database (the API tests cover both backends; these cover the
//! pages, their script and their forms). Every scenario saves screenshots under
//! `target/screenshots/<test>/`.
//!
//! Needs `chromium` and `chromedriver` on `PATH` (Debian: `apt-get install chromium
//! chromium-driver`); without them the tests fail saying so, unless `VIGIE_SKIP_BROWSER_TESTS=1`.

mod harness;

mod access;
mod review;
