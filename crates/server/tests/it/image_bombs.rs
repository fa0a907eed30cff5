//! Decompression bombs posted as media, through the API and the public form: an ICC profile
//! that inflates to 64 MiB is not inflated (the image is hashed), an image that would have to
//! be held whole beyond the memory limit is refused from its header with an error naming the
//! file, and nothing of a refused upload is kept.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use image::ImageEncoder;
use serde_json::json;
use vigie_domain::access::Role;

use crate::intake::multipart;
use crate::support::{Reply, TestApp, backend_test};

fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 == 1 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
        }
    }
    !c
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc_input = kind.to_vec();
    crc_input.extend_from_slice(data);
    out.extend_from_slice(&crc32(&crc_input).to_be_bytes());
    out
}

/// A 1x1 PNG carrying a 64 MiB ICC profile of zeros, which the encoder compresses to a few
/// dozen KB: the bomb, smaller.
fn icc_bomb() -> Vec<u8> {
    let mut png = Vec::new();
    let mut encoder = image::codecs::png::PngEncoder::new(&mut png);
    encoder.set_icc_profile(vec![0; 64 << 20]).unwrap();
    encoder.write_image(&[10, 20, 30], 1, 1, image::ExtendedColorType::Rgb8).unwrap();
    assert!(png.len() < 1 << 20, "{}", png.len());
    png
}

/// The header of a 9999x9999 interlaced 16-bit RGBA PNG (held whole, it takes 300 MB even
/// narrowed to 8-bit RGB), with a token image data chunk: 70 bytes.
fn interlaced_giant() -> Vec<u8> {
    let mut ihdr = 9999u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&9999u32.to_be_bytes());
    ihdr.extend_from_slice(&[16, 6, 0, 0, 1]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &ihdr));
    png.extend(chunk(b"IDAT", b"\x78\x9c\x03\x00\x00\x00\x00\x01"));
    png.extend(chunk(b"IEND", b""));
    png
}

async fn post_media(app: &TestApp, token: &str, name: &str, bytes: &[u8]) -> Reply {
    let report = json!({"kind": "user_report", "category": "propaganda", "url": format!("https://img.example/{name}"),
        "seen_where": "video_platform"});
    let request = Request::builder()
        .method(Method::POST)
        .uri("/v1/submissions")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "multipart/form-data; boundary=intakeboundary")
        .body(Body::from(multipart(Some(&report), &[(name, bytes)])))
        .unwrap();
    app.send(request).await
}

backend_test!(image_bombs_sent_through_the_api, |app| async move {
    let unit = app.organisation("PHAROS", "referral_unit").await;
    let token = app.token(unit.id, &[Role::Referrer]).await;

    let bomb = icc_bomb();
    let reply = post_media(&app, &token, "icc.png", &bomb).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let media = app.store.find_media(&vigie_hash::sha256_hex(&bomb)).await.unwrap().expect("stored");
    assert!(media.pdq.is_some(), "hashed while received, its profile never inflated");

    let audit_before = app.audit_length().await;
    let giant = interlaced_giant();
    let reply = post_media(&app, &token, "giant.png", &giant).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    let problem = reply.json();
    let error = &problem["errors"][0];
    assert_eq!(error["field"], "media[0]", "{problem}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("too much memory") && message.contains("9999x9999 interlaced PNG"), "{message}");
    assert!(app.store.find_media(&vigie_hash::sha256_hex(&giant)).await.unwrap().is_none());
    assert!(!app.state.intake.media.path_of(&vigie_hash::sha256_hex(&giant)).exists(), "refused file kept");
    assert_eq!(app.audit_length().await, audit_before);
});

/// What a browser does: opens the form (a CSRF cookie and the same token in a field), then
/// posts it with the file.
async fn report_with_file(app: &TestApp, name: &str, bytes: &[u8]) -> Reply {
    let page = app.send(Request::builder().uri("/report").body(Body::empty()).unwrap()).await;
    let cookie = page.headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    let marker = "name=\"csrf\" value=\"";
    let at = page.text.find(marker).expect("CSRF field") + marker.len();
    let csrf = page.text[at..at + 64].to_owned();
    let boundary = "bomb-boundary";
    let mut body = Vec::new();
    for (field, value) in [("csrf", csrf.as_str()), ("category", "propaganda"), ("url", "https://v.example.net/bomb")] {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n").bytes(),
        );
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"media\"; filename=\"{name}\"\r\n\
             Content-Type: image/png\r\n\r\n"
        )
        .bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").bytes());
    let request = Request::builder()
        .method(Method::POST)
        .uri("/report")
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .unwrap();
    app.send(request).await
}

backend_test!(image_bombs_sent_through_the_public_form, |app| async move {
    let giant = interlaced_giant();
    let audit_before = app.audit_length().await;
    let reply = report_with_file(&app, "giant.png", &giant).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert!(reply.text.contains("the image cannot be read"), "{}", reply.text);
    assert_eq!(app.audit_length().await, audit_before, "nothing stored");
    assert!(!app.state.intake.media.path_of(&vigie_hash::sha256_hex(&giant)).exists());

    let bomb = icc_bomb();
    let reply = report_with_file(&app, "icc.png", &bomb).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let media = app.store.find_media(&vigie_hash::sha256_hex(&bomb)).await.unwrap().expect("stored");
    assert!(media.pdq.is_some(), "hashed while received");
});
