//! The `vigie` binary as an operator uses it: admin commands, then `serve` on a fresh data
//! directory, used over real HTTP while the admin commands keep working, then SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn vigie(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("VIGIE_DB")
        .env_remove("VIGIE_CONFIG")
        .stdin(Stdio::null())
        .output()
        .expect("vigie runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A minimal HTTP/1.1 GET, to keep an HTTP client out of the dependency tree.
fn http_get(address: &str, path: &str, token: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect(address).expect("server accepts connections");
    let authorization = token.map(|token| format!("Authorization: Bearer {token}\r\n")).unwrap_or_default();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\n{authorization}Connection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default();
    (status, body)
}

#[test]
fn admin_commands_then_serve_then_sigterm() {
    let directory = tempfile::tempdir().unwrap();
    let data = directory.path();

    let created = vigie(data, &["org", "create", "Test Platform", "--kind", "platform", "--country", "fr"]);
    assert!(created.status.success(), "{}", stderr(&created));
    assert_eq!(stdout(&created).trim().len(), 36, "prints the new organisation's id");

    let refused = vigie(data, &["org", "create", "Bad", "--kind", "police", "--country", "FR"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("kind: must be one of"), "{}", stderr(&refused));
    let duplicate = vigie(data, &["org", "create", "Test Platform", "--kind", "platform", "--country", "FR"]);
    assert_eq!(duplicate.status.code(), Some(2));
    assert!(stderr(&duplicate).contains("already exists"));

    let user = vigie(data, &["user", "create", "rev@platform.example", "--org", "Test Platform", "--role", "reviewer"]);
    assert!(user.status.success(), "{}", stderr(&user));
    assert_eq!(stdout(&user).trim().len(), 20, "prints the generated password alone");
    let missing_org = vigie(data, &["token", "create", "--org", "Nope", "--role", "viewer"]);
    assert_eq!(missing_org.status.code(), Some(2));
    assert!(stderr(&missing_org).contains("--org: names no organisation"), "{}", stderr(&missing_org));

    // Serve on a free port, with the first admin's password chosen in advance.
    let mut server = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json", "--data-dir"])
        .arg(data)
        .env("VIGIE_ADMIN_PASSWORD", "a long admin password")
        .env_remove("VIGIE_DB")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = BufReader::new(server.stderr.take().unwrap());
    let mut address = None;
    let mut line = String::new();
    while log.read_line(&mut line).unwrap() > 0 {
        if let Ok(event) = serde_json::from_str::<serde_json::Value>(&line)
            && let Some(listening) = event["address"].as_str()
        {
            address = Some(listening.to_owned());
            break;
        }
        line.clear();
    }
    let address = address.expect("the log says where Vigie listens");
    // Keep draining the log so the server never blocks on a full pipe.
    let drain = std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = log.read_to_string(&mut rest);
        rest
    });

    assert_eq!(http_get(&address, "/readyz", None).0, 200);
    assert_eq!(http_get(&address, "/v1/me", None).0, 401);

    // Admin commands work while the server runs on the same database.
    let token = vigie(data, &["token", "create", "--org", "Test Platform", "--role", "admin", "--expires", "1d"]);
    assert!(token.status.success(), "{}", stderr(&token));
    let token = stdout(&token);
    assert_eq!(token.lines().count(), 1, "the token alone on stdout");
    let secret = token.trim();
    assert!(secret.starts_with("vigie_"));
    let (status, body) = http_get(&address, "/v1/users", Some(secret));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("rev@platform.example"));
    let (status, console) = http_get(&address, "/console/login", None);
    assert_eq!(status, 200);
    assert!(console.contains("Log in"));

    let listed = stdout(&vigie(data, &["token", "list", "--org", "Test Platform"]));
    let mut listed = listed.lines();
    assert_eq!(listed.next(), Some("id\torganisation\tname\troles\texpires\tstate"), "a header first");
    let row = listed.next().unwrap().split('\t').collect::<Vec<_>>();
    assert_eq!(row[1..4], ["Test Platform", "created with vigie token create", "admin"], "the organisation's name");
    let expires = chrono::DateTime::parse_from_rfc3339(row[4]).expect("the expiry");
    assert!((expires.to_utc() - chrono::Utc::now() - chrono::Duration::days(1)).num_minutes().abs() < 5);
    let token_id = row[0].to_owned();
    assert!(vigie(data, &["token", "revoke", &token_id]).status.success());
    // The server trusts a token it has just checked for a few seconds; its sync worker notices
    // revocations made elsewhere (here, by the CLI) within about a second.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while http_get(&address, "/v1/users", Some(secret)).0 != 401 {
        assert!(std::time::Instant::now() < deadline, "revocation not applied within 10 s");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }

    let killed = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = server.wait().unwrap();
    let rest = drain.join().unwrap();
    assert!(status.success(), "clean exit on SIGTERM: {status:?}\n{rest}");
    assert!(rest.contains("stopped"));
    assert!(!rest.contains(secret), "the token never reaches the log");

    let verified = vigie(data, &["audit", "verify"]);
    assert!(verified.status.success(), "{}", stderr(&verified));
    assert!(stdout(&verified).starts_with("audit chain intact"));
}
