//! Issue 9: `vigie audit checkpoint` and `vigie audit verify --checkpoint` as an operator and an
//! outside auditor use them, on SQLite and (when configured) PostgreSQL.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use vigie_store::Backend;
use vigie_store::testing::{TestDatabase, backends};

fn vigie(database: &TestDatabase, data: &Path, key: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(args)
        .arg("--db")
        .arg(database.url.expose())
        .arg("--data-dir")
        .arg(data)
        .arg("--audit-key-file")
        .arg(key)
        .env_remove("VIGIE_DB")
        .env_remove("VIGIE_CONFIG")
        .env_remove("VIGIE_AUDIT_KEY_FILE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("vigie runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn succeeded(output: &Output) -> String {
    assert!(output.status.success(), "stderr: {}\nstdout: {}", text(&output.stderr), text(&output.stdout));
    text(&output.stdout)
}

fn failed_with(output: &Output, expected: &str) {
    assert_eq!(output.status.code(), Some(2), "stdout: {}", text(&output.stdout));
    assert!(text(&output.stderr).contains(expected), "expected {expected:?} in: {}", text(&output.stderr));
}

fn tamper(runtime: &tokio::runtime::Runtime, database: &TestDatabase, backend: Backend, sql: &str) {
    use sqlx::Connection;
    runtime.block_on(async {
        match backend {
            Backend::Sqlite => {
                let mut connection = sqlx::SqliteConnection::connect(database.url.expose()).await.unwrap();
                sqlx::raw_sql(sql).execute(&mut connection).await.unwrap();
            }
            Backend::Postgres => {
                let mut connection = sqlx::PgConnection::connect(database.url.expose()).await.unwrap();
                sqlx::raw_sql(sql).execute(&mut connection).await.unwrap();
            }
        }
    });
}

#[test]
fn issue_9_a_kept_checkpoint_file_catches_a_truncation() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    for backend in backends() {
        let database = runtime.block_on(TestDatabase::create(backend)).unwrap();
        let directory = tempfile::tempdir().unwrap();
        let data = directory.path();
        let key = data.join("keys/audit.key");
        let run = |args: &[&str]| vigie(&database, data, &key, args);
        // Three events: the operator organisation (made by the first command that writes), then these.
        for name in ["Forum", "Videoshare"] {
            succeeded(&run(&["org", "create", name, "--kind", "platform", "--country", "FR"]));
        }

        let kept = data.join("kept.txt");
        let made = run(&["audit", "checkpoint", "--out", kept.to_str().unwrap()]);
        succeeded(&made);
        assert!(text(&made.stderr).contains("created the audit signing key"), "{}", text(&made.stderr));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let note = std::fs::read_to_string(&kept).unwrap();
        assert_eq!(note.lines().nth(1), Some("3"), "{note}");
        let private = std::fs::read_to_string(&key).unwrap();
        for output in [&made, &run(&["audit", "public-key"])] {
            assert!(!text(&output.stdout).contains(private.trim()) && !text(&output.stderr).contains(private.trim()));
        }
        let verified = succeeded(&run(&["audit", "verify", "--checkpoint", kept.to_str().unwrap()]));
        assert!(verified.contains("holds: event 3"), "{verified}");

        // An outside auditor with the public key only.
        let public = succeeded(&run(&["audit", "public-key"])).trim().to_owned();
        let absent = data.join("absent.key");
        let auditor = |args: &[&str]| vigie(&database, data, &absent, args);
        succeeded(&auditor(&["audit", "verify", "--checkpoint", kept.to_str().unwrap(), "--public-key", &public]));
        assert!(!absent.exists(), "verifying created a key");

        // Another instance's key does not vouch for this trail; an edited file is refused.
        let other = data.join("other.key");
        let other_public = succeeded(&vigie(&database, data, &other, &["audit", "public-key"])).trim().to_owned();
        let foreign =
            auditor(&["audit", "verify", "--checkpoint", kept.to_str().unwrap(), "--public-key", &other_public]);
        failed_with(&foreign, "not signed by a trusted key");
        let altered = data.join("altered.txt");
        std::fs::write(&altered, note.replacen("\n3\n", "\n2\n", 1)).unwrap();
        failed_with(&run(&["audit", "verify", "--checkpoint", altered.to_str().unwrap()]), "altered or forged");

        // Someone deletes the last event, moves the head back and removes the stored checkpoints.
        tamper(
            &runtime,
            &database,
            backend,
            "delete from audit_events where sequence = 3; \
             update audit_head set last_sequence = 2, \
             last_hash = (select hash from audit_events where sequence = 2) where id = 1; \
             delete from audit_checkpoints;",
        );
        succeeded(&run(&["audit", "verify"]));
        failed_with(&run(&["audit", "verify", "--checkpoint", kept.to_str().unwrap()]), "truncated");

        // A damaged row is named, with a non-zero exit, never a decoding error.
        let damage = match backend {
            Backend::Sqlite => "update audit_events set actor_id = x'010203' where sequence = 2",
            Backend::Postgres => "update audit_events set recorded_at = 'infinity' where sequence = 2",
        };
        tamper(&runtime, &database, backend, damage);
        failed_with(&run(&["audit", "verify"]), "event 2: cannot be read");
        let listed = run(&["audit", "list"]);
        succeeded(&listed);
        assert!(text(&listed.stderr).contains("event 2 cannot be read"), "{}", text(&listed.stderr));
    }
}

/// The chain rule as README states it, written again here from that text alone: SHA-256 over
/// the fields in order, each preceded by its length in bytes as an unsigned 64-bit big-endian
/// number; hex, lower case.
fn chain_hash(event: &serde_json::Value, previous_hash: &str) -> String {
    use sha2::Digest;
    let text = |key: &str| event[key].as_str().unwrap().to_owned();
    let fields = [
        previous_hash.to_owned(),
        event["sequence"].as_i64().unwrap().to_string(),
        text("recorded_at"),
        text("actor_kind"),
        text("actor_id"),
        text("organisation_id"),
        text("action"),
        text("subject_type"),
        text("subject_id"),
        text("details"),
    ];
    let mut hasher = sha2::Sha256::new();
    for field in fields {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    hex::encode(hasher.finalize())
}

#[test]
fn issue_15_an_export_re_verifies_with_the_documented_rule_alone() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    for backend in backends() {
        let database = runtime.block_on(TestDatabase::create(backend)).unwrap();
        let directory = tempfile::tempdir().unwrap();
        let (data, key) = (directory.path().join("data"), directory.path().join("audit.key"));
        for name in ["Unit A", "Unit B", "Unit C"] {
            succeeded(&vigie(
                &database,
                &data,
                &key,
                &["org", "create", name, "--kind", "referral_unit", "--country", "FR"],
            ));
        }
        let out = directory.path().join("audit.jsonl");
        let exported =
            vigie(&database, &data, &key, &["audit", "export", "--since", "0", "--out", out.to_str().unwrap()]);
        succeeded(&exported);
        let lines: Vec<serde_json::Value> =
            std::fs::read_to_string(&out).unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect();
        assert!(lines.len() >= 4, "{backend:?}: {} events", lines.len());
        let mut previous = "0".repeat(64);
        for (index, event) in lines.iter().enumerate() {
            assert_eq!(event["sequence"].as_i64().unwrap(), index as i64 + 1);
            assert_eq!(event["previous_hash"].as_str().unwrap(), previous);
            let hash = chain_hash(event, &previous);
            assert_eq!(event["hash"].as_str().unwrap(), hash, "{backend:?}: event {}", index + 1);
            previous = hash;
        }
        // From a later point, starting from the hash the earlier export ended on.
        let later = succeeded(&vigie(&database, &data, &key, &["audit", "export", "--since", "2"]));
        let first: serde_json::Value = serde_json::from_str(later.lines().next().unwrap()).unwrap();
        assert_eq!(first["sequence"], 3);
        assert_eq!(chain_hash(&first, lines[1]["hash"].as_str().unwrap()), first["hash"].as_str().unwrap());
        // A changed detail no longer verifies.
        let mut forged = lines[2].clone();
        forged["details"] = serde_json::json!("{}");
        assert_ne!(chain_hash(&forged, lines[1]["hash"].as_str().unwrap()), lines[2]["hash"].as_str().unwrap());
    }
}
