//! examples/service.rs in process, on every backend: requests through
//! tower's `oneshot`, answers and statement counts held.

#[path = "../examples/service.rs"]
#[allow(dead_code)]
mod service;

#[path = "suite/harness.rs"]
#[macro_use]
#[allow(dead_code, unused_macros)]
mod harness;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use orm::prelude::*;
use service::*;
use tower::ServiceExt;

/// Sends `method path` with an optional JSON body; the status and the JSON
/// answer.
async fn call(
    db: &Db,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> (StatusCode, serde_json::Value) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .body(match body {
            Some(b) => Body::from(b.to_string()),
            None => Body::empty(),
        })
        .unwrap();
    let response = app(db.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    let json = if bytes.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (status, json)
}

scenario!(async fn the_blog_service_end_to_end(db, backend) {
    db.create_all(&schema()).await?;
    let (status, ada) = call(db, "POST", "/users", Some(serde_json::json!({"name": "ada"}))).await;
    assert_eq!(status, StatusCode::CREATED, "{ada}");
    let ada_id = ada["id"].as_i64().unwrap();
    let (status, _) = call(db, "POST", "/users", Some(serde_json::json!({"name": "bob"}))).await;
    assert_eq!(status, StatusCode::CREATED);
    // A taken name is a conflict.
    let (status, err) = call(db, "POST", "/users", Some(serde_json::json!({"name": "ada"}))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");

    // Posts with new and existing tags.
    let (status, first) = call(db, "POST", "/posts", Some(serde_json::json!({"user_id": ada_id, "title": "Hello", "tags": ["rust", "db"]}))).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["tags"], serde_json::json!(["db", "rust"]));
    let (status, second) = call(db, "POST", "/posts", Some(serde_json::json!({"user_id": ada_id, "title": "Again", "tags": ["rust", "orm"]}))).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert_eq!(Tag::query().count(db).await?, 3, "rust was reused");
    // Too long a title: 422, nothing written.
    let (status, _) = call(db, "POST", "/posts", Some(serde_json::json!({"user_id": ada_id, "title": "x".repeat(121), "tags": ["new"]}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(Tag::query().count(db).await?, 3, "the failed request's tag was rolled back");
    // No such user: 404.
    let (status, _) = call(db, "POST", "/posts", Some(serde_json::json!({"user_id": 999_999, "title": "t"}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A page with authors and tags, in three statements.
    let rec = db.recorder();
    let (status, page) = call(db, "GET", "/posts?page=1&per_page=1", None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(rec.count(), 4, "count, page, authors, tags: {:?}", rec.statements());
    assert_eq!((page["total"].as_u64(), page["pages"].as_u64()), (Some(2), Some(2)));
    assert_eq!(page["items"][0]["title"], "Again");
    assert_eq!(page["items"][0]["author"], "ada");
    assert_eq!(page["items"][0]["tags"], serde_json::json!(["orm", "rust"]));

    // Per-user counts, one statement.
    let rec = db.recorder();
    let (_, stats) = call(db, "GET", "/stats", None).await;
    assert_eq!(rec.count(), 1);
    let stats: Vec<UserStats> = serde_json::from_value(stats).unwrap();
    let counts: Vec<(&str, i64)> = stats.iter().map(|s| (s.name.as_str(), s.posts)).collect();
    assert_eq!(counts, [("ada", 2), ("bob", 0)]);

    // Deleting a user takes their posts.
    let (status, _) = call(db, "DELETE", &format!("/users/{ada_id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(Post::query().count(db).await?, 0);
    let (status, _) = call(db, "DELETE", &format!("/users/{ada_id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let _ = backend;
    Ok(())
});
