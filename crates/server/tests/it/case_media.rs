//! Reported media as reviewers see them (issue 14, "media without harm"): pictures made by
//! Vigie, protected until revealed, as each reviewer chose; videos as strips of frames and
//! muted copies; the original only as an audited attachment; every route checked.
//! Media are synthetic (made here) or Meta's reference videos from `testdata/`.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use image::ImageEncoder;
use serde_json::json;
use vigie_domain::access::Role;
use vigie_server::ServerSettings;
use vigie_server::renditions::playback::PlaybackSettings;

use crate::console::{Browser, csrf_of, user_with_password};
use crate::intake::{drain_media, multipart, post_multipart};
use crate::support::{Reply, TestApp, backend_test};

/// What a sender hides in a file besides its pixels; never in anything Vigie serves but the
/// original.
const PLANTED: &[u8] = b"planted-by-the-sender";

/// A synthetic 200x150 colour picture with fine detail (light and dark stripes two pixels
/// wide over gradients), as PNG carrying a text chunk, and its pixels.
fn striped_picture() -> (Vec<u8>, image::RgbImage) {
    let picture = image::RgbImage::from_fn(200, 150, |x, y| {
        if (x / 2) % 2 == 0 { image::Rgb([240, 220, (y % 256) as u8]) } else { image::Rgb([20, (x % 100) as u8, 90]) }
    });
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(picture.as_raw(), 200, 150, image::ExtendedColorType::Rgb8)
        .unwrap();
    // A tEXt chunk right after the header (8-byte signature, 25-byte IHDR chunk).
    let mut text = b"Comment\0".to_vec();
    text.extend_from_slice(PLANTED);
    let mut chunk = (text.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(b"tEXt");
    chunk.extend_from_slice(&text);
    chunk.extend_from_slice(&crc32(&chunk[4..]).to_be_bytes());
    png.splice(33..33, chunk);
    (png, picture)
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { 0xEDB8_8320 ^ (crc >> 1) } else { crc >> 1 };
        }
    }
    !crc
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

/// A platform with a reviewer (token) and a referral unit that reports a file to it.
struct Setup {
    platform: vigie_domain::organisation::Organisation,
    reviewer: String,
    sender: String,
    case_id: String,
    sha256: String,
}

async fn report(app: &TestApp, name: &str, bytes: &[u8]) -> Setup {
    let platform = app.organisation("Videoshare", "platform").await;
    let unit = app.organisation("PHAROS", "referral_unit").await;
    let reviewer = app.token(platform.id, &[Role::Reviewer]).await;
    let sender = app.token(unit.id, &[Role::Referrer]).await;
    let submission = json!({"kind": "referral", "urls": ["https://videoshare.example/v/1"], "platform": platform.id.0,
                            "explanation": "Propaganda.", "deconfliction": "cleared"});
    let reply = post_multipart(app, "/v1/submissions", &sender, multipart(Some(&submission), &[(name, bytes)])).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    drain_media(app).await;
    let case_id = reply.json()["case_id"].as_str().unwrap().to_owned();
    Setup { platform, reviewer, sender, case_id, sha256: vigie_hash::sha256_hex(bytes) }
}

fn decode_png(reply: &Reply) -> image::RgbImage {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.headers[header::CONTENT_TYPE], "image/png");
    image::load_from_memory_with_format(&reply.bytes, image::ImageFormat::Png).expect("a PNG").to_rgb8()
}

/// The headers every media response carries.
fn assert_media_headers(reply: &Reply) {
    assert_eq!(reply.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(reply.headers[header::CACHE_CONTROL], "private, no-store");
    assert_eq!(reply.headers[header::CONTENT_SECURITY_POLICY], "sandbox; default-src 'none'");
}

fn is_grey(image: &image::RgbImage) -> bool {
    image.pixels().all(|p| p[0] == p[1] && p[1] == p[2])
}

/// The largest difference between neighbouring pixels along rows: how much fine detail is left.
fn sharpest_step(image: &image::RgbImage) -> u8 {
    let mut sharpest = 0;
    for y in 0..image.height() {
        for x in 1..image.width() {
            let (a, b) = (image.get_pixel(x - 1, y), image.get_pixel(x, y));
            sharpest = sharpest.max((0..3).map(|c| a[c].abs_diff(b[c])).max().unwrap());
        }
    }
    sharpest
}

backend_test!(reviewers_see_protected_pictures_made_by_vigie, |app| async move {
    let (upload, original) = striped_picture();
    let setup = report(&app, "picture.png", &upload).await;
    let base = format!("/v1/cases/{}/media/{}", setup.case_id, setup.sha256);

    let protected = app.call(Method::GET, &format!("{base}/preview"), Some(&setup.reviewer), None).await;
    assert_media_headers(&protected);
    assert!(protected.bytes != upload && !contains(&protected.bytes, PLANTED), "the uploaded bytes are never served");
    let protected = decode_png(&protected);
    assert_eq!(protected.dimensions(), (200, 150));
    assert!(is_grey(&protected), "protected pictures are greyscale");
    assert!(sharpest_step(&protected) < 10, "the blur leaves no stripe: {}", sharpest_step(&protected));

    let clear = app.call(Method::GET, &format!("{base}/preview?view=clear"), Some(&setup.reviewer), None).await;
    assert_media_headers(&clear);
    assert!(clear.bytes != upload && !contains(&clear.bytes, PLANTED), "the revealed picture is re-encoded too");
    assert_eq!(decode_png(&clear), original, "revealed: the decoded pixels (no larger than 480, so not scaled)");

    // Anything but `protected` or `clear` is refused, naming the field; so is a bad digest.
    let bad = app.call(Method::GET, &format!("{base}/preview?view=raw"), Some(&setup.reviewer), None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
    let digest = format!("/v1/cases/{}/media/{}/preview?view=clear", setup.case_id, "Z".repeat(64));
    let bad = app.call(Method::GET, &digest, Some(&setup.reviewer), None).await;
    assert_eq!(bad.json()["errors"][0]["field"], "sha256", "{}", bad.text);
    // Media the case does not hold, and a video's routes on an image.
    let elsewhere = format!("/v1/cases/{}/media/{}/preview?view=clear", setup.case_id, "a".repeat(64));
    assert_eq!(app.call(Method::GET, &elsewhere, Some(&setup.reviewer), None).await.status, StatusCode::NOT_FOUND);
    let play = app.call(Method::GET, &format!("{base}/play.mp4"), Some(&setup.reviewer), None).await;
    assert_eq!(play.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", play.text);
    let strip = app.call(Method::GET, &format!("{base}/frames"), Some(&setup.reviewer), None).await.json();
    assert_eq!(strip, json!({"media_type": "image", "frames": []}));
    // The renditions are cached beside the media.
    let cached = app.state.intake.media.renditions_dir(&setup.sha256);
    assert!(cached.join("preview-blur-grey.png").is_file() && cached.join("preview-clear.png").is_file());
});

backend_test!(only_the_platforms_reviewers_see_its_media, |app| async move {
    let (upload, _) = striped_picture();
    let setup = report(&app, "picture.png", &upload).await;
    let other_platform = app.organisation("Other platform", "platform").await;
    let other_reviewer = app.token(other_platform.id, &[Role::Reviewer]).await;
    let own_referrer = app.token(setup.platform.id, &[Role::Referrer]).await;
    let operator_reviewer = app.token(app.operator.id, &[Role::Reviewer]).await;
    let base = format!("/v1/cases/{}/media/{}", setup.case_id, setup.sha256);
    for suffix in ["/preview", "/preview?view=clear", "/frames", "/frames/0?view=clear", "/play.mp4", "/download"] {
        let path = format!("{base}{suffix}");
        let status = |token: String| {
            let (app, path) = (&app, path.clone());
            async move { app.call(Method::GET, &path, Some(&token), None).await.status }
        };
        assert_eq!(status(other_reviewer.clone()).await, StatusCode::NOT_FOUND, "{suffix}: another platform's");
        assert_eq!(status(setup.sender.clone()).await, StatusCode::NOT_FOUND, "{suffix}: the sender");
        assert_eq!(status(own_referrer.clone()).await, StatusCode::FORBIDDEN, "{suffix}: no ReadCases");
        assert_eq!(app.call(Method::GET, &path, None, None).await.status, StatusCode::UNAUTHORIZED, "{suffix}");
    }
    // The operator's reviewers see every platform's cases.
    let seen = app.call(Method::GET, &format!("{base}/preview"), Some(&operator_reviewer), None).await;
    assert_eq!(seen.status, StatusCode::OK);
});

backend_test!(the_original_is_an_audited_attachment, |app| async move {
    let (upload, _) = striped_picture();
    let setup = report(&app, "picture.png", &upload).await;
    let referrer = app.token(setup.platform.id, &[Role::Referrer]).await;
    let before = app.audit_length().await;
    let path = format!("/v1/cases/{}/media/{}/download", setup.case_id, setup.sha256);
    let download = app.call(Method::GET, &path, Some(&setup.reviewer), None).await;
    assert_eq!(download.status, StatusCode::OK, "{}", download.text);
    assert!(download.bytes == upload && contains(&download.bytes, PLANTED), "the original, as received");
    assert_eq!(download.headers[header::CONTENT_TYPE], "application/octet-stream");
    let disposition = download.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(disposition.starts_with("attachment;") && disposition.contains(&setup.sha256), "{disposition}");
    assert_media_headers(&download);
    assert_eq!(app.audit_length().await, before + 1, "one event per download");
    let page = app.store.list_audit_events(Some(setup.platform.id), None, 5).await.unwrap();
    let event = &page.events[0].record;
    assert_eq!((event.action.as_str(), event.subject_type.as_str()), ("media.download", "case"));
    assert_eq!(event.subject_id, setup.case_id);
    assert!(event.details.contains(&setup.sha256), "{}", event.details);
    // Refused downloads record nothing.
    assert_eq!(app.call(Method::GET, &path, Some(&referrer), None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.audit_length().await, before + 1);
});

backend_test!(preferences_round_trip_and_apply_to_protected_pictures, |app| async move {
    let (upload, original) = striped_picture();
    let setup = report(&app, "picture.png", &upload).await;
    let colleague = app.token(setup.platform.id, &[Role::Reviewer]).await;
    let mine = app.call(Method::GET, "/v1/me/preferences", Some(&setup.reviewer), None).await;
    assert_eq!(mine.json(), json!({"media": {"blur": true, "greyscale": true}}), "protected until chosen otherwise");
    let before = app.audit_length().await;
    let wanted = json!({"media": {"blur": false, "greyscale": true}});
    let saved = app.call(Method::PUT, "/v1/me/preferences", Some(&setup.reviewer), Some(wanted.clone())).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    assert_eq!(saved.json(), wanted);
    assert_eq!(app.audit_length().await, before + 1);
    assert_eq!(app.call(Method::GET, "/v1/me/preferences", Some(&setup.reviewer), None).await.json(), wanted);
    // Another token keeps its own.
    let theirs = app.call(Method::GET, "/v1/me/preferences", Some(&colleague), None).await.json();
    assert_eq!(theirs["media"]["blur"], true);
    // Protected now means greyscale without blur, for this reviewer only.
    let path = format!("/v1/cases/{}/media/{}/preview", setup.case_id, setup.sha256);
    let grey = decode_png(&app.call(Method::GET, &path, Some(&setup.reviewer), None).await);
    assert!(is_grey(&grey) && sharpest_step(&grey) > 50, "greyscale, stripes still sharp");
    let luma = |p: &image::Rgb<u8>| {
        ((299 * u32::from(p[0]) + 587 * u32::from(p[1]) + 114 * u32::from(p[2]) + 500) / 1000) as u8
    };
    assert_eq!(grey.get_pixel(10, 10)[0], luma(original.get_pixel(10, 10)));
    let blurred = decode_png(&app.call(Method::GET, &path, Some(&colleague), None).await);
    assert!(sharpest_step(&blurred) < 10);
    // Bad bodies: a field missing, a field unknown.
    for body in [json!({"media": {"blur": false}}), json!({"media": {"blur": false, "greyscale": true, "sepia": true}})]
    {
        let refused = app.call(Method::PUT, "/v1/me/preferences", Some(&setup.reviewer), Some(body)).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    }
    assert_eq!(app.audit_length().await, before + 1);
});

/// Meta's sample video (a doorknob, 4 s).
fn sample_video() -> Vec<u8> {
    let path = format!("{}/../../testdata/vpdq/videos/doorknob-hd-no-bar.mp4", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn videos_get_a_strip_while_hashed_and_play_muted() {
    for backend in vigie_store::testing::backends() {
        // Long enough a wait that the first request gets the copy (a 4-second clip).
        let playback = PlaybackSettings { wait: Duration::from_secs(120), ..PlaybackSettings::default() };
        let app = TestApp::spawn_with(backend, ServerSettings { playback, ..ServerSettings::default() }).await;
        let video = sample_video();
        let setup = report(&app, "clip.mp4", &video).await;
        let base = format!("/v1/cases/{}/media/{}", setup.case_id, setup.sha256);

        // Frames were kept while hashing (CI installs ffmpeg: this does not skip).
        let strip = app.call(Method::GET, &format!("{base}/frames"), Some(&setup.reviewer), None).await.json();
        let frames = strip["frames"].as_array().unwrap_or_else(|| panic!("{strip}"));
        assert!(frames.len() >= 4, "a strip of frames (is ffmpeg installed?): {strip}");
        let on_disk = app.state.intake.media.frames_dir(&setup.sha256);
        assert!(on_disk.join("0.png").is_file() && on_disk.join("strip.txt").is_file());
        let times: Vec<f64> = frames.iter().map(|frame| frame["seconds"].as_f64().unwrap()).collect();
        assert!(times.windows(2).all(|pair| pair[0] < pair[1]), "{times:?}");

        let protected = app.call(Method::GET, &format!("{base}/frames/0"), Some(&setup.reviewer), None).await;
        assert_media_headers(&protected);
        let protected = decode_png(&protected);
        assert!(is_grey(&protected));
        assert!(protected.width().max(protected.height()) <= 480);
        let clear = decode_png(
            &app.call(Method::GET, &format!("{base}/frames/0?view=clear"), Some(&setup.reviewer), None).await,
        );
        assert_eq!(clear.dimensions(), protected.dimensions());
        assert!(!is_grey(&clear), "the revealed frame is in colour");
        let missing = app.call(Method::GET, &format!("{base}/frames/99?view=clear"), Some(&setup.reviewer), None).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        let preview = app.call(Method::GET, &format!("{base}/preview"), Some(&setup.reviewer), None).await;
        assert_eq!(preview.status, StatusCode::UNPROCESSABLE_ENTITY, "a video has frames, not a preview");

        // Played on request: a muted copy made by ffmpeg, not the uploaded bytes.
        let played = app.call(Method::GET, &format!("{base}/play.mp4"), Some(&setup.reviewer), None).await;
        assert_eq!(played.status, StatusCode::OK, "{}", played.text);
        assert_eq!(played.headers[header::CONTENT_TYPE], "video/mp4");
        assert_media_headers(&played);
        assert!(played.bytes != video, "a copy, not the uploaded bytes");
        assert_eq!(&played.bytes[4..8], b"ftyp", "an MP4");
        // Byte ranges, for seeking.
        let request = Request::get(format!("{base}/play.mp4"))
            .header(header::AUTHORIZATION, format!("Bearer {}", setup.reviewer))
            .header(header::RANGE, "bytes=0-99")
            .body(Body::empty())
            .unwrap();
        let part = app.send(request).await;
        assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
        assert!(part.bytes == played.bytes[..100], "the first 100 bytes");
        assert_eq!(part.headers[header::CONTENT_RANGE], format!("bytes 0-99/{}", played.bytes.len()));

        // In the console: the case page shows the strip, protected, and links to the player.
        let email = "reviewer@videoshare.example";
        user_with_password(&app, setup.platform.id, email, "Rita", &["reviewer"], "a long reviewer password").await;
        let mut browser = Browser::new(&app);
        browser.log_in(email, "a long reviewer password").await;
        let console = format!("/console/cases/{}/media/{}", setup.case_id, setup.sha256);
        let page = browser.get(&format!("/console/cases/{}", setup.case_id)).await;
        assert!(page.text.contains(&format!("src=\"{console}/frames/0\"")), "{}", page.text);
        assert!(page.text.contains(&format!("data-clear=\"{console}/frames/0?view=clear\"")));
        assert!(page.text.contains(&format!("href=\"{console}/play\"")));
        let player = browser.get(&format!("{console}/play")).await;
        assert_eq!(player.status, StatusCode::OK);
        assert!(player.text.contains("<video class=\"reported\" controls muted"), "{}", player.text);
        assert!(player.text.contains(&format!("src=\"{console}/play.mp4\"")));
        let csp = player.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("media-src 'self'"), "{csp}");
        assert_media_headers(&browser.get(&format!("{console}/play.mp4")).await);
    }
}

backend_test!(the_console_shows_protected_media_and_asks_before_downloading, |app| async move {
    let (upload, _) = striped_picture();
    let setup = report(&app, "picture.png", &upload).await;
    let email = "reviewer@videoshare.example";
    user_with_password(&app, setup.platform.id, email, "Rita Reviewer", &["reviewer"], "a long reviewer password")
        .await;
    let mut browser = Browser::new(&app);
    browser.log_in(email, "a long reviewer password").await;
    let base = format!("/console/cases/{}/media/{}", setup.case_id, setup.sha256);

    // The case page shows the protected picture, the clear one only on request.
    let page = browser.get(&format!("/console/cases/{}", setup.case_id)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains(&format!("src=\"{base}/preview\"")), "{}", page.text);
    assert!(page.text.contains(&format!("data-clear=\"{base}/preview?view=clear\"")), "{}", page.text);
    let protected = browser.get(&format!("{base}/preview")).await;
    assert_media_headers(&protected);
    assert!(is_grey(&decode_png(&protected)));
    let clear = browser.get(&format!("{base}/preview?view=clear")).await;
    assert!(!is_grey(&decode_png(&clear)));

    // Downloading: a confirmation first, then a CSRF-checked form, recorded.
    let confirm = browser.get(&format!("{base}/download")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.text.contains("audit trail"), "{}", confirm.text);
    let before = app.audit_length().await;
    let forged = browser.post(&format!("{base}/download"), &[("csrf", "forged")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(app.audit_length().await, before);
    let download = browser.post(&format!("{base}/download"), &[("csrf", &csrf_of(&confirm.text))]).await;
    assert_eq!(download.status, StatusCode::OK);
    assert!(download.bytes == upload, "the original, as received");
    assert!(download.headers[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment"));
    assert_eq!(app.audit_length().await, before + 1);

    // Another platform's reviewer: not found.
    let other = app.organisation("Other platform", "platform").await;
    let outsider = "outsider@other.example";
    user_with_password(&app, other.id, outsider, "Olga Outsider", &["reviewer"], "another long password").await;
    let mut stranger = Browser::new(&app);
    stranger.log_in(outsider, "another long password").await;
    assert_eq!(stranger.get(&format!("{base}/preview")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(stranger.get(&format!("/console/cases/{}/media", setup.case_id)).await.status, StatusCode::NOT_FOUND);
});

backend_test!(the_console_preferences_page_sets_the_reviewers_own_protections, |app| async move {
    let email = "reviewer@operator.example";
    let user =
        user_with_password(&app, app.operator.id, email, "Rita", &["reviewer"], "a long reviewer password").await;
    let mut browser = Browser::new(&app);
    browser.log_in(email, "a long reviewer password").await;
    let form = browser.get("/console/preferences").await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(form.text.matches(" checked").count(), 2, "both protections on by default");
    let csrf = csrf_of(&form.text);
    let refused = browser.post("/console/preferences", &[("csrf", "forged"), ("greyscale", "on")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // Blur unticked: absent from the form.
    let saved = browser.post("/console/preferences", &[("csrf", &csrf), ("greyscale", "on")]).await;
    assert_eq!(saved.status, StatusCode::OK);
    assert_eq!(saved.text.matches(" checked").count(), 1);
    let stored = app.store.get_media_preferences(vigie_domain::access::Actor::User(user.id)).await.unwrap();
    assert_eq!((stored.blur, stored.greyscale), (false, true));
    let french = browser.get("/console/preferences?lang=fr").await;
    assert!(french.text.contains("niveaux de gris"), "{}", french.text);
});

backend_test!(frames_and_renditions_go_with_their_media, |app| async move {
    let (upload, _) = striped_picture();
    let setup = report(&app, "picture.png", &upload).await;
    let path = format!("/v1/cases/{}/media/{}/preview", setup.case_id, setup.sha256);
    assert_eq!(app.call(Method::GET, &path, Some(&setup.reviewer), None).await.status, StatusCode::OK);
    let media = &app.state.intake.media;
    let kept = media.renditions_dir(&setup.sha256);
    // Left from a media no row names any more (none is ever removed yet: retention will).
    let gone = "e".repeat(64);
    for dir in [media.frames_dir(&gone), media.renditions_dir(&gone)] {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("0.png"), b"old").unwrap();
    }
    let min_age = vigie_server::workers::media_collector::min_age(app.state.settings.request_timeout);
    // Young folders stay: a media's row may be about to be named.
    assert_eq!(media.collect(&app.store, min_age).await.unwrap().derived, 0);
    let old = std::time::SystemTime::now() - min_age - Duration::from_secs(60);
    for dir in [media.frames_dir(&gone), media.renditions_dir(&gone), kept.clone()] {
        std::fs::File::open(&dir).unwrap().set_modified(old).unwrap();
    }
    assert_eq!(media.collect(&app.store, min_age).await.unwrap().derived, 2);
    assert!(!media.frames_dir(&gone).exists() && !media.renditions_dir(&gone).exists());
    assert!(kept.join("preview-blur-grey.png").is_file(), "a recorded media's renditions stay");
});
