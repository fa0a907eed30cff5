//! Issue 15: `vigie serve` killed with SIGKILL while it is sending webhooks, then started again
//! on the same database: every event arrives, nothing is lost, and no action is sent under two
//! event ids (a receiver that drops repeats by `webhook-id` sees each action once).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use vigie_store::testing::{TestDatabase, backends};

/// One request the receiver read in full: its `webhook-id` and body.
type Seen = (String, String);

/// A webhook receiver on a loopback port, one thread per connection, recording every request it
/// reads in full. It holds each for `delay_ms` before answering 204, so a server killed
/// meanwhile never hears the answer.
struct Receiver {
    address: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    delay_ms: Arc<AtomicU64>,
}

impl Receiver {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let delay_ms = Arc::new(AtomicU64::new(0));
        let (seen_, delay_) = (seen.clone(), delay_ms.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (seen, delay) = (seen_.clone(), delay_.clone());
                std::thread::spawn(move || serve_connection(stream, &seen, &delay));
            }
        });
        Self { address, seen, delay_ms }
    }
}

fn serve_connection(stream: TcpStream, seen: &Mutex<Vec<Seen>>, delay: &AtomicU64) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0;
        let mut id = String::new();
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            let (name, value) = header.split_once(':').unwrap_or((header, ""));
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap_or(0),
                "webhook-id" => id = value.trim().to_owned(),
                _ => {}
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let body = String::from_utf8(body).unwrap();
        seen.lock().unwrap().push((id, body));
        std::thread::sleep(Duration::from_millis(delay.load(Ordering::SeqCst)));
        if writer.write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n").is_err() {
            return;
        }
    }
}

/// A JSON call over a fresh connection: status and body.
fn call(address: &str, method: &str, path: &str, token: &str, body: Option<&Value>) -> (u16, Value) {
    let mut stream = TcpStream::connect(address).unwrap();
    let payload = body.map(Value::to_string).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: vigie\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{payload}",
        payload.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer[9..12].parse().unwrap();
    let (head, rest) = answer.split_once("\r\n\r\n").unwrap();
    // Small answers come whole or chunked; only chunked ones need unwrapping.
    let text = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        let mut text = String::new();
        let mut rest = rest;
        while let Some((size, after)) = rest.split_once("\r\n") {
            let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if size == 0 {
                break;
            }
            text.push_str(&after[..size]);
            rest = &after[size + 2..];
        }
        text
    } else {
        rest.to_owned()
    };
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn vigie(database: &TestDatabase, data: &Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(args)
        .arg("--db")
        .arg(database.url.expose())
        .arg("--data-dir")
        .arg(data)
        .env_remove("VIGIE_DB")
        .env_remove("VIGIE_CONFIG")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// `vigie serve` on a free port with private webhooks allowed and short timeouts; returns it and
/// its address once it answers.
fn serve(database: &TestDatabase, data: &Path, config: &Path) -> (Child, String) {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let address = format!("127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["serve", "--allow-private-webhooks", "--listen", &address, "--config"])
        .arg(config)
        .arg("--db")
        .arg(database.url.expose())
        .arg("--data-dir")
        .arg(data)
        .env_remove("VIGIE_DB")
        .env_remove("VIGIE_ADMIN_PASSWORD")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while TcpStream::connect(&address).is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "vigie serve did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, address)
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < Duration::from_secs(90), "timed out waiting: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn killed_while_sending_and_restarted_every_event_arrives_under_one_id() {
    const ORDERS: usize = 30;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    for backend in backends() {
        let database = runtime.block_on(TestDatabase::create(backend)).unwrap();
        let directory = tempfile::tempdir().unwrap();
        let data = directory.path().join("data");
        let config = directory.path().join("vigie.toml");
        std::fs::write(&config, "[webhooks]\ntimeout_seconds = 2\nfirst_retry_seconds = 1\n").unwrap();
        let admin =
            vigie(&database, &data, &["token", "create", "--org", "Operator", "--role", "admin", "--expires", "1d"]);
        let reviewer =
            vigie(&database, &data, &["token", "create", "--org", "Operator", "--role", "reviewer", "--expires", "1d"]);
        let receiver = Receiver::start();
        // Held long enough for the kill to land while requests wait for their answers.
        receiver.delay_ms.store(1_500, Ordering::SeqCst);

        let (mut server, address) = serve(&database, &data, &config);
        let hook = json!({"url": format!("http://{}/hook", receiver.address), "event_types": ["remove"]});
        let (status, created) = call(&address, "POST", "/v1/organisations/operator/webhooks", &admin, Some(&hook));
        assert_eq!(status, 201, "{backend:?}: {created}");
        let mut cases = Vec::new();
        for number in 0..ORDERS {
            let order = json!({"kind": "removal_order", "issuing_authority": "OFAC", "member_state": "FR",
                "reference": format!("KILL-{number}"), "issued_at": "2026-12-01T08:00:00Z",
                "urls": [format!("https://video.example.net/watch?v=kill{number}")], "grounds": ["a"],
                "statement_of_reasons": "Glorifies the attack.", "cross_border": false, "redress": "Tribunal"});
            let (status, receipt) = call(&address, "POST", "/v1/submissions", &admin, Some(&order));
            assert_eq!(status, 201, "{receipt}");
            cases.push(receipt["case_id"].clone());
        }
        let decision = json!({"cases": cases, "decision": {"decision": "remove", "ground": {"type": "illegal",
            "law": "Regulation (EU) 2021/784", "article": "Art. 2(7)(a)", "explanation": "Glorifies the attack."}}});
        let (status, decided) = call(&address, "POST", "/v1/cases/decisions", &reviewer, Some(&decision));
        assert_eq!(status, 200, "{decided}");

        // Killed while the receiver holds requests it has read but not answered.
        wait_until("the first deliveries reach the receiver", || !receiver.seen.lock().unwrap().is_empty());
        server.kill().unwrap();
        server.wait().unwrap();
        // Started again: the leases run out, and the events are sent again under their ids
        // until every action shows delivered.
        receiver.delay_ms.store(0, Ordering::SeqCst);
        let (mut server, address) = serve(&database, &data, &config);
        wait_until("every action is delivered", || {
            let (status, page) = call(&address, "GET", "/v1/actions?status=delivered&limit=500", &reviewer, None);
            status == 200 && page["actions"].as_array().is_some_and(|actions| actions.len() == ORDERS)
        });
        std::thread::sleep(Duration::from_millis(500));

        let seen = receiver.seen.lock().unwrap().clone();
        let mut bodies: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (id, body) in &seen {
            bodies.entry(id.clone()).or_default().insert(body.clone());
        }
        assert_eq!(bodies.len(), ORDERS, "{backend:?}: one event id per action");
        let mut actions = BTreeSet::new();
        for (id, variants) in &bodies {
            assert_eq!(variants.len(), 1, "{backend:?}: event {id} sent with different bodies");
            let event: Value = serde_json::from_str(variants.iter().next().unwrap()).unwrap();
            assert!(actions.insert(event["data"]["id"].as_str().unwrap().to_owned()), "an action under two ids");
        }
        assert_eq!(actions.len(), ORDERS);
        assert!(seen.len() > ORDERS, "{backend:?}: some events were sent again after the restart");

        server.kill().unwrap();
        server.wait().unwrap();
    }
}
