//! Every write endpoint of the OpenAPI document goes through the one write path: driven once,
//! each commits exactly one write (the database's content version moves by one) and ends the
//! kept answers of this process (the next anonymous read is computed anew).

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
    // Signing in reads an account and stores nothing.
    ops.remove("create_token");
    ops
}

struct Drive {
    app: TestApp,
    driven: BTreeSet<String>,
}

impl Drive {
    /// Sends one write and checks that it went through the one path exactly once.
    async fn write(&mut self, operation: &str, method: &str, uri: &str, body: Option<Value>) -> Value {
        let kept = "/api/v1/topics";
        self.app.get(kept).await.assert_status(200);
        assert!(self.app.get(kept).await.header("age").is_some(), "{operation}: a read is kept before the write");
        let before = self.app.db.content_version();

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
        let res: TestResponse = self.app.send(self.app.authed(req)).await;
        assert!(res.status.is_success(), "{operation}: {} {}", res.status, String::from_utf8_lossy(&res.body));

        assert_eq!(self.app.db.content_version(), before + 1, "{operation}: one write committed");
        assert!(self.app.get(kept).await.header("age").is_none(), "{operation}: kept answers end with the write");
        self.driven.insert(operation.to_owned());
        if res.body.is_empty() { Value::Null } else { res.json() }
    }
}

#[actix_web::test]
async fn every_write_endpoint_commits_once_through_the_one_write_path() {
    let mut d = Drive { app: TestApp::demo().await, driven: BTreeSet::new() };

    for kind in ["topics", "regions"] {
        let path = format!("/api/v1/{kind}");
        let term = d
            .write(&format!("create_{}", &kind[..kind.len() - 1]), "POST", &path, Some(json!({"name": "Write path"})))
            .await;
        let one = format!("{path}/{}", term["slug"].as_str().unwrap());
        let op = |verb: &str| format!("{verb}_{}", &kind[..kind.len() - 1]);
        d.write(&op("replace"), "PUT", &one, Some(json!({"name": "Write path", "description": "Replaced."}))).await;
        d.write(&op("update"), "PATCH", &one, Some(json!({"description": "Changed."}))).await;
        d.write(&op("delete"), "DELETE", &one, None).await;
    }

    let author = d.write("create_author", "POST", "/api/v1/authors", Some(json!({"name": "Ada"}))).await;
    let author = format!("/api/v1/authors/{}", author["id"]);
    d.write("replace_author", "PUT", &author, Some(json!({"name": "Ada", "title": "Reporter"}))).await;
    d.write("update_author", "PATCH", &author, Some(json!({"bio": "Writes."}))).await;
    d.write("delete_author", "DELETE", &author, None).await;

    let org =
        d.write("create_organization", "POST", "/api/v1/organizations", Some(json!({"name": "Write Path Org"}))).await;
    let org = format!("/api/v1/organizations/{}", org["slug"].as_str().unwrap());
    d.write("replace_organization", "PUT", &org, Some(json!({"name": "Write Path Org", "tagline": "One."}))).await;
    d.write("update_organization", "PATCH", &org, Some(json!({"tagline": "Two."}))).await;
    d.write("restore_organization_revision", "POST", &format!("{org}/revisions/1/restore"), None).await;
    for (part, kind) in [("bodies", "committee"), ("offices", "headquarters")] {
        let singular = if part == "bodies" { "body" } else { "office" };
        let created = d
            .write(
                &format!("create_{singular}"),
                "POST",
                &format!("{org}/{part}"),
                Some(json!({"name": "Part", "kind": kind})),
            )
            .await;
        let one = format!("{org}/{part}/{}", created["id"]);
        d.write(
            &format!("replace_{singular}"),
            "PUT",
            &one,
            Some(json!({"name": "Part", "kind": kind, "sort_order": 2})),
        )
        .await;
        d.write(&format!("update_{singular}"), "PATCH", &one, Some(json!({"sort_order": 3}))).await;
        d.write(&format!("delete_{singular}"), "DELETE", &one, None).await;
    }
    d.write("delete_organization", "DELETE", &org, None).await;

    let item =
        d.write("create_news", "POST", "/api/v1/news", Some(json!({"title": "Write path", "body": "Words."}))).await;
    let id = item["id"].as_i64().unwrap();
    let one = format!("/api/v1/news/{id}");
    d.write("replace_news", "PUT", &one, Some(json!({"title": "Write path", "body": "Other words."}))).await;
    d.write("update_news", "PATCH", &one, Some(json!({"summary": "In short."}))).await;
    d.write("restore_news_revision", "POST", &format!("{one}/revisions/1/restore"), None).await;
    d.write("delete_news", "DELETE", &one, None).await;
    d.write("restore_trashed", "POST", &format!("/api/v1/trash/{id}/restore"), None).await;
    d.write("delete_news", "DELETE", &one, None).await;
    d.write("purge_trashed", "DELETE", &format!("/api/v1/trash/{id}"), None).await;

    let user = json!({"username": "writer", "password": "a long enough password", "role": "editor"});
    let user = d.write("create_user", "POST", "/api/v1/users", Some(user)).await;
    d.write("update_user", "PATCH", &format!("/api/v1/users/{}", user["id"]), Some(json!({"role": "admin"}))).await;
    // Last: it ends the token every write here was sent with.
    d.write("logout", "POST", "/api/v1/auth/logout", None).await;

    assert_eq!(d.driven, write_operations(), "every write operation of the document is driven here");
}
