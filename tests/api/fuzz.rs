//! Arbitrary input at every parser and query parameter, through the real app: whatever a
//! client sends, the answer is a success or a 4xx problem+json, never a 5xx or a panic.
//! Cases come from proptest's deterministic runner, so a failure names its input and repeats.

use actix_web::test::TestRequest;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::Value;

use crate::helpers::{TestApp, TestResponse};

const CASES: u32 = 300;

/// Every parameter name some endpoint reads, and a few none does.
const PARAMS: &[&str] = &[
    "from",
    "to",
    "on",
    "tz",
    "updated_since",
    "topic",
    "region",
    "author",
    "tag",
    "status",
    "q",
    "sort",
    "limit",
    "cursor",
    "page",
    "fields",
    "granularity",
    "since",
    "content",
    "x",
    "",
];

/// Endpoints that read query parameters, as an anonymous reader and as an editor.
const LISTINGS: &[&str] = &[
    "/api/v1/news",
    "/api/v1/news/archive",
    "/api/v1/news/changes",
    "/api/v1/organizations/interpol/news",
    "/api/v1/trash",
    "/feeds/news.rss",
    "/feeds/news.atom",
    "/feeds/news.json",
];

/// Path templates whose `{}` takes an arbitrary segment.
const ITEMS: &[&str] = &[
    "/api/v1/news/{}",
    "/api/v1/news/{}/revisions",
    "/api/v1/news/1/revisions/{}",
    "/api/v1/organizations/{}",
    "/api/v1/organizations/interpol/bodies/{}",
    "/api/v1/topics/{}",
    "/api/v1/authors/{}",
    "/api/v1/users/{}",
];

/// Text of every kind: ASCII, any Unicode, control characters, query syntax, SQL, numbers.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,40}",
        "\\PC{0,40}",
        "[\\x00-\\x1f\\x7f\\u{0080}-\\u{009f}\\u{200b}\\u{feff}]{0,8}",
        Just("' OR 1=1 --".to_owned()),
        Just("\"x\" NEAR(a b) OR title:*".to_owned()),
        (-1_000_000_000_000_000_000_i128..1_000_000_000_000_000_000_000).prop_map(|n| n.to_string()),
        Just("2023-02-30".to_owned()),
        Just("9999-12-31T23:59:60Z".to_owned()),
        "[A-Za-z0-9_-]{0,300}",
    ]
}

fn query_string() -> impl Strategy<Value = String> {
    prop::collection::vec((prop::sample::select(PARAMS), text()), 0..5).prop_map(|pairs| {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in pairs {
            query.append_pair(name, &value);
        }
        query.finish()
    })
}

/// Any JSON value, nested a few levels, with the field names the API reads among the keys.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        text().prop_map(Value::from),
    ];
    let keys = prop_oneof![
        prop::sample::select(vec![
            "title",
            "slug",
            "summary",
            "body",
            "topic",
            "region",
            "tags",
            "author_id",
            "organization",
            "status",
            "published_at",
            "name",
            "description",
            "headquarters",
            "member_count",
            "website",
            "id",
        ])
        .prop_map(str::to_owned),
        text(),
    ];
    leaf.prop_recursive(3, 24, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map(keys.clone(), inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn cases<S: Strategy>(strategy: S) -> Vec<S::Value> {
    let mut runner = TestRunner::deterministic();
    (0..CASES).map(|_| strategy.new_tree(&mut runner).unwrap().current()).collect()
}

#[track_caller]
fn assert_handled(res: &TestResponse, request: &str) {
    let status = res.status.as_u16();
    assert!(status < 500, "{request} -> {status}: {}", String::from_utf8_lossy(&res.body));
    if status >= 400 {
        assert_eq!(res.header("content-type"), Some("application/problem+json"), "{request} -> {status}");
        assert!(res.json()["detail"].is_string(), "{request}");
    }
}

#[actix_web::test]
async fn any_query_string_is_answered_or_refused_with_a_problem() {
    let app = TestApp::demo().await;
    for (n, query) in cases(query_string()).into_iter().enumerate() {
        let uri = format!("{}?{query}", LISTINGS[n % LISTINGS.len()]);
        assert_handled(&app.get(&uri).await, &uri);
        assert_handled(&app.get_authed(&uri).await, &uri);
    }
}

#[actix_web::test]
async fn any_path_segment_is_answered_or_refused_with_a_problem() {
    let app = TestApp::demo().await;
    for (n, segment) in cases(text()).into_iter().enumerate() {
        let encoded: String = form_urlencoded::byte_serialize(segment.as_bytes()).collect();
        let uri = ITEMS[n % ITEMS.len()].replace("{}", &encoded);
        assert_handled(&app.get_authed(&uri).await, &uri);
    }
}

#[actix_web::test]
async fn any_json_body_is_stored_or_refused_with_a_problem_and_nothing_else_changes() {
    let app = TestApp::demo().await;
    let before = app.get("/api/v1/news/1").await.json();
    let writes = [
        ("POST", "/api/v1/news"),
        ("PATCH", "/api/v1/news/1"),
        ("PUT", "/api/v1/news/2"),
        ("POST", "/api/v1/topics"),
        ("PATCH", "/api/v1/organizations/interpol"),
        ("POST", "/api/v1/organizations/interpol/offices"),
        ("POST", "/api/v1/auth/token"),
    ];
    let mut patched_item_one = false;
    for (n, body) in cases(json()).into_iter().enumerate() {
        let (method, uri) = writes[n % writes.len()];
        let req = match method {
            "POST" => TestRequest::post(),
            "PATCH" => TestRequest::patch(),
            _ => TestRequest::put(),
        };
        let res = app.send(app.authed(req.uri(uri).set_json(&body))).await;
        assert_handled(&res, &format!("{method} {uri} {body}"));
        patched_item_one |= uri == "/api/v1/news/1" && res.status.is_success();
    }
    if !patched_item_one {
        assert_eq!(app.get("/api/v1/news/1").await.json(), before, "refused writes change nothing");
    }
}
