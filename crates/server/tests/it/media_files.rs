//! Media files on disk: a refused request never deletes a file another request holds, files no
//! row names are collected once old, and a file whose hashing killed the server is not retried
//! forever.

use std::time::{Duration, SystemTime};

use axum::http::StatusCode;
use serde_json::json;
use vigie_domain::access::{Actor, Role};
use vigie_server::intake::media::Collected;
use vigie_server::intake::{self, Sender};
use vigie_server::workers::media::{Outcome, run_once};
use vigie_server::workers::media_collector;

use crate::intake::{multipart, picture};
use crate::support::{TestApp, backend_test};

/// Receives `bytes` into the media store as an upload in progress would, holding the file.
fn receive(app: &TestApp, bytes: &[u8]) -> intake::media::StoredFile {
    let mut incoming = app.state.intake.media.begin(1 << 20).unwrap();
    incoming.write(bytes).unwrap();
    incoming.finish(&vigie_hash::Limits::default()).unwrap()
}

fn age(path: &std::path::Path, by: Duration) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - by).unwrap();
}

// Defect: request A uploads X and is still running; request B uploads the same bytes and is
// refused; B's clean-up deleted X, and A then answered 201 for media whose file was gone.
backend_test!(a_refused_upload_keeps_the_file_another_request_holds, |app| async move {
    let unit = app.organisation("PHAROS", "referral_unit").await;
    let token = app.token(unit.id, &[Role::Referrer]).await;
    let bytes = picture(1, 0);
    let request_a = receive(&app, &bytes);
    let path = app.state.intake.media.path_of(&request_a.sha256);

    let report = json!({"kind": "user_report", "category": "propaganda", "url": "https://img.example/a",
                        "seen_where": "social_network"});
    let mut body = multipart(Some(&report), &[("same.png", &bytes)]);
    // An unknown part after the file: refused once the file has been received.
    let tail = body.split_off(body.len() - "--intakeboundary--\r\n".len());
    body.extend(b"--intakeboundary\r\nContent-Disposition: form-data; name=\"colour\"\r\n\r\nblue\r\n");
    body.extend(tail);
    let request = axum::http::Request::post("/v1/submissions")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "multipart/form-data; boundary=intakeboundary")
        .body(axum::body::Body::from(body))
        .unwrap();
    let refused = app.send(request).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert!(path.exists(), "request B deleted the file request A holds");

    // Request A goes on and is stored, with its file.
    let sender = Sender { organisation: Some(unit.id), actor: Actor::System };
    let parsed = intake::validate::parse_submission(report.clone()).unwrap();
    let stored = intake::submit(&app.store, &app.state.intake, &app.state.engine, sender, &parsed, &[request_a], None)
        .await
        .unwrap();
    assert!(!stored.receipt.existing);
    assert!(app.store.find_media(&vigie_hash::sha256_hex(&bytes)).await.unwrap().is_some());
    assert!(path.exists());
});

backend_test!(the_collector_removes_only_old_files_no_row_names, |app| async move {
    let media = &app.state.intake.media;
    let min_age = media_collector::min_age(app.state.settings.request_timeout);
    let old = min_age + Duration::from_secs(60);
    let recorded = receive(&app, b"%PDF-1.7 recorded");
    intake::store_media(&app.store, &recorded).await.unwrap();
    let orphan = receive(&app, b"%PDF-1.7 orphan");
    let fresh_orphan = receive(&app, b"%PDF-1.7 fresh orphan");
    let held_orphan = receive(&app, b"%PDF-1.7 held orphan");
    for file in [&recorded, &orphan, &held_orphan] {
        age(&media.path_of(&file.sha256), old);
    }
    let incoming =
        media.path_of(&recorded.sha256).parent().unwrap().parent().unwrap().parent().unwrap().join("incoming");
    let stale_upload = incoming.join(".tmpKILLED");
    std::fs::write(&stale_upload, b"half an upload").unwrap();
    age(&stale_upload, old);
    let live_upload = incoming.join(".tmpLIVE");
    std::fs::write(&live_upload, b"an upload in progress").unwrap();
    let (orphan_path, held_path) = (media.path_of(&orphan.sha256), media.path_of(&held_orphan.sha256));
    drop((recorded, orphan, fresh_orphan));

    let collected = media.collect(&app.store, min_age).await.unwrap();
    assert_eq!(collected, Collected { temporary: 1, unrecorded: 1, derived: 0 });
    assert!(!orphan_path.exists() && !stale_upload.exists());
    assert!(live_upload.exists(), "an upload younger than the safe age was taken");
    assert!(held_path.exists(), "a file a request holds was taken");
    assert!(media.path_of(&vigie_hash::sha256_hex(b"%PDF-1.7 recorded")).exists());
    assert!(media.path_of(&vigie_hash::sha256_hex(b"%PDF-1.7 fresh orphan")).exists());
    drop(held_orphan);
    assert_eq!(
        media.collect(&app.store, min_age).await.unwrap(),
        Collected { temporary: 0, unrecorded: 1, derived: 0 }
    );
    assert!(!held_path.exists());
});

// Defect: a file whose decoding killed the server stayed `pending` and was claimed again after
// every restart: a crash loop in waiting.
backend_test!(a_file_that_kept_killing_the_worker_is_given_up, |app| async move {
    let store = &app.store;
    let mut media = Vec::new();
    for pattern in [2, 0, 1] {
        let file = receive(&app, &picture(pattern, 0));
        media.push(intake::store_media(store, &file).await.unwrap());
    }
    let (twice, once, released) = (&media[0], &media[1], &media[2]);
    // A worker claims a file and dies: its lease runs out with no outcome recorded. Leases
    // given in the past run out at once; `max_attempts` steers which file is claimed.
    let expired = store.now() - chrono::Duration::seconds(1);
    let claimed = |max_attempts| async move { store.claim_media(expired, max_attempts).await.unwrap().unwrap().id };
    assert_eq!(claimed(5).await, twice.id);
    assert_eq!(claimed(5).await, twice.id);
    assert_eq!(claimed(2).await, once.id);
    assert_eq!(claimed(1).await, released.id);
    // An attempt that ended in an error (the database, not the file) releases its lease: not
    // an interruption.
    store.release_media(released.id).await.unwrap();
    for _ in 0..3 {
        assert_eq!(run_once(&app.state).await.unwrap(), Outcome::Processed);
    }
    assert_eq!(run_once(&app.state).await.unwrap(), Outcome::Idle);
    let reread = |media: &vigie_store::MediaRecord| {
        let sha256 = media.sha256.clone();
        async move { store.find_media(&sha256).await.unwrap().unwrap() }
    };
    let twice = reread(twice).await;
    assert_eq!((twice.status.as_str(), twice.interruptions), ("failed", 2));
    assert!(twice.error.unwrap().contains("interrupted 2 times"));
    let once = reread(once).await;
    assert_eq!((once.status.as_str(), once.interruptions), ("hashed", 1), "interrupted once: tried again");
    let released = reread(released).await;
    assert_eq!((released.status.as_str(), released.interruptions), ("hashed", 0));
});
