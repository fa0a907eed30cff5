//! `vigie import submissions` as a referral unit importing its backlog uses it.

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

/// Submissions stored, as the audit trail counts them, each received from the CLI.
fn stored(data: &Path) -> usize {
    let listed = vigie(data, &["audit", "list", "--limit", "1000"], None);
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    let lines: Vec<String> =
        text(&listed.stdout).lines().filter(|line| line.contains("submission.receive")).map(str::to_owned).collect();
    assert!(lines.iter().all(|line| line.contains("\tcli\t")), "{lines:?}");
    lines.len()
}

fn setup(data: &Path) {
    for (name, kind, country) in [("Unit", "referral_unit", "FR"), ("Forum", "platform", "BE")] {
        let created = vigie(data, &["org", "create", name, "--kind", kind, "--country", country], None);
        assert!(created.status.success(), "{}", text(&created.stderr));
    }
}

fn import(data: &Path, file: &Path, extra: &[&str]) -> Output {
    let mut args =
        vec!["import", "submissions", file.to_str().unwrap(), "--organisation", "Unit", "--platform", "Forum"];
    args.extend_from_slice(extra);
    vigie(data, &args, None)
}

#[test]
fn json_lines_with_every_kind_a_bad_row_and_a_resend() {
    let directory = tempfile::tempdir().unwrap();
    let data = directory.path();
    setup(data);
    let lines = [
        r#"{"kind":"removal_order","issuing_authority":"OFAC","member_state":"FR","reference":"OFAC-1","issued_at":"2026-11-30T08:00:00Z","urls":["https://video.example.net/watch?v=abc123"],"grounds":["a","c"],"statement_of_reasons":"Glorifies an attack.","cross_border":false,"redress":"Tribunal administratif de Paris, 48 hours"}"#,
        r#"{"kind":"referral","reference":"IRU-1","urls":["https://forum.example.org/t/4411"],"explanation":"Recruitment post.","deconfliction":"cleared"}"#,
        "",
        r#"{"kind":"notice","urls":["https://video.example.net/watch?v=zz9"],"explanation":"Calls for attacks.","notifier_name":"Observatoire","notifier_email":"signalements@example.org","good_faith":true}"#,
        r#"{"kind":"user_report","category":"propaganda","url":"https://video.example.net/watch?v=q1","comment":"a hazardous comment"}"#,
        &format!(
            r#"{{"kind":"partner_flag","reference":"PF-1","signals":[{{"type":"pdq","value":"{SEED}"}}],"labels":["content:propaganda_video"]}}"#
        ),
        r#"{"kind":"referral","reference":"IRU-2","urls":["https://hazard.example/secret"],"deconfliction":"cleared"}"#,
        r#"{"kind":"referral","reference":"IRU-1","urls":["https://forum.example.org/t/4411"],"explanation":"Recruitment post.","deconfliction":"cleared"}"#,
        r#"{"kind":"user_report","url":"https://hazard.example/other" "#,
        r#"{"kind":"user_report","category":"propaganda","url":["https://hazard.example/list"]}"#,
    ];
    let file = data.join("backlog.jsonl");
    std::fs::write(&file, lines.join("\n")).unwrap();

    let first = import(data, &file, &[]);
    let stderr = text(&first.stderr);
    assert_eq!(first.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("line 7: explanation: is required"), "{stderr}");
    assert!(stderr.contains("line 9: not valid JSON"), "{stderr}");
    assert!(stderr.contains("line 10: url: must be a string"), "{stderr}");
    assert!(!stderr.contains("hazard") && !stderr.contains("comment"), "values never printed: {stderr}");
    assert!(stderr.contains("5 stored, 1 duplicates, 3 refused of 9 rows"), "{stderr}");
    assert_eq!(stored(data), 5);

    // Sent again: the referral unit's numbered orders, referrals and flags are resends; a
    // notice and a public report carry no identifying reference and are stored again.
    let again = import(data, &file, &[]);
    let stderr = text(&again.stderr);
    assert_eq!(again.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("2 stored, 4 duplicates, 3 refused"), "{stderr}");
    assert_eq!(stored(data), 7);
}

#[test]
fn csv_with_a_kind_given_and_lists_in_cells() {
    let directory = tempfile::tempdir().unwrap();
    let data = directory.path();
    setup(data);
    let file = data.join("reports.csv");
    std::fs::write(
        &file,
        "category,url,seen_where,comment\n\
         propaganda,https://a.example/1,video_platform,\n\
         nonsense,https://a.example/2,,\"quoted, with a comma\"\n\
         recruitment,https://a.example/3,,\n",
    )
    .unwrap();
    let imported = import(data, &file, &["--kind", "user_report"]);
    let stderr = text(&imported.stderr);
    assert_eq!(imported.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("line 3: category: must be one of"), "{stderr}");
    assert!(stderr.contains("2 stored, 0 duplicates, 1 refused of 3 rows"), "{stderr}");
    assert_eq!(stored(data), 2);

    // Without --kind the column is required. Lists in a cell are space-separated (`|`, the older
    // separator, is still read).
    let without = import(data, &file, &[]);
    assert_eq!(without.status.code(), Some(2));
    assert!(text(&without.stderr).contains("no `kind` column"), "{}", text(&without.stderr));
    let mixed = data.join("mixed.csv");
    std::fs::write(
        &mixed,
        format!(
            "kind,reference,urls,grounds,explanation,deconfliction,notifier_name,notifier_email,good_faith,signals\n\
             referral,R-1,https://b.example/1 https://b.example/2,a c,Recruitment,cleared,,,,\n\
             referral,R-2,https://b.example/5|https://b.example/6,a|c,Recruitment,cleared,,,,\n\
             notice,,https://b.example/3,,Threat,,Observatoire,n@example.org,true,\n\
             partner_flag,F-1,,,,,,,,pdq:{SEED}\n\
             notice,,https://b.example/4,,Threat,,Observatoire,n@example.org,maybe,\n"
        ),
    )
    .unwrap();
    let imported = import(data, &mixed, &[]);
    let stderr = text(&imported.stderr);
    assert_eq!(imported.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("line 6: good_faith: must be true or false"), "{stderr}");
    assert!(stderr.contains("4 stored"), "{stderr}");
    assert_eq!(stored(data), 6);
}

#[test]
fn dry_run_from_standard_input_stores_nothing() {
    let directory = tempfile::tempdir().unwrap();
    let data = directory.path();
    setup(data);
    let input = "{\"kind\":\"user_report\",\"category\":\"propaganda\",\"url\":\"https://a.example/1\"}\n\
                 \n\
                 {\"kind\":\"referral\",\"reference\":\"R\",\"urls\":[\"https://a.example/2\"],\"explanation\":\"x\",\"deconfliction\":\"cleared\"}\n";
    let args = ["import", "submissions", "-", "--organisation", "Unit", "--platform", "Forum", "--dry-run"];
    let checked = vigie(data, &args, Some(input));
    let stderr = text(&checked.stderr);
    assert!(checked.status.success(), "{stderr}");
    assert!(stderr.contains("dry run, nothing stored: 2 valid"), "{stderr}");
    assert_eq!(stored(data), 0);

    // A row naming a platform that does not exist is refused by the dry run too.
    let bad = "{\"kind\":\"user_report\",\"category\":\"propaganda\",\"url\":\"https://a.example/1\",\
               \"platform\":\"0190a0a0-0000-7000-8000-000000000000\"}\n";
    let checked = vigie(data, &args, Some(bad));
    assert_eq!(checked.status.code(), Some(1));
    assert!(text(&checked.stderr).contains("line 1: platform: names no platform"), "{}", text(&checked.stderr));
}

#[test]
fn files_over_the_limits_are_refused_whole() {
    let directory = tempfile::tempdir().unwrap();
    let data = directory.path();
    setup(data);
    let row = "{\"kind\":\"user_report\",\"category\":\"propaganda\",\"url\":\"https://a.example/N\"}\n";
    let file = data.join("many.ndjson");
    std::fs::write(&file, (0..3).map(|n| row.replace('N', &n.to_string())).collect::<String>()).unwrap();
    let refused = import(data, &file, &["--max-rows", "2"]);
    let stderr = text(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("more than 2 rows (--max-rows)") && stderr.contains("nothing imported"), "{stderr}");
    assert_eq!(stored(data), 0);

    let long = data.join("long.jsonl");
    std::fs::write(&long, format!("{}{{\"kind\":\"user_report\",\"comment\":\"{}\"}}\n", row, "x".repeat(1 << 20)))
        .unwrap();
    let refused = import(data, &long, &[]);
    let stderr = text(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("line 2 is longer than 1 MiB"), "{stderr}");
    assert_eq!(stored(data), 0);

    // The sender must exist.
    let unknown = vigie(data, &["import", "submissions", file.to_str().unwrap(), "--organisation", "Nobody"], None);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(text(&unknown.stderr).contains("--organisation: names no organisation"), "{}", text(&unknown.stderr));
}

/// Issue 13, item 5: import rows, `--organisation` and `--platform` name organisations by id,
/// slug or name, as the API does; a name that matches nothing is refused naming the field. On
/// SQLite and (when configured) PostgreSQL.
#[test]
fn issue_13_rows_and_flags_name_organisations_by_slug() {
    use vigie_domain::organisation::OrganisationRef;
    use vigie_store::testing::{TestDatabase, backends};

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    for backend in backends() {
        let database = runtime.block_on(TestDatabase::create(backend)).unwrap();
        let directory = tempfile::tempdir().unwrap();
        let data = directory.path();
        let run = |args: &[&str]| {
            let output = Command::new(env!("CARGO_BIN_EXE_vigie"))
                .args(args)
                .arg("--db")
                .arg(database.url.expose())
                .arg("--data-dir")
                .arg(data)
                .env_remove("VIGIE_DB")
                .env_remove("VIGIE_CONFIG")
                .stdin(Stdio::null())
                .output()
                .expect("vigie runs");
            (output.status.code(), text(&output.stdout), text(&output.stderr))
        };
        let created = run(&["org", "create", "Unité nationale", "--kind", "referral_unit", "--country", "FR"]);
        assert_eq!(created.0, Some(0), "{created:?}");
        assert!(created.2.contains("slug unite-nationale"), "{created:?}");
        let created =
            run(&["org", "create", "Forum Libre (demo)", "--kind", "platform", "--country", "BE", "--slug", "forum"]);
        assert_eq!(created.0, Some(0), "{created:?}");
        let refused = run(&["org", "create", "Forum bis", "--kind", "platform", "--country", "BE", "--slug", "forum"]);
        assert_eq!(refused.0, Some(2), "{refused:?}");
        assert!(refused.2.contains("--slug: another organisation has this slug"), "{refused:?}");
        let listed = run(&["org", "list"]);
        assert!(listed.1.starts_with("id\tslug\tname\t"), "{listed:?}");
        assert!(listed.1.lines().any(|line| line.split('\t').nth(1) == Some("forum")), "{listed:?}");

        let referral = |reference: &str, platform: &str| {
            format!(
                r#"{{"kind":"referral","reference":"{reference}","urls":["https://forum.example.org/t/{reference}"],"explanation":"Recruitment post.","deconfliction":"cleared","platform":"{platform}"}}"#
            )
        };
        let file = data.join("rows.jsonl");
        let rows = [
            referral("R-1", "forum"),
            referral("R-2", "Forum Libre (demo)"),
            referral("R-3", "nowhere"),
            referral("R-4", "unite-nationale"),
        ];
        std::fs::write(&file, rows.join("\n")).unwrap();
        let file = file.to_str().unwrap();
        for extra in [&["--dry-run"][..], &[]] {
            let mut args = vec!["import", "submissions", file, "--organisation", "unite-nationale"];
            args.extend_from_slice(extra);
            let (code, _, stderr) = run(&args);
            assert_eq!(code, Some(1), "{stderr}");
            assert!(stderr.contains("line 3: platform: names no platform taking submissions here"), "{stderr}");
            assert!(stderr.contains("line 4: platform: names no platform"), "{stderr}");
            let counted = if extra.is_empty() { "2 stored, 0 duplicates, 2 refused of 4 rows" } else { "2 valid" };
            assert!(stderr.contains(counted), "{stderr}");
        }
        // A CSV row names its platform the same way; --platform too, for rows naming none.
        let csv = data.join("reports.csv");
        std::fs::write(&csv, "kind,category,url,platform\nuser_report,propaganda,https://a.example/1,forum\nuser_report,propaganda,https://a.example/2,\n")
            .unwrap();
        let csv = csv.to_str().unwrap();
        let (code, _, stderr) = run(&["import", "submissions", csv, "--org", "Unité nationale", "--platform", "forum"]);
        assert_eq!(code, Some(0), "{stderr}");
        let (code, _, stderr) =
            run(&["import", "submissions", csv, "--org", "unite-nationale", "--platform", "nowhere"]);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(stderr.contains("--platform: names no organisation"), "{stderr}");

        // Every stored submission went to the platform its slug or name named.
        let store = runtime.block_on(vigie_store::Store::connect(&database.url)).unwrap();
        let find = |text: &str| {
            runtime.block_on(store.find_organisation(&OrganisationRef::parse(text).unwrap())).unwrap().unwrap().id
        };
        let (unit, forum) = (find("unite-nationale"), find("forum"));
        let sent = runtime.block_on(store.list_submissions_by(unit, 100, 0)).unwrap();
        assert_eq!(sent.len(), 4);
        assert!(sent.iter().all(|record| record.receipt.platform_id == forum));
        runtime.block_on(store.close());
    }
}
