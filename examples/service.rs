//! A small blog service on axum: users, posts and tags.
//!
//! - `POST /users` `{"name": ".."}`: a user (409 when the name is taken).
//! - `POST /posts` `{"user_id": 1, "title": "..", "tags": ["rust", "db"]}`:
//!   a post with new and existing tags, in one transaction (tags are
//!   upserted, the post and its tag links written as one graph).
//! - `GET /posts?page=1&per_page=10`: a page of posts with their author and
//!   tags (three statements whatever the page size).
//! - `GET /stats`: every user with the number of their posts (one
//!   statement).
//! - `DELETE /users/{id}`: a user and their posts (`cascade = "delete"`),
//!   404 when there is none.
//!
//! `orm::Error` becomes an HTTP status: `NotFound` 404, `UniqueViolation`
//! 409, `Validation` 422, anything else 500. Statements are traced with
//! `RUST_LOG=debug`.
//!
//! ```text
//! cargo run --example service --features example-service
//! DATABASE_URL=postgres://.. cargo run --example service --features example-service
//! ```

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use orm::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Model, Debug, Clone)]
#[model(table = "svc_users")]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    #[model(unique, max_length = 40)]
    pub name: String,
    #[has_many(Post, back_populates = "author", cascade = "all, delete-orphan")]
    pub posts: HasMany<Post>,
}

#[derive(Model, Debug, Clone)]
#[model(table = "svc_posts")]
pub struct Post {
    #[model(primary_key)]
    pub id: i64,
    pub author_id: i64,
    #[model(max_length = 120)]
    pub title: String,
    #[belongs_to(User, back_populates = "posts")]
    pub author: BelongsTo<User>,
    #[has_many(Tag, back_populates = "posts", order_by = "name")]
    #[secondary(table = "svc_post_tags")]
    pub tags: HasMany<Tag>,
}

#[derive(Model, Debug, Clone)]
#[model(table = "svc_tags")]
pub struct Tag {
    #[model(primary_key)]
    pub id: i64,
    #[model(unique, max_length = 30)]
    pub name: String,
    #[has_many(Post, back_populates = "tags")]
    #[secondary(table = "svc_post_tags")]
    pub posts: HasMany<Post>,
}

/// The service's tables.
pub fn schema() -> orm::Schema {
    orm::models![User, Post, Tag]
}

/// `orm::Error` as an HTTP answer.
pub struct ApiError(orm::Error);

impl From<orm::Error> for ApiError {
    fn from(e: orm::Error) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self.0 {
            orm::Error::NotFound { .. } => StatusCode::NOT_FOUND,
            orm::Error::UniqueViolation { .. } => StatusCode::CONFLICT,
            orm::Error::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let body = serde_json::json!({ "error": self.0.to_string() });
        (status, Json(body)).into_response()
    }
}

type ApiResult<T> = Result<T, ApiError>;

#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct UserOut {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct PostOut {
    pub id: i64,
    pub title: String,
    pub author: String,
    pub tags: Vec<String>,
}

impl PostOut {
    fn of(post: &Post) -> orm::Result<PostOut> {
        Ok(PostOut {
            id: post.id,
            title: post.title.clone(),
            author: post.author.get()?.name.clone(),
            tags: post.tags.get()?.iter().map(|t| t.name.clone()).collect(),
        })
    }
}

#[derive(Debug, Deserialize)]
pub struct NewUser {
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub struct NewPost {
    pub user_id: i64,
    pub title: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct Paging {
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, orm::FromRow)]
pub struct UserStats {
    pub id: i64,
    pub name: String,
    pub posts: i64,
}

async fn create_user(
    State(db): State<Db>,
    Json(new): Json<NewUser>,
) -> ApiResult<impl IntoResponse> {
    let user = db
        .insert(User {
            id: 0,
            name: new.name,
            posts: HasMany::default(),
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(UserOut {
            id: user.id,
            name: user.name,
        }),
    ))
}

async fn create_post(
    State(db): State<Db>,
    Json(new): Json<NewPost>,
) -> ApiResult<impl IntoResponse> {
    let post = db
        .transaction(async |tx| -> orm::Result<Post> {
            let author = User::get(&tx, new.user_id).await?;
            // Find or create each tag: no unique violation when another
            // request creates the same tag at the same time.
            let wanted: Vec<Tag> = new
                .tags
                .iter()
                .map(|name| Tag {
                    id: 0,
                    name: name.clone(),
                    posts: HasMany::default(),
                })
                .collect();
            tx.upsert_many(wanted)
                .on_conflict(Tag::NAME)
                .do_nothing()
                .await?;
            let tags = Tag::query()
                .filter(Tag::NAME.in_list(new.tags.iter().map(String::as_str)))
                .order_by(Tag::NAME)
                .all(&tx)
                .await?;
            // The post and its links to existing tags, written as one graph.
            let mut post = tx
                .insert(Post {
                    id: 0,
                    author_id: author.id,
                    title: new.title,
                    author: BelongsTo::default(),
                    tags: HasMany::loaded(tags),
                })
                .await?;
            post.author = BelongsTo::loaded(author);
            Ok(post)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(PostOut::of(&post)?)))
}

async fn list_posts(
    State(db): State<Db>,
    Query(paging): Query<Paging>,
) -> ApiResult<Json<orm::Page<PostOut>>> {
    let page = Post::query()
        .include(Post::AUTHOR)
        .include(Post::TAGS)
        .order_by(Post::ID.desc())
        .paginate(paging.page.unwrap_or(1), paging.per_page.unwrap_or(10))
        .fetch(&db)
        .await?;
    Ok(Json(orm::Page {
        items: page
            .items
            .iter()
            .map(PostOut::of)
            .collect::<orm::Result<_>>()?,
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        pages: page.pages,
    }))
}

async fn stats(State(db): State<Db>) -> ApiResult<Json<Vec<UserStats>>> {
    let rows = User::query()
        .select((User::ID, User::NAME, User::POSTS.count()))
        .order_by(User::POSTS.count().desc())
        .order_by(User::NAME)
        .all_into(&db)
        .await?;
    Ok(Json(rows))
}

async fn delete_user(State(db): State<Db>, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    let user = User::get(&db, id).await?;
    db.delete(&user).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The service's routes over `db`.
pub fn app(db: Db) -> Router {
    Router::new()
        .route("/users", post(create_user))
        .route("/users/{id}", delete(delete_user))
        .route("/posts", post(create_post).get(list_posts))
        .route("/stats", get(stats))
        .with_state(db)
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .init();
    }
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".into());
    let db = Db::connect(&url).await?;
    db.create_all(&schema()).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("listening on http://127.0.0.1:3000");
    axum::serve(listener, app(db)).await?;
    Ok(())
}
