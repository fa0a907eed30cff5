//! The connection loop: idle and trickling connections are closed, and connections beyond the
//! cap wait instead of exhausting the process's open files.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;
use vigie_server::ConnectionLimits;

use crate::support::TestApp;

/// Longest any test here waits for the server: far above the 1 s timeouts it sets, so a slow
/// machine cannot fail it, while a server without timeouts (which keeps connections forever)
/// does.
const PATIENCE: Duration = Duration::from_secs(20);

async fn serve(limits: ConnectionLimits) -> (std::net::SocketAddr, CancellationToken, TestApp) {
    let app = TestApp::spawn(vigie_store::Backend::Sqlite).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    tokio::spawn(vigie_server::serve(listener, app.router.clone(), limits, shutdown.clone()));
    (address, shutdown, app)
}

/// Reads until the server closes the connection; the bytes it sent.
async fn until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut received))
        .await
        .expect("the server kept the connection open")
        .ok();
    received
}

async fn health(stream: &mut TcpStream) -> String {
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: vigie\r\n\r\n").await.unwrap();
    let mut buffer = vec![0_u8; 1024];
    let read = tokio::time::timeout(PATIENCE, stream.read(&mut buffer)).await.expect("no answer").unwrap();
    String::from_utf8_lossy(&buffer[..read]).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_trickling_connections_are_closed() {
    let limits = ConnectionLimits { header_read_timeout: Duration::from_secs(1), max_connections: 64 };
    let (address, shutdown, _app) = serve(limits).await;

    // Connected, sends nothing.
    let mut idle = TcpStream::connect(address).await.unwrap();
    until_closed(&mut idle).await;

    // Kept alive after a request, then silent.
    let mut kept_alive = TcpStream::connect(address).await.unwrap();
    assert!(health(&mut kept_alive).await.starts_with("HTTP/1.1 200"));
    until_closed(&mut kept_alive).await;

    // Trickles a header line every 200 ms, for up to 20 s: cut off long before.
    let mut trickling = TcpStream::connect(address).await.unwrap();
    trickling.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
    let mut lines_sent = 0;
    for line in 0..100 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if trickling.write_all(format!("X-Slow-{line}: 1\r\n").as_bytes()).await.is_err() {
            break;
        }
        lines_sent += 1;
    }
    assert!(lines_sent < 100, "a connection trickling its headers was never closed");
    shutdown.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_wait_for_a_slot() {
    let limits = ConnectionLimits { header_read_timeout: Duration::from_secs(1), max_connections: 2 };
    let (address, shutdown, _app) = serve(limits).await;
    let mut holders = [TcpStream::connect(address).await.unwrap(), TcpStream::connect(address).await.unwrap()];
    // Both slots are taken by connections that send nothing. A third is queued by the kernel,
    // and served once the header timeout has freed a slot: it gets its answer, and the holders
    // were closed by then.
    let mut third = TcpStream::connect(address).await.unwrap();
    let answer = health(&mut third).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    for holder in &mut holders {
        let mut byte = [0_u8; 1];
        let read = tokio::time::timeout(Duration::from_millis(100), holder.read(&mut byte)).await;
        assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "a holder was still open when the third was served");
    }
    shutdown.cancel();
}
