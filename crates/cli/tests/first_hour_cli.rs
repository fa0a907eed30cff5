//! Issue 13, the first hour of a new user: one database wherever a command is run from, no
//! database made by a command that only reads, an operator organisation from the first command
//! that writes, and a start that cannot listen leaving the one-time admin password unused.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use vigie_store::testing::{TestDatabase, backends};

const SEED: &str = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";

/// `vigie` as a user runs it: no flag naming the database, a home directory of its own, from
/// `directory`.
fn vigie_at_home(home: &Path, directory: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(args)
        .current_dir(directory)
        .env("HOME", home)
        .env_remove("XDG_DATA_HOME")
        .env_remove("VIGIE_DATA_DIR")
        .env_remove("VIGIE_DB")
        .env_remove("VIGIE_CONFIG")
        .env_remove("VIGIE_AUDIT_KEY_FILE")
        .stdin(Stdio::null())
        .output()
        .expect("vigie runs")
}

/// `vigie` on a test database.
fn vigie_on(database: &TestDatabase, data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(args)
        .arg("--db")
        .arg(database.url.expose())
        .arg("--data-dir")
        .arg(data)
        .env_remove("VIGIE_DB")
        .env_remove("VIGIE_CONFIG")
        .env_remove("VIGIE_AUDIT_KEY_FILE")
        .env_remove("VIGIE_ADMIN_PASSWORD")
        .stdin(Stdio::null())
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

fn entries(directory: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(directory).unwrap().map(|entry| entry.unwrap().path()).collect()
}

#[test]
fn issue_13_every_command_uses_one_database_wherever_it_is_run_from() {
    let root = tempfile::tempdir().unwrap();
    let home = root.path().join("home");
    let (first, second) = (root.path().join("first"), root.path().join("second"));
    for directory in [&home, &first, &second] {
        std::fs::create_dir(directory).unwrap();
    }
    let database = home.join(".local/share/vigie/vigie.db");

    // Before anything exists, a command that only reads says so, naming the file, and makes nothing.
    let listed = vigie_at_home(&home, &first, &["bank", "list"]);
    assert_eq!(listed.status.code(), Some(2));
    let complaint = text(&listed.stderr);
    assert!(complaint.contains(&format!("there is no database at {}", database.display())), "{complaint}");
    assert!(entries(&home).is_empty(), "nothing created under the home directory");

    // The first command that writes makes the database in the home directory, with the operator
    // that owns a bank created without --org.
    let created = vigie_at_home(&home, &first, &["bank", "create", "known", "--type", "pdq"]);
    succeeded(&created);
    let said = text(&created.stderr);
    assert!(said.lines().any(|line| line == format!("database: sqlite://{}", database.display())), "{said}");
    assert!(said.contains("owned by \"Operator\""), "{said}");
    assert!(database.exists());

    // From another directory: the same database.
    assert_eq!(succeeded(&vigie_at_home(&home, &second, &["bank", "export", "known"])), "");
    let listed = succeeded(&vigie_at_home(&home, &second, &["bank", "list"]));
    assert!(listed.contains("\tknown\tpdq\tOperator\t0\t31\tenabled\tprivate\n"), "{listed}");
    assert!(entries(&first).is_empty() && entries(&second).is_empty(), "no database beside the commands");

    // XDG_DATA_HOME, when set, is where the data goes.
    let xdg = root.path().join("xdg");
    let elsewhere = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["org", "list"])
        .env("HOME", &home)
        .env("XDG_DATA_HOME", &xdg)
        .env_remove("VIGIE_DATA_DIR")
        .env_remove("VIGIE_DB")
        .env_remove("VIGIE_CONFIG")
        .output()
        .unwrap();
    assert_eq!(elsewhere.status.code(), Some(2));
    let wanted = xdg.join("vigie/vigie.db");
    assert!(text(&elsewhere.stderr).contains(&wanted.display().to_string()), "{}", text(&elsewhere.stderr));
}

#[test]
fn issue_13_commands_that_only_read_never_create_a_database() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let reads: &[&[&str]] = &[
        &["org", "list"],
        &["org", "referral-window", "Forum", "60"],
        &["user", "list"],
        &["user", "set-password", "admin@vigie.local"],
        &["token", "list"],
        &["token", "revoke", "0190f3c2-0000-7000-8000-000000000000"],
        &["audit", "verify"],
        &["audit", "list"],
        &["audit", "checkpoints"],
        &["audit", "checkpoint"],
        &["bank", "list"],
        &["bank", "export", "known"],
        &["bank", "disable-signal", "1"],
        &["match", SEED],
        &["import", "submissions", "-", "--format", "jsonl", "--organisation", "Operator", "--dry-run"],
    ];
    for args in reads {
        let mut all = args.to_vec();
        all.extend(["--data-dir", data.to_str().unwrap()]);
        let output = Command::new(env!("CARGO_BIN_EXE_vigie"))
            .args(&all)
            .env_remove("VIGIE_DB")
            .env_remove("VIGIE_CONFIG")
            .env_remove("VIGIE_AUDIT_KEY_FILE")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let expected = format!("there is no database at {}", data.join("vigie.db").display());
        assert!(text(&output.stderr).contains(&expected), "{args:?}: {}", text(&output.stderr));
        assert!(!data.exists(), "{args:?} created {}", data.display());
    }
}

#[test]
fn issue_13_the_operator_exists_from_the_first_command_that_needs_it() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    for backend in backends() {
        let database = runtime.block_on(TestDatabase::create(backend)).unwrap();
        let directory = tempfile::tempdir().unwrap();
        let run = |args: &[&str]| vigie_on(&database, directory.path(), args);
        let created = run(&["bank", "create", "known", "--type", "pdq"]);
        succeeded(&created);
        assert!(text(&created.stderr).contains("owned by \"Operator\""), "{backend:?}: {}", text(&created.stderr));
        // The operator's token, as README's API section makes one, before any server ran.
        let token = succeeded(&run(&["token", "create", "--org", "Operator", "--role", "admin", "--expires", "1d"]));
        assert!(token.starts_with("vigie_"), "{backend:?}");
        let organisations = succeeded(&run(&["org", "list"]));
        assert_eq!(organisations.lines().count(), 2, "a header and the operator: {organisations}");
        assert!(organisations.starts_with("id\tslug\tname\tkind\tcountry\tcontact_email\n"), "{organisations}");
    }
}

/// Starts `vigie serve` on `listen`; returns the child and what it printed up to the line saying
/// where it listens, or everything it printed if it exited first.
fn serve(database: &TestDatabase, data: &Path, listen: &str) -> (Server, String, Option<String>) {
    let mut server = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["serve", "--listen", listen, "--log-format", "json", "--db"])
        .arg(database.url.expose())
        .arg("--data-dir")
        .arg(data)
        .env_remove("VIGIE_ADMIN_PASSWORD")
        .env_remove("VIGIE_ADMIN_EMAIL")
        .env_remove("VIGIE_CONFIG")
        .env_remove("VIGIE_AUDIT_KEY_FILE")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = BufReader::new(server.stderr.take().unwrap());
    let mut printed = String::new();
    let mut line = String::new();
    while log.read_line(&mut line).unwrap() > 0 {
        printed.push_str(&line);
        if serde_json::from_str::<serde_json::Value>(&line).is_ok_and(|event| event["address"].is_string()) {
            // Keep draining the log so the server never blocks on a full pipe.
            let rest = std::thread::spawn(move || {
                let mut rest = String::new();
                let _ = log.read_to_string(&mut rest);
                rest
            });
            let address = event_address(&line);
            return (Server { child: server, rest: Some(rest) }, printed, Some(address));
        }
        line.clear();
    }
    (Server { child: server, rest: None }, printed, None)
}

/// A server started by a test, and the rest of its log once it stops.
struct Server {
    child: Child,
    rest: Option<std::thread::JoinHandle<String>>,
}

fn event_address(line: &str) -> String {
    let event: serde_json::Value = serde_json::from_str(line).unwrap();
    event["address"].as_str().unwrap().to_owned()
}

/// Stops a server with SIGTERM once it answers (its signal handler is in place by then).
fn stop(mut server: Server, address: &str) {
    let mut stream = std::net::TcpStream::connect(address).expect("the server accepts connections");
    std::io::Write::write_all(&mut stream, b"GET /healthz HTTP/1.1\r\nHost: vigie\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let killed = Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = server.child.wait().unwrap();
    let rest = server.rest.take().map(|rest| rest.join().unwrap()).unwrap_or_default();
    assert!(status.success(), "clean exit on SIGTERM: {status:?}\n{rest}");
}

#[test]
fn issue_13_a_port_in_use_leaves_the_first_admin_password_unused() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    for backend in backends() {
        let database = runtime.block_on(TestDatabase::create(backend)).unwrap();
        let directory = tempfile::tempdir().unwrap();
        let data = directory.path().join("data");

        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = taken.local_addr().unwrap().to_string();
        let (mut refused, printed, listening) = serve(&database, &data, &address);
        assert!(listening.is_none(), "{backend:?}: {printed}");
        assert_eq!(refused.child.wait().unwrap().code(), Some(2), "{printed}");
        assert!(printed.contains(&format!("cannot listen on {address}")), "{backend:?}: {printed}");
        assert!(!printed.contains("Password"), "{backend:?}: no admin was made: {printed}");
        assert!(!data.exists(), "{backend:?}: nothing written beside the database either");
        if let Some(file) = database.url.sqlite_file() {
            assert!(!file.exists(), "no SQLite database created");
        }
        drop(taken);

        let (server, printed, listening) = serve(&database, &data, "127.0.0.1:0");
        let listening = listening.unwrap_or_else(|| panic!("{backend:?}: {printed}"));
        assert!(printed.contains("Created the first admin: admin@vigie.local"), "{backend:?}: {printed}");
        assert!(printed.contains("Password (shown once): "), "{backend:?}: {printed}");
        stop(server, &listening);

        // Later starts say how to get a new password, and the command they give does it.
        let (server, printed, listening) = serve(&database, &data, "127.0.0.1:0");
        let listening = listening.unwrap_or_else(|| panic!("{backend:?}: {printed}"));
        assert!(!printed.contains("Password (shown once)"), "{backend:?}: {printed}");
        assert!(
            printed.contains("Lost its password? `vigie user set-password admin@vigie.local --db "),
            "{backend:?}: {printed}"
        );
        stop(server, &listening);
        let password = succeeded(&vigie_on(&database, &data, &["user", "set-password", "admin@vigie.local"]));
        assert_eq!(password.trim().len(), 20, "{backend:?}: a new password alone on stdout");
    }
}
