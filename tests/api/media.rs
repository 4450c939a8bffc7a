//! Images: uploads (raw and multipart), what is made of them, their files as clients fetch
//! them, and hostile files, each refused with its documented status and nothing stored.

use std::io::Cursor;

use actix_web::test::TestRequest;
use image::ImageFormat;
use newsdesk::config::Seed;
use newsdesk::media::process::Ratio;
use newsdesk::media::store::{Location, MediaStore};
use serde_json::{Value, json};

use crate::helpers::{PUBLIC_URL, TestApp, TestResponse};

/// A PNG of `width` x `height` with a gradient (opaque).
pub fn png(width: u32, height: u32) -> Vec<u8> {
    encoded(width, height, ImageFormat::Png)
}

fn encoded(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x * 7) as u8, (y * 5) as u8, 120]));
    let mut bytes = Cursor::new(Vec::new());
    image.write_to(&mut bytes, format).unwrap();
    bytes.into_inner()
}

/// A JPEG whose EXIF says to turn it a quarter clockwise (orientation 6) and where it was
/// taken (a GPS latitude).
fn photo_with_exif(width: u32, height: u32) -> Vec<u8> {
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend(2u16.to_be_bytes());
    // Orientation (0x0112): SHORT, 1 value: 6.
    tiff.extend([0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
    // GPSInfo (0x8825): LONG offset of the GPS directory, right after this one.
    tiff.extend([0x88, 0x25, 0, 4, 0, 0, 0, 1]);
    tiff.extend(38u32.to_be_bytes());
    tiff.extend(0u32.to_be_bytes());
    // GPSLatitudeRef (1): ASCII "N".
    tiff.extend(1u16.to_be_bytes());
    tiff.extend([0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
    tiff.extend(0u32.to_be_bytes());
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend(tiff);
    let mut segment = vec![0xFF, 0xE1];
    segment.extend(u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
    segment.extend(payload);
    let jpeg = encoded(width, height, ImageFormat::Jpeg);
    [&jpeg[..2], &segment, &jpeg[2..]].concat()
}

/// A PNG whose header claims 100,000 x 100,000 pixels, with a few bytes of data.
fn png_bomb() -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(100_000u32.to_be_bytes());
    ihdr.extend(100_000u32.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut crc = flate2::Crc::new();
    crc.update(&ihdr);
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend(13u32.to_be_bytes());
    bytes.extend(&ihdr);
    bytes.extend(crc.sum().to_be_bytes());
    bytes.extend([0, 0, 0, 0, b'I', b'D', b'A', b'T', 0x35, 0xAF, 0x06, 0x1E]);
    bytes
}

async fn app() -> TestApp {
    TestApp::builder().seed(Seed::None).settings(|s| s.media_widths = vec![32, 64]).start().await
}

async fn upload(app: &TestApp, query: &str, bytes: Vec<u8>, content_type: &str) -> TestResponse {
    let req = TestRequest::post()
        .uri(&format!("/api/v1/media?{query}"))
        .insert_header(("content-type", content_type))
        .set_payload(bytes);
    app.send(app.authed(req)).await
}

fn multipart(parts: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "newsdesk-test-boundary";
    let mut body = Vec::new();
    for (name, value) in parts {
        let file = if *name == "file" { "; filename=\"card.gif\"\r\nContent-Type: image/gif" } else { "" };
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"{file}\r\n\r\n").bytes());
        body.extend(*value);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The files in the app's media store.
async fn stored_files(app: &TestApp) -> Vec<String> {
    let store = MediaStore::at(&app.media_store).unwrap();
    let mut names: Vec<String> = store.files().await.unwrap().into_iter().map(|(name, _)| name).collect();
    names.sort();
    names
}

fn path_of(url: &Value) -> String {
    url.as_str().unwrap().strip_prefix(PUBLIC_URL).unwrap().to_owned()
}

#[actix_web::test]
async fn a_photo_is_turned_upright_stripped_of_its_metadata_and_made_in_every_width() {
    let app = app().await;
    let res =
        upload(&app, "alt=Officers%20in%20Lyon&credit=Photo:%20INTERPOL", photo_with_exif(120, 80), "image/jpeg").await;
    res.assert_status(201);
    let image = res.json();
    let id = image["id"].as_i64().unwrap();
    assert_eq!(res.header("location"), Some(format!("{PUBLIC_URL}/api/v1/media/{id}").as_str()));
    assert_eq!(image["type"], "image/jpeg");
    assert_eq!((image["width"].as_i64(), image["height"].as_i64()), (Some(80), Some(120)), "turned a quarter: {image}");
    assert_eq!(image["alt"], "Officers in Lyon");
    assert_eq!(image["credit"], "Photo: INTERPOL");
    assert_eq!(image["caption"], Value::Null);
    assert_eq!(image["focal_point"], json!({"x": 0.5, "y": 0.5}));
    assert!(image["placeholder"].as_str().is_some_and(|p| p.len() >= 6), "{image}");
    let variants: Vec<(i64, i64, &str)> = image["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["width"].as_i64().unwrap(), v["height"].as_i64().unwrap(), v["type"].as_str().unwrap()))
        .collect();
    assert_eq!(
        variants,
        [(32, 48, "image/webp"), (32, 48, "image/jpeg"), (64, 96, "image/webp"), (64, 96, "image/jpeg")]
    );

    let original = app.get(&path_of(&image["url"])).await;
    original.assert_status(200);
    assert_eq!(original.header("content-type"), Some("image/jpeg"));
    assert_eq!(original.header("cache-control"), Some("public, max-age=31536000, immutable"));
    assert_eq!(original.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(original.body.len() as i64, image["bytes"].as_i64().unwrap());
    assert!(!original.body.windows(6).any(|w| w == b"Exif\0\0"), "the EXIF block (and its GPS position) is gone");
    let decoded = image::load_from_memory(&original.body).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (80, 120));
    for variant in image["variants"].as_array().unwrap() {
        let file = app.get(&path_of(&variant["url"])).await;
        file.assert_status(200);
        assert_eq!(file.header("content-type"), variant["type"].as_str());
        assert_eq!(file.body.len() as i64, variant["bytes"].as_i64().unwrap());
        let decoded = image::load_from_memory(&file.body).unwrap();
        assert_eq!(i64::from(decoded.width()), variant["width"].as_i64().unwrap());
    }
    assert_eq!(stored_files(&app).await.len(), 5, "the image at its own size and four variants");
}

#[actix_web::test]
async fn files_answer_conditional_range_and_head_requests() {
    let app = app().await;
    let image = upload(&app, "alt=A%20card", png(100, 50), "image/png").await.json();
    let path = path_of(&image["url"]);
    let whole = app.get(&path).await;
    whole.assert_status(200);
    let tag = whole.header("etag").unwrap().to_owned();
    assert_eq!(whole.header("accept-ranges"), Some("bytes"));

    let again = app.send(TestRequest::get().uri(&path).insert_header(("if-none-match", tag.as_str()))).await;
    again.assert_status(304);
    assert!(again.body.is_empty());

    let part = app.send(TestRequest::get().uri(&path).insert_header(("range", "bytes=10-19"))).await;
    part.assert_status(206);
    assert_eq!(part.body, whole.body.slice(10..20));
    let size = whole.body.len();
    assert_eq!(part.header("content-range"), Some(format!("bytes 10-19/{size}").as_str()));
    let tail = app.send(TestRequest::get().uri(&path).insert_header(("range", "bytes=-5"))).await;
    tail.assert_status(206);
    assert_eq!(tail.body, whole.body.slice(size - 5..));
    let past = app.send(TestRequest::get().uri(&path).insert_header(("range", format!("bytes={}-", size + 10)))).await;
    past.problem(416);
    assert_eq!(past.header("content-range"), Some(format!("bytes */{size}").as_str()));
    let stale =
        TestRequest::get().uri(&path).insert_header(("range", "bytes=0-9")).insert_header(("if-range", "\"other\""));
    app.send(stale).await.assert_status(200);

    let head = app.send(TestRequest::default().method(actix_web::http::Method::HEAD).uri(&path)).await;
    // (The server sends no body for HEAD: `conformance.rs`.)
    head.assert_status(200);
    assert_eq!(head.header("content-length"), Some(size.to_string().as_str()));

    let id = image["id"].as_i64().unwrap();
    let name = path.rsplit('/').next().unwrap();
    app.get(&format!("/media/{}/{name}", id + 1)).await.problem(404);
    app.get(&format!("/media/{id}/{}", name.replace(".png", ".jpg"))).await.problem(404);
    app.get(&format!("/media/{id}/..%2F..%2Fnewsdesk.db")).await.problem(404);
}

/// An app that cuts square crops, and an image of 200 x 100, black on the left half and white
/// on the right (a square crop is one or the other), its focal point on the white half.
async fn halves() -> (TestApp, Value) {
    let app = TestApp::builder()
        .seed(Seed::None)
        .settings(|s| {
            s.media_widths = vec![32, 64];
            s.media_crops = vec![Ratio::parse("1:1").unwrap()];
        })
        .start()
        .await;
    let halves = image::RgbImage::from_fn(200, 100, |x, _| image::Rgb([if x < 100 { 0 } else { 255 }; 3]));
    let mut bytes = Cursor::new(Vec::new());
    halves.write_to(&mut bytes, ImageFormat::Png).unwrap();
    let image = upload(&app, "alt=Halves&focal_point=0.9,0.5", bytes.into_inner(), "image/png").await.json();
    (app, image)
}

/// An image's square crops.
fn crops(image: &Value) -> Vec<Value> {
    image["variants"].as_array().unwrap().iter().filter(|v| v["crop"] == "1:1").cloned().collect()
}

/// The mean grey level of an encoded image.
fn brightness(body: &[u8]) -> u64 {
    let pixels = image::load_from_memory(body).unwrap().into_luma8();
    pixels.pixels().map(|p| u64::from(p.0[0])).sum::<u64>() / u64::from(pixels.width() * pixels.height())
}

#[actix_web::test]
async fn crops_are_cut_around_the_focal_point_and_again_when_it_moves() {
    let (app, image) = halves().await;
    let shapes: Vec<_> =
        crops(&image).iter().map(|v| (v["width"].clone(), v["height"].clone(), v["type"].clone())).collect();
    assert_eq!(
        shapes,
        [(32, 32, "image/webp"), (32, 32, "image/png"), (64, 64, "image/webp"), (64, 64, "image/png")]
            .map(|(w, h, t)| (json!(w), json!(h), json!(t)))
    );
    assert_eq!(image["variants"].as_array().unwrap().len(), 8, "the whole image's four variants stay");
    let right = crops(&image)[3]["url"].clone();
    let served = app.get(&path_of(&right)).await;
    served.assert_status(200);
    assert_eq!(brightness(&served.body), 255, "the focal point (x 0.9) is on the white half");

    let id = &image["id"];
    let moved = app.patch(&format!("/api/v1/media/{id}"), &json!({"focal_point": {"x": 0.1, "y": 0.5}})).await;
    moved.assert_status(200);
    let left = crops(&moved.json())[3]["url"].clone();
    assert_ne!(left, right, "new cuts have new names: a name always means the same bytes");
    assert_eq!(brightness(&app.get(&path_of(&left)).await.body), 0, "now on the black half");
    app.get(&path_of(&right)).await.problem(404);
    assert_eq!(stored_files(&app).await.len(), 9, "the old cuts are removed: {:?}", stored_files(&app).await);
    assert_eq!(app.get_authed(&format!("/api/v1/media/{id}")).await.json()["variants"], moved.json()["variants"]);
    // Moved back, the first cuts are made again under their first names.
    let back = app.patch(&format!("/api/v1/media/{id}"), &json!({"focal_point": {"x": 0.9, "y": 0.5}})).await.json();
    assert_eq!(crops(&back)[3]["url"], right);
    assert_eq!(brightness(&app.get(&path_of(&right)).await.body), 255);
}

#[actix_web::test]
async fn two_moves_of_the_focal_point_at_once_leave_crops_that_match_it() {
    let (app, image) = halves().await;
    let path = format!("/api/v1/media/{}", image["id"]);
    // Both cut from where the focal point is; the second to be stored would replace crops that
    // the first answer's client has just been given.
    let (to_black, to_white) =
        (json!({"focal_point": {"x": 0.1, "y": 0.5}}), json!({"focal_point": {"x": 0.95, "y": 0.5}}));
    let (left, right) = futures_util::future::join(app.patch(&path, &to_black), app.patch(&path, &to_white)).await;
    let mut statuses = [left.status.as_u16(), right.status.as_u16()];
    statuses.sort_unstable();
    // 409 for the one that lost the race; when the two did not overlap (a loaded machine runs
    // them one after the other), both are stored in turn.
    assert!(statuses == [200, 409] || statuses == [200, 200], "{statuses:?}");
    let stored = app.get_authed(&path).await.json();
    let black = stored["focal_point"] == to_black["focal_point"];
    for crop in crops(&stored) {
        let served = app.get(&path_of(&crop["url"])).await;
        served.assert_status(200);
        assert_eq!(brightness(&served.body), if black { 0 } else { 255 }, "{stored}");
    }
    let answers = [left, right].map(|res| (res.status.as_u16() == 200).then(|| res.json()));
    let won = answers.iter().flatten().find(|won| won["focal_point"] == stored["focal_point"]);
    let won = won.unwrap_or_else(|| panic!("no answer gave what is stored: {stored}"));
    assert_eq!(won["variants"], stored["variants"]);
}

#[actix_web::test]
async fn the_format_is_read_from_the_bytes_not_the_header() {
    let app = app().await;
    let res = upload(&app, "alt=A%20drawing", png(40, 30), "image/jpeg").await;
    res.assert_status(201);
    let image = res.json();
    assert_eq!(image["type"], "image/png");
    assert!(image["url"].as_str().unwrap().ends_with("-40.png"), "{image}");
    let file = app.get(&path_of(&image["url"])).await;
    assert_eq!(file.header("content-type"), Some("image/png"));
    assert_eq!(image::guess_format(&file.body).unwrap(), ImageFormat::Png);
}

#[actix_web::test]
async fn a_multipart_upload_carries_the_file_and_what_it_shows() {
    let app = app().await;
    let gif = encoded(90, 60, ImageFormat::Gif);
    let (content_type, body) = multipart(&[
        ("alt", "The Lyon headquarters".as_bytes()),
        ("caption", "Seen from the Rhône".as_bytes()),
        ("focal_point", b"0.25,0.75"),
        ("file", &gif),
    ]);
    let res = upload(&app, "", body, &content_type).await;
    res.assert_status(201);
    let image = res.json();
    assert_eq!(image["alt"], "The Lyon headquarters");
    assert_eq!(image["caption"], "Seen from the Rhône");
    assert_eq!(image["focal_point"], json!({"x": 0.25, "y": 0.75}));
    assert_eq!(image["type"], "image/png", "a GIF is kept losslessly");
    assert_eq!(image["width"], 90);

    let (content_type, body) = multipart(&[("alt", b"No file")]);
    let res = upload(&app, "", body, &content_type).await;
    res.problem(422);
    assert_eq!(res.error_fields(), ["file"]);
    let (content_type, body) = multipart(&[("alt", b"x"), ("colour", b"red"), ("file", &gif)]);
    upload(&app, "", body, &content_type).await.problem(400);
    upload(&app, "", b"--nothing here".to_vec(), "multipart/form-data").await.problem(400);
}

#[actix_web::test]
async fn hostile_files_are_refused_and_nothing_is_stored() {
    let app = TestApp::builder()
        .seed(Seed::None)
        .settings(|s| {
            s.media_widths = vec![32];
            s.media_max_bytes = 64 * 1024;
        })
        .start()
        .await;
    let started = std::time::Instant::now();
    let bomb = upload(&app, "alt=Bomb", png_bomb(), "image/png").await;
    assert!(bomb.problem(422)["detail"].as_str().unwrap().contains("100000 x 100000"), "{:?}", bomb.json());
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "refused from the header, not decoded");

    let jpeg = encoded(200, 150, ImageFormat::Jpeg);
    upload(&app, "alt=Cut", jpeg[..jpeg.len() / 3].to_vec(), "image/jpeg").await.problem(422);
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>"#;
    upload(&app, "alt=Vector", svg.to_vec(), "image/svg+xml").await.problem(415);
    let html = b"<!doctype html><html><body><script>alert(1)</script></body></html>";
    upload(&app, "alt=Page", html.to_vec(), "image/png").await.problem(415);
    upload(&app, "alt=Nothing", Vec::new(), "image/png").await.problem(415);
    // A GIF header with an HTML page behind it.
    let polyglot = [b"GIF89a\x01\x00\x01\x00".as_slice(), html].concat();
    upload(&app, "alt=Both", polyglot, "image/gif").await.problem(422);
    upload(&app, "alt=Big", vec![0xFF; 64 * 1024 + 1], "image/jpeg").await.problem(413);

    let missing = upload(&app, "", png(10, 10), "image/png").await;
    missing.problem(422);
    assert_eq!(missing.error_fields(), ["alt"]);
    let bad = upload(&app, "alt=%20&focal_point=2,0.5&credit=a%00b", png(10, 10), "image/png").await;
    bad.problem(422);
    assert_eq!(bad.error_fields(), ["alt", "credit", "focal_point"]);
    upload(&app, "alt=x&size=big", png(10, 10), "image/png").await.problem(400);

    assert_eq!(app.get_authed("/api/v1/media").await.json()["total"], 0);
    assert_eq!(stored_files(&app).await, Vec::<String>::new());
}

#[actix_web::test]
async fn editors_change_what_an_image_shows_and_deleting_it_removes_its_files() {
    let app = app().await;
    let image = upload(&app, "alt=Before", png(80, 40), "image/png").await.json();
    let one = format!("/api/v1/media/{}", image["id"]);
    let changed =
        app.patch(&one, &json!({"alt": "After", "caption": "A caption", "focal_point": {"x": 0.1, "y": 0.9}})).await;
    changed.assert_status(200);
    let changed = changed.json();
    assert_eq!((changed["alt"].as_str(), changed["caption"].as_str()), (Some("After"), Some("A caption")));
    assert_eq!(changed["url"], image["url"], "the files stay as they are");
    let cleared = app.patch(&one, &json!({"caption": null})).await.json();
    assert_eq!(cleared["caption"], Value::Null);
    assert_eq!(cleared["focal_point"], json!({"x": 0.1, "y": 0.9}));

    assert_eq!(app.patch(&one, &json!({"alt": ""})).await.error_fields(), ["alt"]);
    app.patch(&one, &json!({"focal_point": {"x": 1.5, "y": 0}})).await.problem(422);
    app.patch(&one, &json!({"alt": null})).await.problem(422);
    app.patch(&one, &json!({"width": 10})).await.problem(422);
    assert_eq!(app.get_authed(&one).await.json()["alt"], "After", "nothing refused was stored");

    let listed = app.get_authed("/api/v1/media").await.json();
    assert_eq!((listed["total"].as_i64(), listed["items"][0]["id"].as_i64()), (Some(1), image["id"].as_i64()));
    app.get(&one).await.problem(401);

    // The same bytes twice: two images, one set of files, kept while either is.
    let twin = upload(&app, "alt=Twin", png(80, 40), "image/png").await.json();
    assert_eq!(twin["url"].as_str().unwrap().rsplit('/').next(), image["url"].as_str().unwrap().rsplit('/').next());
    app.delete(&one).await.assert_status(204);
    app.get_authed(&one).await.problem(404);
    app.get(&path_of(&image["url"])).await.problem(404);
    app.get(&path_of(&twin["url"])).await.assert_status(200);
    app.delete(&format!("/api/v1/media/{}", twin["id"])).await.assert_status(204);
    assert_eq!(stored_files(&app).await, Vec::<String>::new());
}

#[actix_web::test]
async fn files_no_image_names_are_swept_once_they_are_old() {
    // In a directory whatever the suite's store: the test ages files, which a bucket cannot.
    let dir = tempfile::TempDir::new().unwrap();
    let store = Location::Directory(dir.path().to_owned());
    let app = TestApp::builder()
        .seed(Seed::None)
        .settings(|s| {
            s.media_widths = vec![32, 64];
            s.media_store = Some(store);
        })
        .start()
        .await;
    let image = upload(&app, "alt=Kept", png(80, 40), "image/png").await.json();
    let dir = dir.path();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 3600);
    let orphan = "0123456789abcdef0123456789abcdef-64.webp";
    std::fs::File::create(dir.join(orphan)).unwrap();
    for file in stored_files(&app).await {
        std::fs::File::options().append(true).open(dir.join(&file)).unwrap().set_modified(old).unwrap();
    }
    let recent = "fedcba9876543210fedcba9876543210-80.png";
    std::fs::File::create(dir.join(recent)).unwrap();
    app.service.expire_now().await;
    let left = stored_files(&app).await;
    assert!(!left.contains(&"0123456789abcdef0123456789abcdef-64.webp".to_owned()), "{left:?}");
    assert!(
        left.contains(&"fedcba9876543210fedcba9876543210-80.png".to_owned()),
        "a recent file may be an upload in flight"
    );
    assert_eq!(left.len(), 6, "the image's five files stay: {left:?}");
    app.get(&path_of(&image["url"])).await.assert_status(200);
}

#[actix_web::test]
async fn uploads_are_for_editors() {
    let app = app().await;
    let anonymous = TestRequest::post()
        .uri("/api/v1/media?alt=x")
        .insert_header(("content-type", "image/png"))
        .set_payload(png(8, 8));
    app.send(anonymous).await.problem(401);
    app.get("/api/v1/media").await.problem(401);
}

#[actix_web::test]
async fn a_news_item_features_an_image_everywhere_it_is_shown() {
    let app = TestApp::builder().settings(|s| s.media_widths = vec![32, 64]).start().await;
    let image = upload(&app, "alt=Officers%20in%20Lyon", photo_with_exif(120, 80), "image/jpeg").await.json();
    let id = image["id"].as_i64().unwrap();
    let item =
        json!({"title": "With a picture", "body": "Words.", "published_at": "2024-05-01T00:00:00Z", "image_id": id});
    let created = app.post("/api/v1/news", &item).await;
    created.assert_status(201);
    let created = created.json();
    assert_eq!(created["image"], image, "the image as the media API shows it");
    let one = format!("/api/v1/news/{}", created["id"]);

    let listed = app.get("/api/v1/news?on=2024-05-01").await.json();
    assert_eq!(listed["items"][0]["image"]["variants"], image["variants"], "one request renders a card");
    assert_eq!(
        app.get("/api/v1/news?on=2024-05-01&fields=id,image").await.json()["items"][0]["image"]["alt"],
        "Officers in Lyon"
    );
    assert_eq!(app.get(&one).await.json()["image"]["url"], image["url"]);
    let changes = app.get("/api/v1/news/changes").await.json();
    let change = changes["changes"].as_array().unwrap().iter().find(|c| c["id"] == created["id"]).unwrap().clone();
    assert_eq!(change["item"]["image"]["id"], id);

    let rss = String::from_utf8(app.get("/feeds/news.rss").await.body.to_vec()).unwrap();
    let variant =
        image["variants"].as_array().unwrap().iter().find(|v| v["type"] == "image/jpeg" && v["width"] == 64).unwrap();
    let url = variant["url"].as_str().unwrap();
    assert!(
        rss.contains(&format!(r#"<enclosure url="{url}" length="{}" type="image/jpeg"/>"#, variant["bytes"])),
        "{rss}"
    );
    assert!(rss.contains("<media:description type=\"plain\">Officers in Lyon</media:description>"), "{rss}");
    let atom = String::from_utf8(app.get("/feeds/news.atom").await.body.to_vec()).unwrap();
    assert!(atom.contains(&format!(r#"href="{url}" rel="enclosure" type="image/jpeg""#)), "{atom}");
    let feed = app.get("/feeds/news.json").await.json();
    let entry = feed["items"].as_array().unwrap().iter().find(|i| i["title"] == "With a picture").unwrap().clone();
    assert_eq!(entry["image"], url);

    let media = format!("/api/v1/media/{id}");
    let in_use = app.delete(&media).await;
    assert!(in_use.problem(409)["detail"].as_str().unwrap().contains("in use"));
    app.get_authed(&media).await.assert_status(200);

    // A revision keeps which image, shown as the image is now.
    app.patch(&media, &json!({"alt": "Officers at the headquarters"})).await.assert_status(200);
    let listed = app.get("/api/v1/news?on=2024-05-01").await.json();
    assert_eq!(listed["items"][0]["image"]["alt"], "Officers at the headquarters", "shown as the image is now");
    assert_eq!(app.get(&one).await.json()["image"]["alt"], "Officers at the headquarters");
    let first = app.get_authed(&format!("{one}/revisions/1")).await.json();
    assert_eq!(first["image"]["alt"], "Officers at the headquarters");
    let without = app.patch(&one, &json!({"image_id": null})).await.json();
    assert_eq!(without["image"], Value::Null);
    let restored = app.post(&format!("{one}/revisions/1/restore"), &json!({})).await;
    restored.assert_status(200);
    assert_eq!(restored.json()["image"]["id"], id);

    let unknown = app.patch(&one, &json!({"image_id": id + 100})).await;
    unknown.problem(422);
    assert_eq!(unknown.error_fields(), ["image_id"]);
    app.patch(&one, &json!({"image_id": "five"})).await.problem(422);
    assert_eq!(app.get(&one).await.json()["image"]["id"], id, "nothing refused was stored");
}

#[actix_web::test]
async fn an_organization_shows_its_logo() {
    let app = app().await;
    let logo = upload(&app, "alt=The%20emblem", png(90, 90), "image/png").await.json();
    let org = app.post("/api/v1/organizations", &json!({"name": "Europol", "logo_id": logo["id"]})).await;
    org.assert_status(201);
    assert_eq!(org.json()["logo"]["url"], logo["url"]);
    let shown = app.get("/api/v1/organizations/europol").await.json();
    assert_eq!(shown["logo"]["alt"], "The emblem");
    app.patch(&format!("/api/v1/media/{}", logo["id"]), &json!({"alt": "The new emblem"})).await.assert_status(200);
    assert_eq!(app.get("/api/v1/organizations/europol").await.json()["logo"]["alt"], "The new emblem");
    assert_eq!(app.get("/api/v1/organizations").await.json()["items"][0]["logo"]["id"], logo["id"]);
    app.delete(&format!("/api/v1/media/{}", logo["id"])).await.problem(409);
    let bad = app.patch("/api/v1/organizations/europol", &json!({"logo_id": 999})).await;
    assert_eq!(bad.error_fields(), ["logo_id"]);
    let cleared = app.patch("/api/v1/organizations/europol", &json!({"logo_id": null})).await.json();
    assert_eq!(cleared["logo"], Value::Null);
    app.delete(&format!("/api/v1/media/{}", logo["id"])).await.assert_status(204);
}
