//! Snapshots of representative answers over the demo data (an item, a listing page, an
//! error, each feed): a diff in `tests/api/snapshots/` shows a change a client would see.
//! What differs from run to run (when the demo was loaded, tags that hash it) is masked.

use crate::helpers::TestApp;

/// Masks the instants of this run (the demo's items were published in 2023, and are stored
/// whenever the test runs) and the entity tags that follow from them.
fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.add_filter(r"20(2[4-9]|[3-9][0-9])-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9:]+)", "[now]");
    settings
        .add_filter(r"[A-Z][a-z]{2}, [0-9]{1,2} [A-Z][a-z]{2} 20(2[4-9]|[3-9][0-9]) [0-9:]{8} [+-][0-9]{4}", "[now]");
    // One element a line, so that a diff of a feed shows what changed.
    settings.add_filter("><", ">\n<");
    settings
}

#[actix_web::test]
async fn representative_answers() {
    let app = TestApp::demo().await;
    let text = |res: crate::helpers::TestResponse| String::from_utf8(res.body.to_vec()).unwrap();
    let _guard = settings().bind_to_scope();
    insta::assert_json_snapshot!(
        "news_item",
        app.get("/api/v1/news/14-terror-suspects-arrested-in-african-operation").await.json()
    );
    insta::assert_json_snapshot!("news_listing_page", app.get("/api/v1/news?on=2023-06&limit=3").await.json());
    insta::assert_json_snapshot!("problem_not_found", app.get("/api/v1/news/no-such-item").await.json());
    insta::assert_json_snapshot!("problem_bad_parameter", app.get("/api/v1/news?on=2023-13").await.json());
    insta::assert_snapshot!("feed_rss", text(app.get("/feeds/news.rss?limit=2").await));
    insta::assert_snapshot!("feed_atom", text(app.get("/feeds/news.atom?limit=2").await));
    insta::assert_json_snapshot!("feed_json", app.get("/feeds/news.json?limit=2").await.json());
}
