//! Every write endpoint of the OpenAPI document goes through the one write path: driven once,
//! each adds exactly one entry to the audit trail, naming its action. A write that changes
//! what readers are shown also moves the database's content version by one and ends the kept
//! answers of this process (the next anonymous read is computed anew); one that does not
//! (accounts, partner keys, webhooks, signing in and out, a preview link, purging the trash,
//! an upload that nothing uses yet) leaves both alone. (So does a draft's write: `cache.rs`.)

use std::collections::BTreeSet;

use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestResponse};

/// Every operation of the committed document that may change what is stored.
fn write_operations() -> BTreeSet<String> {
    let doc: Value = serde_json::from_str(include_str!("../../openapi/openapi.json")).unwrap();
    let mut ops = BTreeSet::new();
    for item in doc["paths"].as_object().unwrap().values() {
        for (method, op) in item.as_object().unwrap() {
            if matches!(method.as_str(), "post" | "put" | "patch" | "delete") {
                ops.insert(op["operationId"].as_str().unwrap().to_owned());
            }
        }
    }
    ops
}

struct Drive {
    app: TestApp,
    driven: BTreeSet<String>,
}

impl Drive {
    /// Sends one write and checks that it went through the one path exactly once, recorded
    /// as `action`.
    async fn write(&mut self, operation: &str, action: &str, method: &str, uri: &str, body: Option<Value>) -> Value {
        let req = match method {
            "POST" => TestRequest::post(),
            "PUT" => TestRequest::put(),
            "PATCH" => TestRequest::patch(),
            _ => TestRequest::delete(),
        }
        .uri(uri);
        let req = match &body {
            Some(body) => req.set_json(body),
            None => req,
        };
        self.drive(operation, action, req).await
    }

    async fn drive(&mut self, operation: &str, action: &str, req: TestRequest) -> Value {
        let kept = "/api/v1/topics";
        self.app.get(kept).await.assert_status(200);
        assert!(self.app.get(kept).await.header("age").is_some(), "{operation}: a read is kept before the write");
        let before = self.app.db.content_version();
        let entries = self.app.db.audit_trail().len();

        let res: TestResponse = self.app.send(self.app.authed(req)).await;
        assert!(res.status.is_success(), "{operation}: {} {}", res.status, String::from_utf8_lossy(&res.body));

        let trail = self.app.db.audit_trail();
        assert_eq!(trail.len(), entries + 1, "{operation}: one audit entry");
        assert_eq!(trail[0].action, action, "{operation}");
        let content = !["user.", "key.", "webhook.", "auth."].iter().any(|resource| action.starts_with(resource))
            && !["news.preview", "news.purge", "media.create"].contains(&action);
        assert_eq!(self.app.db.content_version(), before + i64::from(content), "{operation}: content version");
        let recomputed = self.app.get(kept).await.header("age").is_none();
        assert_eq!(recomputed, content, "{operation}: kept answers end with a content write, and only then");
        self.driven.insert(operation.to_owned());
        if res.body.is_empty() { Value::Null } else { res.json() }
    }
}

#[actix_web::test]
async fn every_write_endpoint_commits_once_through_the_one_write_path() {
    let app = TestApp::builder().languages("en,fr").start().await;
    let mut d = Drive { app, driven: BTreeSet::new() };

    for kind in ["topics", "regions"] {
        let path = format!("/api/v1/{kind}");
        let singular = &kind[..kind.len() - 1];
        let op = |verb: &str| format!("{verb}_{singular}");
        let action = |verb: &str| format!("{singular}.{verb}");
        let term = d.write(&op("create"), &action("create"), "POST", &path, Some(json!({"name": "Write path"}))).await;
        let one = format!("{path}/{}", term["slug"].as_str().unwrap());
        let replaced = json!({"name": "Write path", "description": "Replaced."});
        d.write(&op("replace"), &action("replace"), "PUT", &one, Some(replaced)).await;
        d.write(&op("update"), &action("update"), "PATCH", &one, Some(json!({"description": "Changed."}))).await;
        d.write(&op("delete"), &action("delete"), "DELETE", &one, None).await;
    }

    let author =
        d.write("create_author", "author.create", "POST", "/api/v1/authors", Some(json!({"name": "Ada"}))).await;
    let author = format!("/api/v1/authors/{}", author["id"]);
    d.write("replace_author", "author.replace", "PUT", &author, Some(json!({"name": "Ada", "title": "Reporter"})))
        .await;
    d.write("update_author", "author.update", "PATCH", &author, Some(json!({"bio": "Writes."}))).await;
    d.write("delete_author", "author.delete", "DELETE", &author, None).await;

    let org = d
        .write(
            "create_organization",
            "organization.create",
            "POST",
            "/api/v1/organizations",
            Some(json!({"name": "Write Path Org"})),
        )
        .await;
    let org = format!("/api/v1/organizations/{}", org["slug"].as_str().unwrap());
    d.write(
        "replace_organization",
        "organization.replace",
        "PUT",
        &org,
        Some(json!({"name": "Write Path Org", "tagline": "One."})),
    )
    .await;
    d.write("update_organization", "organization.update", "PATCH", &org, Some(json!({"tagline": "Two."}))).await;
    let french = format!("{org}/translations/fr");
    d.write("put_organization_translation", "organization.update", "PUT", &french, Some(json!({"tagline": "Un."})))
        .await;
    d.write("delete_organization_translation", "organization.update", "DELETE", &french, None).await;
    d.write(
        "restore_organization_revision",
        "organization.revert",
        "POST",
        &format!("{org}/revisions/1/restore"),
        None,
    )
    .await;
    for (part, kind) in [("bodies", "committee"), ("offices", "headquarters")] {
        let singular = if part == "bodies" { "body" } else { "office" };
        let created = d
            .write(
                &format!("create_{singular}"),
                &format!("{singular}.create"),
                "POST",
                &format!("{org}/{part}"),
                Some(json!({"name": "Part", "kind": kind})),
            )
            .await;
        let one = format!("{org}/{part}/{}", created["id"]);
        d.write(
            &format!("replace_{singular}"),
            &format!("{singular}.replace"),
            "PUT",
            &one,
            Some(json!({"name": "Part", "kind": kind, "sort_order": 2})),
        )
        .await;
        let (update, delete) = (format!("update_{singular}"), format!("delete_{singular}"));
        d.write(&update, &format!("{singular}.update"), "PATCH", &one, Some(json!({"sort_order": 3}))).await;
        d.write(&delete, &format!("{singular}.delete"), "DELETE", &one, None).await;
    }
    d.write("delete_organization", "organization.delete", "DELETE", &org, None).await;

    let item = d
        .write(
            "create_news",
            "news.create",
            "POST",
            "/api/v1/news",
            Some(json!({"title": "Write path", "body": "Words.", "published_at": "2024-01-01T00:00:00Z"})),
        )
        .await;
    let id = item["id"].as_i64().unwrap();
    let one = format!("/api/v1/news/{id}");
    let replaced = json!({"title": "Write path", "body": "Other words.", "published_at": "2024-01-01T00:00:00Z"});
    d.write("replace_news", "news.replace", "PUT", &one, Some(replaced)).await;
    d.write("update_news", "news.update", "PATCH", &one, Some(json!({"summary": "In short."}))).await;
    d.write("restore_news_revision", "news.revert", "POST", &format!("{one}/revisions/1/restore"), None).await;
    d.write("create_preview", "news.preview", "POST", &format!("{one}/preview"), None).await;
    d.write("delete_news", "news.trash", "DELETE", &one, None).await;
    d.write("restore_trashed", "news.restore", "POST", &format!("/api/v1/trash/{id}/restore"), None).await;
    d.write("delete_news", "news.trash", "DELETE", &one, None).await;
    d.write("purge_trashed", "news.purge", "DELETE", &format!("/api/v1/trash/{id}"), None).await;

    let upload = TestRequest::post().uri("/api/v1/media?alt=A%20test%20card").set_payload(crate::media::png(64, 48));
    let image = d.drive("upload_media", "media.create", upload).await;
    let image = format!("/api/v1/media/{}", image["id"]);
    d.write("update_media", "media.update", "PATCH", &image, Some(json!({"credit": "Photo: the tests"}))).await;
    d.write("delete_media", "media.delete", "DELETE", &image, None).await;

    let user = json!({"username": "writer", "password": "a long enough password", "role": "editor"});
    let user = d.write("create_user", "user.create", "POST", "/api/v1/users", Some(user)).await;
    d.write(
        "update_user",
        "user.update",
        "PATCH",
        &format!("/api/v1/users/{}", user["id"]),
        Some(json!({"role": "admin"})),
    )
    .await;
    let key = d
        .write("create_key", "key.create", "POST", "/api/v1/keys", Some(json!({"name": "P", "scopes": ["read"]})))
        .await;
    let key = format!("/api/v1/keys/{}", key["id"]);
    d.write("update_key", "key.update", "PATCH", &key, Some(json!({"rate_limit": 60}))).await;
    d.write("rotate_key", "key.rotate", "POST", &format!("{key}/rotate"), None).await;
    d.write("revoke_key", "key.delete", "DELETE", &key, None).await;

    // A public address: the URL is checked, never called (nothing delivers here).
    let hook = json!({"url": "http://93.184.216.34/hook", "events": ["news.published"]});
    let hook = d.write("create_webhook", "webhook.create", "POST", "/api/v1/webhooks", Some(hook)).await;
    let hook = format!("/api/v1/webhooks/{}", hook["id"]);
    d.write("update_webhook", "webhook.update", "PATCH", &hook, Some(json!({"events": ["news.updated"]}))).await;
    d.write("rotate_webhook_secret", "webhook.rotate", "POST", &format!("{hook}/rotate-secret"), None).await;
    let ping = d.write("ping_webhook", "webhook.ping", "POST", &format!("{hook}/ping"), None).await;
    let again = format!("{hook}/deliveries/{}/redeliver", ping["id"]);
    d.write("redeliver_webhook_delivery", "webhook.redeliver", "POST", &again, None).await;
    d.write("delete_webhook", "webhook.delete", "DELETE", &hook, None).await;

    let credentials = json!({"username": "writer", "password": "a long enough password"});
    d.write("create_token", "auth.sign_in", "POST", "/api/v1/auth/token", Some(credentials)).await;
    // Last: it ends the token every write here was sent with.
    d.write("logout", "auth.sign_out", "POST", "/api/v1/auth/logout", None).await;

    // A WebSub request is written only once the subscriber confirms it, after the answer:
    // websub.rs drives it and finds its audit entries.
    d.driven.insert("websub_hub".to_owned());
    assert_eq!(d.driven, write_operations(), "every write operation of the document is driven here");
}
