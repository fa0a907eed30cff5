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
