//! `vigie bank` and `vigie match` as an analyst uses them.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const SEED: &str = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";

fn vigie(data: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .env_remove("VIGIE_DB")
        .env_remove("VIGIE_CONFIG")
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("vigie runs");
    if let Some(text) = stdin {
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn create_import_export_and_match() {
    let directory = tempfile::tempdir().unwrap();
    let data = directory.path();
    let org = vigie(data, &["org", "create", "Analysts", "--kind", "ngo", "--country", "DE"], None);
    assert!(org.status.success(), "{}", text(&org.stderr));
    let created = vigie(data, &["bank", "create", "known", "--type", "pdq", "--org", "Analysts"], None);
    assert!(created.status.success(), "{}", text(&created.stderr));

    // A file with two bad lines: every one is reported with its number, nothing is imported.
    let near = format!("{}{}", "0", &SEED[1..]);
    let file = data.join("hashes.csv");
    std::fs::write(
        &file,
        format!("pdq,quality,labels\n{SEED},100,content:execution\n{near},90\nzzz\n{},50\n", &SEED[..10]),
    )
    .unwrap();
    let refused = vigie(data, &["bank", "import", "known", file.to_str().unwrap()], None);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = text(&refused.stderr);
    assert!(stderr.contains("hashes.csv:4: a PDQ hash must be 64 hex digits"), "{stderr}");
    assert!(stderr.contains("hashes.csv:5:"), "{stderr}");
    assert!(stderr.contains("nothing imported"));
    let exported = vigie(data, &["bank", "export", "known"], None);
    assert_eq!(text(&exported.stdout), "");

    let imported =
        vigie(data, &["bank", "import", "known", file.to_str().unwrap(), "--skip-invalid", "--source", "test"], None);
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    assert!(text(&imported.stderr).contains("2 added"), "{}", text(&imported.stderr));
    // From standard input, in the python-threatexchange format; the duplicate is merged.
    let piped = vigie(data, &["bank", "import", "known", "-"], Some(&format!("pdq {SEED}\n")));
    assert!(text(&piped.stderr).contains("1 already present"), "{}", text(&piped.stderr));

    let exported = vigie(data, &["bank", "export", "known", "--format", "csv"], None);
    assert_eq!(
        text(&exported.stdout),
        format!(
            "value,quality,labels,source,external_id,enabled\n{SEED},100,content:execution,test,,true\n{near},90,,test,,true\n"
        )
    );

    let matched = vigie(data, &["match", "--bank", "known", SEED, "not-a-hash"], None);
    assert_eq!(matched.status.code(), Some(1), "one query failed");
    let lines: Vec<serde_json::Value> =
        text(&matched.stdout).lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["query"], SEED);
    assert!(text(&matched.stdout).starts_with(&format!("{{\"query\":\"{SEED}\",\"matches\":")), "query first");
    let distances: Vec<u64> =
        lines[0]["matches"].as_array().unwrap().iter().map(|m| m["distance"].as_u64().unwrap()).collect();
    assert_eq!(distances.len(), 2);
    assert_eq!(distances[0], 0);
    assert_eq!(lines[0]["matches"][0]["labels"], serde_json::json!(["content:execution"]));
    assert_eq!(
        lines[1]["error"],
        "not-a-hash: no such file (a query is an image or video file, a PDQ/MD5/SHA-256 hash in hex, or a URL)"
    );

    let unknown = vigie(data, &["match", "--bank", "nope", SEED], None);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(text(&unknown.stderr).contains("no bank is named \"nope\""));

    let listed = text(&vigie(data, &["bank", "list"], None).stdout);
    assert!(listed.starts_with("id\tname\ttype\towner\tsignals\tthreshold\tstate\tvisibility\n"), "{listed}");
    assert!(listed.contains("\tknown\tpdq\tAnalysts\t2\t31\tenabled\t"), "{listed}");
}

#[test]
fn visibility_from_the_command_line() {
    let directory = tempfile::tempdir().unwrap();
    let data = directory.path();
    for (name, kind) in [("Analysts", "ngo"), ("Platform", "platform")] {
        let org = vigie(data, &["org", "create", name, "--kind", kind, "--country", "DE"], None);
        assert!(org.status.success(), "{}", text(&org.stderr));
    }
    let refused = vigie(data, &["bank", "create", "x", "--org", "Analysts", "--visibility", "public"], None);
    assert_eq!(refused.status.code(), Some(2));
    assert!(text(&refused.stderr).contains("visibility"), "{}", text(&refused.stderr));
    let created =
        vigie(data, &["bank", "create", "known", "--type", "pdq", "--org", "Analysts", "--visibility", "match"], None);
    assert!(created.status.success(), "{}", text(&created.stderr));
    let imported = vigie(data, &["bank", "import", "known", "-"], Some(&format!("{SEED},100,content:execution\n")));
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    let listed = text(&vigie(data, &["bank", "list"], None).stdout);
    assert!(listed.contains("\tknown\tpdq\tAnalysts\t1\t31\tenabled\tmatch\n"), "{listed}");

    let as_platform = |extra: &[&str]| {
        let mut args = vec!["match", "--as-org", "Platform"];
        args.extend(extra);
        args.push(SEED);
        let output = vigie(data, &args, None);
        let line: Option<serde_json::Value> =
            text(&output.stdout).lines().next().map(|line| serde_json::from_str(line).unwrap());
        (output, line)
    };
    // `match`: another organisation learns that and where, not what.
    let (_, line) = as_platform(&[]);
    let found = &line.unwrap()["matches"][0];
    assert_eq!(
        found,
        &serde_json::json!({"bank": "known", "distance": 0, "via": "identity", "labels": ["content:execution"]})
    );
    // The command line's own view (the operator's admins') holds everything.
    let everything = text(&vigie(data, &["match", SEED], None).stdout);
    assert!(
        everything.contains("\"signal_id\"") && everything.contains(&format!("\"signal\":\"{SEED}\"")),
        "{everything}"
    );

    let private = vigie(data, &["bank", "set-visibility", "known", "private"], None);
    assert!(private.status.success(), "{}", text(&private.stderr));
    let (_, line) = as_platform(&[]);
    assert_eq!(line.unwrap()["matches"], serde_json::json!([]));
    let (named, _) = as_platform(&["--bank", "known"]);
    assert_eq!(named.status.code(), Some(2));
    assert!(text(&named.stderr).contains("no bank is named \"known\""), "{}", text(&named.stderr));

    let shared = vigie(data, &["bank", "set-visibility", "known", "shared"], None);
    assert!(text(&shared.stderr).contains("is now shared"), "{}", text(&shared.stderr));
    let (_, line) = as_platform(&[]);
    assert_eq!(line.unwrap()["matches"][0]["signal"], SEED);
    let bad = vigie(data, &["bank", "set-visibility", "known", "everyone"], None);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("private, match, shared"), "{}", text(&bad.stderr));
}

/// Issue 13, item 13: `bank export --format csv` is a rectangular file holding every signal
/// (disabled ones with their state), and `bank import` restores it as it was.
#[test]
fn issue_13_a_csv_export_is_a_backup_that_imports_back() {
    let directory = tempfile::tempdir().unwrap();
    let data = directory.path();
    let run = |args: &[&str], stdin: Option<&str>| {
        let output = vigie(data, args, stdin);
        assert!(output.status.success(), "{args:?}: {}", text(&output.stderr));
        text(&output.stdout)
    };
    run(&["bank", "create", "original", "--type", "pdq"], None);
    let (second, third) = (format!("0{}", &SEED[1..]), format!("00{}", &SEED[2..]));
    let rows = format!(
        "value,quality,labels,source,external_id,enabled\n\
         {SEED},100,content:execution entity:group-a,\"GIFCT, hash list\",\"gifct-1\",true\n\
         {second},90,behaviour:recruitment,partner,p-2,true\n\
         {third},,,,,true\n"
    );
    run(&["bank", "import", "original", "-"], Some(&rows));
    let listed = run(&["bank", "export", "original", "--format", "csv"], None);
    assert_eq!(listed, rows.replace("\"gifct-1\"", "gifct-1"), "what was imported is exported as it was");
    let match_second = |bank: &str| {
        let found = run(&["match", "--bank", bank, &second], None);
        let line: serde_json::Value = serde_json::from_str(found.lines().next().unwrap()).unwrap();
        line["matches"].as_array().unwrap().iter().find(|hit| hit["distance"] == 0).map(|hit| hit["signal_id"].clone())
    };
    // The second signal turns out to be a false positive.
    let signal_id = match_second("original").expect("matches while enabled").to_string();
    run(&["bank", "disable-signal", &signal_id], None);

    let backup = run(&["bank", "export", "original", "--format", "csv"], None);
    let mut lines = backup.lines();
    assert_eq!(lines.next(), Some("value,quality,labels,source,external_id,enabled"));
    assert!(backup.contains(&format!("{second},90,behaviour:recruitment,partner,p-2,false\n")), "{backup}");
    assert!(backup.contains("content:execution entity:group-a,\"GIFCT, hash list\",gifct-1,true"), "{backup}");
    // Every row has exactly as many cells as the header (quoted commas are one cell).
    for line in lines {
        let cells = line.replace("\"GIFCT, hash list\"", "quoted").split(',').count();
        assert_eq!(cells, 6, "{line}");
    }
    // The plain list holds what matches; --all adds the disabled one.
    assert_eq!(run(&["bank", "export", "original"], None).lines().count(), 2);
    assert_eq!(run(&["bank", "export", "original", "--all"], None).lines().count(), 3);

    // Restored into another bank: the same file back, and the disabled signal matches nothing.
    run(&["bank", "create", "restored", "--type", "pdq"], None);
    run(&["bank", "import", "restored", "-"], Some(&backup));
    assert_eq!(run(&["bank", "export", "restored", "--format", "csv"], None), backup);
    assert_eq!(match_second("restored"), None, "restored disabled");
    let listed = run(&["bank", "list"], None);
    assert!(listed.lines().any(|line| line.contains("\trestored\tpdq\t") && line.contains("\t3\t")), "{listed}");
}

/// Images into a bank of another type: the message named neither the bank nor its type.
#[test]
fn images_into_a_bank_of_another_type_are_refused_naming_it() {
    let directory = tempfile::tempdir().unwrap();
    let data = directory.path();
    let org = vigie(data, &["org", "create", "Analysts", "--kind", "ngo", "--country", "DE"], None);
    assert!(org.status.success(), "{}", text(&org.stderr));
    let created = vigie(data, &["bank", "create", "digests", "--type", "md5", "--org", "Analysts"], None);
    assert!(created.status.success(), "{}", text(&created.stderr));
    let photo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/photos/photo.jpg");
    let refused = vigie(data, &["bank", "add", "digests", photo.to_str().unwrap()], None);
    assert_eq!(refused.status.code(), Some(2));
    let expected =
        "bank \"digests\" holds md5 signals; images are added to a pdq bank (vigie bank create NAME --type pdq)";
    assert!(text(&refused.stderr).contains(expected), "{}", text(&refused.stderr));
    assert_eq!(text(&vigie(data, &["bank", "export", "digests"], None).stdout), "", "nothing added");
}

/// A query that is no file, hash or URL (most often a mistyped path): the message said what it
/// was not, not that the file is missing nor what a query may be.
#[test]
fn a_missing_file_to_match_is_said_so() {
    let directory = tempfile::tempdir().unwrap();
    let data = directory.path();
    assert!(vigie(data, &["migrate"], None).status.success());
    let missing = data.join("missing.jpg");
    let matched = vigie(data, &["match", missing.to_str().unwrap()], None);
    assert_eq!(matched.status.code(), Some(1), "{}", text(&matched.stderr));
    let line: serde_json::Value = serde_json::from_str(&text(&matched.stdout)).unwrap();
    let expected = format!(
        "{}: no such file (a query is an image or video file, a PDQ/MD5/SHA-256 hash in hex, or a URL)",
        missing.display()
    );
    assert_eq!(line, serde_json::json!({"query": missing.to_str().unwrap(), "error": expected}));
}
