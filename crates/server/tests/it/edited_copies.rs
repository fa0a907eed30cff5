//! Edited copies of known images (issue 16): an upload or a submitted image is looked up
//! through its rotations and flips, its trimmed picture and its main region; each match says
//! `via` which, each signal is reported once, and `exact_only` gives plain PDQ.

use axum::body::Body;
use axum::http::{Method, Request, header};
use image::{Rgb, RgbImage, imageops};
use serde_json::{Value, json};
use vigie_domain::access::Role;

use crate::intake::{drain_media, multipart, post_multipart};
use crate::support::{TestApp, backend_test};

/// A synthetic picture with structure at every scale, no two halves alike.
fn original() -> RgbImage {
    RgbImage::from_fn(320, 240, |x, y| {
        let (fx, fy) = (x as f32 / 320.0, y as f32 / 240.0);
        let value = 128.0
            + 60.0 * (fx * 8.0 + fy * 3.0).sin()
            + 40.0 * (fy * 12.0 - fx * 5.0).cos()
            + 25.0 * (fx * fy * 24.0).sin();
        let v = value.clamp(0.0, 255.0) as u8;
        Rgb([v, v.wrapping_add((x / 9) as u8), 255 - v])
    })
}

fn png(image: &RgbImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    image.write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png).unwrap();
    bytes
}

fn letterboxed(image: &RgbImage) -> RgbImage {
    let mut out = RgbImage::from_pixel(image.width(), image.height() + 80, Rgb([0, 0, 0]));
    imageops::replace(&mut out, image, 0, 40);
    out
}

async fn match_upload(app: &TestApp, token: &str, bytes: &[u8], exact_only: Option<&str>) -> Value {
    let boundary = "vigieboundary";
    let mut body = Vec::new();
    if let Some(value) = exact_only {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"exact_only\"\r\n\r\n{value}\r\n").bytes(),
        );
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\
             Content-Type: image/png\r\n\r\n"
        )
        .bytes(),
    );
    body.extend(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").bytes());
    let request = Request::builder()
        .method(Method::POST)
        .uri("/v1/match/media")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .unwrap();
    let reply = app.send(request).await;
    if exact_only == Some("maybe") {
        assert_eq!(reply.status, 400, "{}", reply.text);
        assert_eq!(reply.json()["errors"][0]["field"], "exact_only");
        return Value::Null;
    }
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()
}

async fn pdq_bank(app: &TestApp, admin: &str, name: &str, values: &[String]) -> String {
    let created =
        app.call(Method::POST, "/v1/banks", Some(admin), Some(json!({"name": name, "signal_type": "pdq"}))).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    if values.is_empty() {
        return id;
    }
    let signals: Vec<Value> =
        values.iter().map(|value| json!({"value": value, "labels": ["content:propaganda_image"]})).collect();
    let added = app
        .call(Method::POST, &format!("/v1/banks/{id}/signals"), Some(admin), Some(json!({"signals": signals})))
        .await;
    assert_eq!(added.status, 200, "{}", added.text);
    id
}

fn pdq_of(image: &RgbImage) -> String {
    vigie_hash::hash_rgb(image.width(), image.height(), image.as_raw()).unwrap().hash.to_hex()
}

backend_test!(edited_copies_of_a_known_image_are_found_and_say_how, |app| async move {
    let admin = app.token(app.operator.id, &[Role::Admin]).await;
    let known = original();
    pdq_bank(&app, &admin, "known-images", &[pdq_of(&known)]).await;

    let cases = [
        (imageops::rotate90(&known), "rotate90"),
        (imageops::rotate180(&known), "rotate180"),
        (imageops::flip_horizontal(&known), "mirror"),
        (letterboxed(&known), "trimmed"),
        (known.clone(), "identity"),
    ];
    for (copy, via) in &cases {
        let answer = match_upload(&app, &admin, &png(copy), None).await;
        let pdq = &answer["results"][0];
        assert_eq!(pdq["type"], "pdq");
        let matches = pdq["matches"].as_array().unwrap();
        assert_eq!(matches.len(), 1, "{via}: one signal, reported once: {answer}");
        assert_eq!(matches[0]["via"], *via, "{answer}");
        assert!(matches[0]["distance"].as_u64().unwrap() <= 31, "{answer}");
        assert!(answer["media"]["variants"].as_u64().unwrap() >= 7, "{answer}");
        // The image's own hash stays the reference's, whatever else is looked up.
        assert_eq!(answer["media"]["pdq"], pdq_of(copy));

        let exact = match_upload(&app, &admin, &png(copy), Some("true")).await;
        assert_eq!(exact["media"]["variants"], 0, "{exact}");
        let exact_matches = exact["results"][0]["matches"].as_array().unwrap();
        if *via == "identity" {
            assert_eq!(exact_matches[0]["via"], "identity");
        } else {
            assert!(exact_matches.is_empty(), "{via}: plain PDQ does not find it: {exact}");
        }
    }
    match_upload(&app, &admin, &png(&known), Some("maybe")).await;

    // A hash sent as text has no variants: it matches as it is.
    let rotated = pdq_of(&imageops::rotate90(&known));
    let text = json!({"queries": [{"type": "pdq", "value": rotated}]});
    let answer = app.call(Method::POST, "/v1/match", Some(&admin), Some(text)).await.json();
    assert_eq!(answer["results"][0]["matches"], json!([]), "{answer}");
});

backend_test!(a_symmetric_image_found_through_several_variants_is_one_match, |app| async move {
    let admin = app.token(app.operator.id, &[Role::Admin]).await;
    // Mirror-symmetric: its own hash and its mirrored hash both reach the signal.
    let half = original();
    let symmetric = RgbImage::from_fn(320, 240, |x, y| *half.get_pixel(x.min(319 - x), y));
    pdq_bank(&app, &admin, "symmetric", &[pdq_of(&symmetric)]).await;
    let answer = match_upload(&app, &admin, &png(&symmetric), None).await;
    let matches = answer["results"][0]["matches"].as_array().unwrap();
    assert_eq!(matches.len(), 1, "{answer}");
    assert_eq!((matches[0]["distance"].as_u64(), matches[0]["via"].as_str()), (Some(0), Some("identity")));
});

backend_test!(submitted_edited_copies_are_identified_with_how_they_were_found, |app| async move {
    let admin = app.token(app.operator.id, &[Role::Admin]).await;
    let partner = app.organisation("Partner Platform", "platform").await;
    let sender = app.token(partner.id, &[Role::Referrer]).await;
    let known = original();
    pdq_bank(&app, &admin, "known-images", &[pdq_of(&known)]).await;
    let copy = png(&imageops::rotate270(&letterboxed(&known)));
    let report = json!({"kind": "user_report", "category": "propaganda", "url": "https://img.example.net/p/1",
        "seen_where": "video_platform"});
    let sent = post_multipart(&app, "/v1/submissions", &sender, multipart(Some(&report), &[("a.png", &copy)])).await;
    assert_eq!(sent.status, 201, "{}", sent.text);
    let sent = sent.json();
    drain_media(&app).await;
    let case = app
        .call(Method::GET, &format!("/v1/cases/{}", sent["case_id"].as_str().unwrap()), Some(&admin), None)
        .await
        .json();
    let pdq: Vec<&Value> =
        case["matches"].as_array().unwrap().iter().filter(|found| found["signal_type"] == "pdq").collect();
    assert_eq!(pdq.len(), 1, "{case}");
    assert_eq!(pdq[0]["via"], "trimmed+rotate270", "{case}");
    let sha256 = vigie_hash::sha256_hex(&copy);
    let stored = app.store.find_media(&sha256).await.unwrap().unwrap();
    assert!(stored.pdq_variants.as_deref().is_some_and(|text| text.contains("trimmed:")), "{stored:?}");
});

async fn add_media(
    app: &TestApp,
    token: &str,
    bank: &str,
    files: &[(&str, Vec<u8>)],
    label: &str,
) -> crate::support::Reply {
    let boundary = "vigieboundary";
    let mut body =
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"label\"\r\n\r\n{label}\r\n").into_bytes();
    for (name, bytes) in files {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
                 Content-Type: image/png\r\n\r\n"
            )
            .bytes(),
        );
        body.extend(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").bytes());
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("/v1/banks/{bank}/media"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .unwrap();
    app.send(request).await
}

backend_test!(images_added_to_a_bank_find_their_edited_copies, |app| async move {
    let admin = app.token(app.operator.id, &[Role::Admin]).await;
    let bank = pdq_bank(&app, &admin, "added-images", &[]).await;
    let known = original();
    let before = app.audit_length().await;

    // A file that is not an image: refused, naming the field, and nothing added.
    let refused = add_media(
        &app,
        &admin,
        &bank,
        &[("a.png", png(&known)), ("b.png", b"not an image".to_vec())],
        "content:propaganda_image",
    )
    .await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert_eq!(refused.json()["errors"][0]["field"], "file");
    assert_eq!(app.audit_length().await, before, "nothing written");

    let files = [("a.png", png(&known)), ("again.png", png(&known))];
    let added = add_media(&app, &admin, &bank, &files, "content:propaganda_image").await;
    assert_eq!(added.status, 200, "{}", added.text);
    let images = added.json()["images"].clone();
    assert_eq!(images[0]["pdq"], pdq_of(&known), "{images}");
    assert_eq!((images[0]["added"].as_bool(), images[1]["added"].as_bool()), (Some(true), Some(false)), "{images}");
    assert_eq!(images[0]["signal_id"], images[1]["signal_id"]);
    assert_eq!(app.audit_length().await, before + 1, "one audited import");
    let signals = app.call(Method::GET, &format!("/v1/banks/{bank}/signals"), Some(&admin), None).await.json();
    assert_eq!(signals["signals"].as_array().map(Vec::len), Some(1), "{signals}");
    assert_eq!(signals["signals"][0]["external_id"], "a.png", "{signals}");

    // Matched at once, through its variants.
    let answer = match_upload(&app, &admin, &png(&imageops::rotate180(&known)), None).await;
    assert_eq!(answer["results"][0]["matches"][0]["signal_id"], images[0]["signal_id"], "{answer}");
    assert_eq!(answer["results"][0]["matches"][0]["via"], "rotate180");
    assert_eq!(answer["results"][0]["matches"][0]["labels"], json!(["content:propaganda_image"]));

    // A bank of another type takes no images.
    let md5 =
        app.call(Method::POST, "/v1/banks", Some(&admin), Some(json!({"name": "digests", "signal_type": "md5"}))).await;
    let md5 = md5.json()["id"].as_str().unwrap().to_owned();
    let wrong = add_media(&app, &admin, &md5, &[("a.png", png(&known))], "content:propaganda_image").await;
    assert_eq!(wrong.status, 400, "{}", wrong.text);
    let why = "bank \"digests\" holds md5 signals; images are added to a pdq bank";
    assert_eq!(wrong.json()["errors"], json!([{"field": "file", "message": why}]), "the bank and its type named");
    let bad_label = add_media(&app, &admin, &bank, &[("a.png", png(&known))], "nonsense").await;
    assert_eq!(bad_label.status, 400, "{}", bad_label.text);
    assert_eq!(bad_label.json()["errors"][0]["field"], "label");
});
