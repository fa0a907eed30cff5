//! Hash banks and matching through the API: create, add, import, match, disable, and a second
//! node catching up.

use axum::body::Body;
use axum::http::{Method, Request, header};
use serde_json::{Value, json};
use vigie_domain::access::Role;

use crate::support::{Reply, TestApp, backend_test};

const SEED: &str = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";

/// `SEED` with its first `bits` bits flipped.
fn flipped(bits: usize) -> String {
    let mut bytes = hex::decode(SEED).unwrap();
    for bit in 0..bits {
        bytes[bit / 8] ^= 0x80 >> (bit % 8);
    }
    hex::encode(bytes)
}

async fn create_bank(app: &TestApp, token: &str, body: Value) -> Value {
    let reply = app.call(Method::POST, "/v1/banks", Some(token), Some(body)).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json()
}

async fn match_pdq(app: &TestApp, token: &str, hash: &str, quality: Option<u32>) -> Value {
    let body = json!({"queries": [{"type": "pdq", "value": hash, "quality": quality}]});
    let reply = app.call(Method::POST, "/v1/match", Some(token), Some(body)).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()["results"][0].clone()
}

backend_test!(pdq_bank_add_match_and_disable, |app| async move {
    let admin = app.token(app.operator.id, &[Role::Admin]).await;
    let reviewer = app.token(app.operator.id, &[Role::Reviewer]).await;
    let bank = create_bank(&app, &admin, json!({"name": "known-pdq", "signal_type": "pdq"})).await;
    assert_eq!(
        (bank["match_threshold"].as_u64(), bank["min_quality"].as_u64(), bank["auto_action"].as_bool()),
        (Some(31), Some(50), Some(false))
    );
    let id = bank["id"].as_str().unwrap();

    let added = app
        .call(
            Method::POST,
            &format!("/v1/banks/{id}/signals"),
            Some(&admin),
            Some(json!({"signals": [
                {"value": SEED.to_uppercase(), "quality": 100, "labels": ["content:propaganda_image", "entity:group-a"], "source": "gifct", "external_id": "x1"},
                {"value": SEED, "labels": ["behaviour:recruitment"]},
                {"value": flipped(100)}
            ]})),
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.text);
    assert_eq!(added.json()["added"], 2);
    assert_eq!(added.json()["duplicates_merged"], 1);

    // Exact, near (30 bits) and at the threshold (31) match; 32 bits away does not.
    for (distance, expected) in [(0, 1), (30, 1), (31, 1), (32, 0)] {
        let result = match_pdq(&app, &reviewer, &flipped(distance), Some(90)).await;
        let matches = result["matches"].as_array().unwrap();
        assert_eq!(matches.len(), expected, "distance {distance}: {result}");
        if expected == 1 {
            assert_eq!(matches[0]["distance"], distance);
            assert_eq!(matches[0]["bank"], "known-pdq");
            assert_eq!(matches[0]["signal"], SEED);
            assert_eq!(matches[0]["labels"], json!(["content:propaganda_image", "entity:group-a"]));
            assert_eq!(matches[0]["auto_action"], false);
        }
    }
    // A low-quality query is answered, with a warning.
    let low = match_pdq(&app, &reviewer, SEED, Some(20)).await;
    assert_eq!(low["matches"].as_array().unwrap().len(), 1);
    assert!(low["warnings"][0].as_str().unwrap().contains("below bank known-pdq's minimum of 50"), "{low}");

    // Disabling the signal takes effect at once.
    let signal_id = low["matches"][0]["signal_id"].as_i64().unwrap();
    let forbidden = app
        .call(Method::PATCH, &format!("/v1/signals/{signal_id}"), Some(&reviewer), Some(json!({"enabled": false})))
        .await;
    assert_eq!(forbidden.status, 403);
    let disabled = app
        .call(Method::PATCH, &format!("/v1/signals/{signal_id}"), Some(&admin), Some(json!({"enabled": false})))
        .await;
    assert_eq!(disabled.status, 200, "{}", disabled.text);
    assert_eq!(match_pdq(&app, &reviewer, SEED, None).await["matches"], json!([]));
    app.call(Method::PATCH, &format!("/v1/signals/{signal_id}"), Some(&admin), Some(json!({"enabled": true}))).await;
    assert_eq!(match_pdq(&app, &reviewer, SEED, None).await["matches"].as_array().unwrap().len(), 1);

    // A tighter threshold applies at once; a disabled bank matches nothing.
    app.call(Method::PATCH, &format!("/v1/banks/{id}"), Some(&admin), Some(json!({"match_threshold": 10}))).await;
    assert_eq!(match_pdq(&app, &reviewer, &flipped(30), None).await["matches"], json!([]));
    app.call(Method::PATCH, &format!("/v1/banks/{id}"), Some(&admin), Some(json!({"enabled": false}))).await;
    let none = match_pdq(&app, &reviewer, SEED, None).await;
    assert_eq!(none["matches"], json!([]));
    assert!(none["warnings"][0].as_str().unwrap().contains("no enabled pdq bank"));

    // Matches are counted (by the sync worker's flush) and reviewers record verdicts.
    assert!(app_state_flush(&app).await);
    let feedback = app
        .call(
            Method::POST,
            &format!("/v1/signals/{signal_id}/feedback"),
            Some(&reviewer),
            Some(json!({"verdict": "false_positive"})),
        )
        .await;
    assert_eq!(feedback.status, 200, "{}", feedback.text);
    assert_eq!(feedback.json()["false_positive_count"], 1);
    let bad = app
        .call(
            Method::POST,
            &format!("/v1/signals/{signal_id}/feedback"),
            Some(&reviewer),
            Some(json!({"verdict": "meh"})),
        )
        .await;
    assert_eq!(bad.status, 400);

    // Export lists the signals, to those who may read them.
    let page = app.call(Method::GET, &format!("/v1/banks/{id}/signals"), Some(&reviewer), None).await.json();
    assert_eq!(page["signals"].as_array().unwrap().len(), 2);
    let viewer = app.token(app.operator.id, &[Role::Viewer]).await;
    assert_eq!(app.call(Method::GET, &format!("/v1/banks/{id}/signals"), Some(&viewer), None).await.status, 403);
});

backend_test!(file_import_is_all_or_nothing, |app| async move {
    let admin = app.token(app.operator.id, &[Role::Admin]).await;
    let bank = create_bank(&app, &admin, json!({"name": "imported", "signal_type": "pdq"})).await;
    let id = bank["id"].as_str().unwrap();
    let audit_before = app.audit_length().await;
    let import = |body: String, query: &'static str| {
        let request = Request::builder()
            .method(Method::POST)
            .uri(format!("/v1/banks/{id}/import{query}"))
            .header(header::AUTHORIZATION, format!("Bearer {admin}"))
            .header(header::CONTENT_TYPE, "text/csv")
            .body(Body::from(body))
            .unwrap();
        app.send(request)
    };
    let file = format!(
        "pdq,quality,labels\n{SEED},100,content:execution\n{},90\nnot-a-hash,10\n{},80,content:cats\n",
        flipped(40),
        flipped(80)
    );
    let refused: Reply = import(file.clone(), "").await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    let report = refused.json();
    assert_eq!(report["applied"], false);
    let lines: Vec<u64> =
        report["issues"].as_array().unwrap().iter().map(|issue| issue["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [4, 5]);
    assert_eq!(app.audit_length().await, audit_before, "nothing written");
    let listed = app.call(Method::GET, &format!("/v1/banks/{id}/signals"), Some(&admin), None).await.json();
    assert_eq!(listed["signals"], json!([]));

    let applied = import(file, "?skip_invalid=true&source=test-exchange").await;
    assert_eq!(applied.status, 200, "{}", applied.text);
    assert_eq!(applied.json()["added"], 2);
    let again = import(format!("{SEED}\n"), "").await;
    assert_eq!(again.json()["already_present"], 1);
    let listed = app.call(Method::GET, &format!("/v1/banks/{id}/signals"), Some(&admin), None).await.json();
    assert_eq!(listed["signals"][0]["source"], "test-exchange");
    assert_eq!(listed["signals"][0]["labels"], json!(["content:execution"]));
    // One audit event per import that wrote something.
    assert_eq!(app.audit_length().await, audit_before + 2);
});

backend_test!(exact_banks_and_bad_queries, |app| async move {
    let admin = app.token(app.operator.id, &[Role::Admin]).await;
    let md5_bank = create_bank(&app, &admin, json!({"name": "md5s", "signal_type": "md5"})).await;
    let url_bank = create_bank(&app, &admin, json!({"name": "urls", "signal_type": "url"})).await;
    let md5 = "d41d8cd98f00b204e9800998ecf8427e";
    app.call(
        Method::POST,
        &format!("/v1/banks/{}/signals", md5_bank["id"].as_str().unwrap()),
        Some(&admin),
        Some(json!({"signals": [{"value": md5}]})),
    )
    .await;
    app.call(
        Method::POST,
        &format!("/v1/banks/{}/signals", url_bank["id"].as_str().unwrap()),
        Some(&admin),
        Some(json!({"signals": [{"value": "https://Video.Example.net/watch?v=abc123#t=3"}]})),
    )
    .await;
    let reply = app
        .call(
            Method::POST,
            "/v1/match",
            Some(&admin),
            Some(json!({"queries": [
                {"type": "md5", "value": md5.to_uppercase()},
                {"type": "url", "value": "https://video.example.net:443/watch?v=abc123"},
                {"type": "url", "value": "https://video.example.net/watch?v=other"}
            ]})),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let results = reply.json()["results"].clone();
    assert_eq!(results[0]["matches"][0]["bank"], "md5s");
    assert_eq!(results[1]["matches"][0]["signal"], "https://video.example.net/watch?v=abc123");
    assert_eq!(results[2]["matches"], json!([]));

    for (body, field) in [
        (json!({"queries": [{"type": "pdq", "value": "abc"}]}), "queries[0].value"),
        (json!({"queries": [{"type": "tmk", "value": SEED}]}), "queries[0].type"),
        (json!({"queries": []}), "queries"),
        (json!({"queries": [{"type": "pdq", "value": SEED}], "banks": ["nope"]}), "banks"),
    ] {
        let reply = app.call(Method::POST, "/v1/match", Some(&admin), Some(body)).await;
        assert_eq!(reply.status, 400, "{}", reply.text);
        assert_eq!(reply.json()["errors"][0]["field"], field);
    }
    let bad_bank = app
        .call(
            Method::POST,
            "/v1/banks",
            Some(&admin),
            Some(json!({"name": "x y", "signal_type": "md5", "match_threshold": 5})),
        )
        .await;
    let fields: Vec<String> =
        bad_bank.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
    assert_eq!(fields, ["name", "match_threshold"]);
    let viewer = app.token(app.operator.id, &[Role::Viewer]).await;
    assert_eq!(
        app.call(Method::POST, "/v1/banks", Some(&viewer), Some(json!({"name": "v", "signal_type": "pdq"})))
            .await
            .status,
        403
    );
});

backend_test!(another_node_catches_up, |app| async move {
    let admin = app.token(app.operator.id, &[Role::Admin]).await;
    let bank = create_bank(&app, &admin, json!({"name": "shared", "signal_type": "pdq"})).await;
    // A second node on the same database, loaded before the signal exists.
    let other = vigie_server::AppState::load(app.store.clone(), vigie_server::ServerSettings::default()).await.unwrap();
    let query = [vigie_server::matching::Query::pdq(hex::decode(SEED).unwrap().try_into().unwrap(), None)];
    let reviewer = vigie_domain::access::Principal::reviewer_of(app.operator.id, true);
    let hits = async |engine: &vigie_server::matching::MatchEngine| {
        engine.lookup(&query, &reviewer, None).await.unwrap().remove(0).hits.len()
    };
    assert_eq!(hits(&other.engine).await, 0);
    app.call(
        Method::POST,
        &format!("/v1/banks/{}/signals", bank["id"].as_str().unwrap()),
        Some(&admin),
        Some(json!({"signals": [{"value": SEED}]})),
    )
    .await;
    // What its sync worker does every second:
    assert_eq!(other.engine.sync().await.unwrap(), 1);
    assert_eq!(hits(&other.engine).await, 1);
    assert_eq!(other.engine.sync().await.unwrap(), 0, "nothing applied twice");
});

backend_test!(uploaded_images_are_hashed_and_matched, |app| async move {
    let admin = app.token(app.operator.id, &[Role::Admin]).await;
    let bank = create_bank(&app, &admin, json!({"name": "images", "signal_type": "pdq"})).await;
    let image = synthetic_png(320, 200);
    let upload = |bytes: Vec<u8>, field: &'static str| {
        let boundary = "vigieboundary";
        let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n").into_bytes();
        body.extend(bytes);
        body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
        let request = Request::builder()
            .method(Method::POST)
            .uri("/v1/match/media")
            .header(header::AUTHORIZATION, format!("Bearer {admin}"))
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .body(Body::from(body))
            .unwrap();
        app.send(request)
    };
    let first = upload(image.clone(), "file").await;
    assert_eq!(first.status, 200, "{}", first.text);
    let media = first.json()["media"].clone();
    assert_eq!((media["width"].as_u64(), media["height"].as_u64()), (Some(320), Some(200)));
    assert_eq!(first.json()["results"][0]["matches"], json!([]));
    app.call(
        Method::POST,
        &format!("/v1/banks/{}/signals", bank["id"].as_str().unwrap()),
        Some(&admin),
        Some(json!({"signals": [{"value": media["pdq"]}]})),
    )
    .await;
    let second = upload(image, "file").await.json();
    assert_eq!(second["results"][0]["matches"][0]["distance"], 0);

    let broken = upload(b"\x89PNG\r\n\x1a\nnot really".to_vec(), "file").await;
    assert_eq!(broken.status, 400);
    assert_eq!(broken.json()["errors"][0]["field"], "file");
    let misnamed = upload(synthetic_png(10, 10), "image").await;
    assert_eq!(misnamed.status, 400);
    let neither = upload(b"plain text, neither an image nor a video".to_vec(), "file").await;
    assert_eq!(neither.status, 400, "{}", neither.text);
    assert_eq!(neither.json()["errors"][0]["field"], "file");
});

backend_test!(uploaded_videos_are_hashed_with_vpdq_and_matched, |app| async move {
    // Needs ffmpeg, as the media worker does: without it this fails (it does not skip).
    let admin = app.token(app.operator.id, &[Role::Admin]).await;
    let bank = create_bank(&app, &admin, json!({"name": "known-videos", "signal_type": "vpdq"})).await;
    let added = app
        .call(
            Method::POST,
            &format!("/v1/banks/{}/signals", bank["id"].as_str().unwrap()),
            Some(&admin),
            Some(json!({"signals": [{"value": expected_vpdq("chair-20-sd-bar"), "external_id": "chair-20"}]})),
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.text);
    let upload = |name: &str| {
        let path = format!("{}/../../testdata/vpdq/videos/{name}.mp4", env!("CARGO_MANIFEST_DIR"));
        let video = std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
        let boundary = "vigieboundary";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"v.mp4\"\r\n\
             Content-Type: video/mp4\r\n\r\n"
        )
        .into_bytes();
        body.extend(&video);
        body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
        let request = Request::builder()
            .method(Method::POST)
            .uri("/v1/match/media")
            .header(header::AUTHORIZATION, format!("Bearer {admin}"))
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .body(Body::from(body))
            .unwrap();
        (app.send(request), video)
    };
    // Another encoding of the known video: matched by the vPDQ rule.
    let (reply, video) = upload("chair-19-sd-bar");
    let reply = reply.await;
    assert_eq!(reply.status, 200, "{} (is ffmpeg installed?)", reply.text);
    let answer = reply.json();
    let media = &answer["media"];
    assert_eq!(media["media_type"], "video", "{answer}");
    assert!(media["vpdq_frames"].as_u64().unwrap() > 0, "{answer}");
    assert!(media["pdq"].is_null());
    assert_eq!(media["sha256"], vigie_hash::sha256_hex(&video));
    assert_eq!(answer["results"][0]["type"], "vpdq");
    let found = &answer["results"][0]["matches"][0];
    assert_eq!(found["bank"], "known-videos", "{answer}");
    assert!(found["query_matched_percent"].as_f64().unwrap() >= 80.0, "{found}");
    assert_eq!(answer["results"][1]["type"], "md5");
    assert_eq!(answer["results"][2]["type"], "sha256");
    // Its frames, as the answer gives them, are a value a vpdq bank takes.
    let frames = answer["results"][0]["value"].as_str().unwrap();
    let again = json!({"queries": [{"type": "vpdq", "value": frames}]});
    let again = app.call(Method::POST, "/v1/match", Some(&admin), Some(again)).await.json();
    assert_eq!(again["results"][0]["matches"][0]["bank"], "known-videos", "{again}");
    // An unrelated video matches nothing.
    let (reply, _) = upload("doorknob-hd-no-bar");
    let reply = reply.await.json();
    assert_eq!(reply["results"][0]["matches"], json!([]), "{reply}");
});

/// Flushes the match counters as the sync worker would, and says whether the seen count moved.
async fn app_state_flush(app: &TestApp) -> bool {
    app.state.engine.flush_hits().await.unwrap() > 0
}

/// A deterministic, synthetic picture (gradients and bands): never real content.
pub(crate) fn synthetic_png(width: u32, height: u32) -> Vec<u8> {
    let mut pixels = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            pixels.extend([(x * 255 / width) as u8, (y * 255 / height) as u8, (((x / 16) + (y / 16)) % 2 * 200) as u8]);
        }
    }
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&pixels, width, height, image::ExtendedColorType::Rgb8)
        .unwrap();
    png
}

use image::ImageEncoder;

pub(crate) fn expected_vpdq(name: &str) -> String {
    let path = format!("{}/../../testdata/vpdq/expected/{name}.txt", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error} (the reference data in testdata/)"))
}

backend_test!(video_banks_match_by_the_vpdq_rule, |app| async move {
    let admin = app.token(app.operator.id, &[Role::Admin]).await;
    let bank = create_bank(&app, &admin, json!({"name": "known-videos", "signal_type": "vpdq"})).await;
    let known = ["chair-19-sd-bar", "doorknob-hd-no-bar", "pattern-hd-no-bar"];
    let signals: Vec<Value> =
        known.iter().map(|name| json!({"value": expected_vpdq(name), "external_id": name})).collect();
    let added = app
        .call(
            Method::POST,
            &format!("/v1/banks/{}/signals", bank["id"].as_str().unwrap()),
            Some(&admin),
            Some(json!({"signals": signals})),
        )
        .await;
    assert_eq!(added.json()["added"], 3, "{}", added.text);
    let external_ids: std::collections::HashMap<i64, &str> = {
        let page = app
            .call(Method::GET, &format!("/v1/banks/{}/signals", bank["id"].as_str().unwrap()), Some(&admin), None)
            .await
            .json();
        page["signals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["id"].as_i64().unwrap(),
                    known[known.iter().position(|k| Some(*k) == s["external_id"].as_str()).unwrap()],
                )
            })
            .collect()
    };
    // (query video, the known video it must match, or none)
    for (query, expected) in [
        ("chair-20-sd-bar", Some("chair-19-sd-bar")),
        ("chair-22-sd-sepia-bar", Some("chair-19-sd-bar")),
        ("chair-22-with-small-logo-bar", Some("chair-19-sd-bar")),
        // SD copies with letterbox bars do not match HD originals without them under vPDQ,
        // with Meta's own hashes too: the frames differ by more than 31 bits.
        ("pattern-sd-grey-bar", None),
        ("doorknob-hd-no-bar", Some("doorknob-hd-no-bar")),
        ("pattern-longer-no-bar", None),
    ] {
        let body = json!({"queries": [{"type": "vpdq", "value": expected_vpdq(query)}]});
        let reply = app.call(Method::POST, "/v1/match", Some(&admin), Some(body)).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        let matches = reply.json()["results"][0]["matches"].as_array().unwrap().clone();
        let names: Vec<&str> = matches.iter().map(|m| external_ids[&m["signal_id"].as_i64().unwrap()]).collect();
        match expected {
            Some(name) => {
                assert_eq!(names.first(), Some(&name), "{query}: {matches:?}");
                assert!(matches[0]["query_matched_percent"].as_f64().unwrap() >= 80.0);
            }
            None => assert!(
                !names.contains(&"chair-19-sd-bar") && !names.contains(&"doorknob-hd-no-bar"),
                "{query}: {names:?}"
            ),
        }
        assert!(
            !names.iter().any(|name| name.starts_with("chair")) || query.starts_with("chair"),
            "{query} matched a chair video"
        );
    }
    // Disabling a video signal removes all its frames from the index at once.
    let chair = external_ids.iter().find(|(_, name)| **name == "chair-19-sd-bar").map(|(id, _)| *id).unwrap();
    app.call(Method::PATCH, &format!("/v1/signals/{chair}"), Some(&admin), Some(json!({"enabled": false}))).await;
    let body = json!({"queries": [{"type": "vpdq", "value": expected_vpdq("chair-20-sd-bar")}]});
    let reply = app.call(Method::POST, "/v1/match", Some(&admin), Some(body)).await.json();
    assert_eq!(reply["results"][0]["matches"], json!([]));
});
