//! Embeds every Fluent file under `locales/<language>/` in the binary: it writes, for
//! `console::texts`, a table of (language, file name, `include_str!` of the file), so a new
//! `.ftl` file or language directory is picked up without editing code.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let locales = Path::new(&manifest_dir).join("locales");
    // A directory here is rescanned for any change inside it (files added or removed).
    println!("cargo::rerun-if-changed={}", locales.display());
    let mut files = Vec::new();
    for language in std::fs::read_dir(&locales).expect("crates/server/locales is readable") {
        let language = language.expect("crates/server/locales is readable").path();
        if !language.is_dir() {
            continue;
        }
        let code =
            language.file_name().and_then(|name| name.to_str()).expect("language directories are named in ASCII");
        for file in std::fs::read_dir(&language).expect("a language directory is readable") {
            let path = file.expect("a language directory is readable").path();
            if path.extension().is_some_and(|extension| extension == "ftl") {
                let name = path.file_name().and_then(|name| name.to_str()).expect("file names are UTF-8").to_owned();
                files.push((code.to_owned(), name, path.to_str().expect("paths are UTF-8").to_owned()));
            }
        }
    }
    files.sort();
    let mut table = String::from("&[\n");
    for (code, name, path) in &files {
        writeln!(table, "    ({code:?}, {name:?}, include_str!({path:?})),").expect("writing to a String");
    }
    table.push(']');
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out_dir).join("locale_files.rs"), table).expect("OUT_DIR is writable");
}
