//! Eager loading of 1,000 users with 10,000 posts and 10,000 comments
//! (three levels, three queries), side by side with the hand-written sqlx
//! code doing the same: three queries and grouping by key.
//!
//! ```text
//! cargo bench -p orm-benches --bench loading
//! ORM_BENCH_POSTGRES_URL=postgres://root@127.0.0.1/test cargo bench -p orm-benches --bench loading
//! ORM_BENCH_SIZE=10 cargo bench -p orm-benches --bench loading -- --test   # smoke run
//! ```

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use orm::prelude::*;
use sqlx::Row;

#[derive(Model, Debug, Clone)]
#[model(table = "bench_users")]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
    #[has_many(Post, back_populates = "author")]
    pub posts: HasMany<Post>,
}

#[derive(Model, Debug, Clone)]
#[model(table = "bench_posts")]
pub struct Post {
    #[model(primary_key)]
    pub id: i64,
    #[model(index)]
    pub author_id: i64,
    pub title: String,
    #[belongs_to(User, back_populates = "posts")]
    pub author: BelongsTo<User>,
    #[has_many(Comment, back_populates = "post")]
    pub comments: HasMany<Comment>,
}

#[derive(Model, Debug, Clone)]
#[model(table = "bench_comments")]
pub struct Comment {
    #[model(primary_key)]
    pub id: i64,
    #[model(index)]
    pub post_id: i64,
    pub body: String,
    #[belongs_to(Post, back_populates = "comments")]
    pub post: BelongsTo<Post>,
}

/// The hand-written side: plain structs and a tree of tuples.
pub struct RawUser {
    pub id: i64,
    pub name: String,
}
pub struct RawPost {
    pub id: i64,
    pub author_id: i64,
    pub title: String,
}
pub struct RawComment {
    pub id: i64,
    pub post_id: i64,
    pub body: String,
}
pub type RawTree = Vec<(RawUser, Vec<(RawPost, Vec<RawComment>)>)>;

fn size() -> usize {
    std::env::var("ORM_BENCH_SIZE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000)
}

async fn seed(db: &Db, users: usize) {
    let schema = orm::models![User, Post, Comment];
    db.drop_all(&schema).await.unwrap();
    db.create_all(&schema).await.unwrap();
    let us = db
        .insert_many(
            (0..users)
                .map(|i| User {
                    id: 0,
                    name: format!("user {i}"),
                    posts: HasMany::default(),
                })
                .collect(),
        )
        .await
        .unwrap();
    let ps = db
        .insert_many(
            us.iter()
                .flat_map(|u| {
                    (0..10).map(move |j| Post {
                        id: 0,
                        author_id: u.id,
                        title: format!("post {j} of {}", u.name),
                        author: BelongsTo::default(),
                        comments: HasMany::default(),
                    })
                })
                .collect(),
        )
        .await
        .unwrap();
    db.insert_many(
        ps.iter()
            .map(|p| Comment {
                id: 0,
                post_id: p.id,
                body: format!("on {}", p.title),
                post: BelongsTo::default(),
            })
            .collect(),
    )
    .await
    .unwrap();
}

/// `col IN (?, ?, ...)` or `col = ANY($1)`, as one would write by hand.
fn in_clause(postgres: bool, n: usize) -> String {
    if postgres {
        "= ANY($1)".to_string()
    } else {
        format!("IN ({})", vec!["?"; n].join(", "))
    }
}

macro_rules! bind_keys {
    (pg, $q:ident, $ids:expr) => {
        $q = $q.bind($ids.clone());
    };
    (list, $q:ident, $ids:expr) => {
        for id in &$ids {
            $q = $q.bind(*id);
        }
    };
}

macro_rules! raw_tree {
    ($pool:expr, $mode:ident) => {{
        let postgres = stringify!($mode) == "pg";
        let pool = $pool;
        let users: Vec<RawUser> = sqlx::query("SELECT id, name FROM bench_users")
            .fetch_all(pool)
            .await
            .unwrap()
            .iter()
            .map(|r| RawUser {
                id: r.get(0),
                name: r.get(1),
            })
            .collect();
        let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
        let sql = format!(
            "SELECT id, author_id, title FROM bench_posts WHERE author_id {}",
            in_clause(postgres, ids.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        bind_keys!($mode, q, ids);
        let posts: Vec<RawPost> = q
            .fetch_all(pool)
            .await
            .unwrap()
            .iter()
            .map(|r| RawPost {
                id: r.get(0),
                author_id: r.get(1),
                title: r.get(2),
            })
            .collect();
        let post_ids: Vec<i64> = posts.iter().map(|p| p.id).collect();
        let sql = format!(
            "SELECT id, post_id, body FROM bench_comments WHERE post_id {}",
            in_clause(postgres, post_ids.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        bind_keys!($mode, q, post_ids);
        let mut comments: HashMap<i64, Vec<RawComment>> = HashMap::new();
        for r in q.fetch_all(pool).await.unwrap().iter() {
            let c = RawComment {
                id: r.get(0),
                post_id: r.get(1),
                body: r.get(2),
            };
            comments.entry(c.post_id).or_default().push(c);
        }
        let mut posts_by_user: HashMap<i64, Vec<(RawPost, Vec<RawComment>)>> = HashMap::new();
        for p in posts {
            let cs = comments.remove(&p.id).unwrap_or_default();
            posts_by_user.entry(p.author_id).or_default().push((p, cs));
        }
        let tree: RawTree = users
            .into_iter()
            .map(|u| {
                let ps = posts_by_user.remove(&u.id).unwrap_or_default();
                (u, ps)
            })
            .collect();
        tree
    }};
}

fn bench_backend(c: &mut Criterion, name: &str, url: &str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let users = size();
    let db = rt.block_on(async {
        let db = Db::connect(url).await.unwrap();
        seed(&db, users).await;
        db
    });
    let mut group = c.benchmark_group(format!("loading/{name}/{users}x10x1"));
    group.sample_size(20);
    match name {
        "sqlite" => {
            // The same SQLite file for both sides.
            let pool = rt.block_on(sqlx::SqlitePool::connect(url)).unwrap();
            group.bench_function("sqlx", |b| {
                b.to_async(&rt)
                    .iter(|| async { black_box(raw_tree!(&pool, list)) })
            });
        }
        "postgres" => {
            let pool = rt.block_on(sqlx::PgPool::connect(url)).unwrap();
            group.bench_function("sqlx", |b| {
                b.to_async(&rt)
                    .iter(|| async { black_box(raw_tree!(&pool, pg)) })
            });
        }
        _ => {
            let pool = rt.block_on(sqlx::MySqlPool::connect(url)).unwrap();
            group.bench_function("sqlx", |b| {
                b.to_async(&rt)
                    .iter(|| async { black_box(raw_tree!(&pool, list)) })
            });
        }
    }
    group.bench_function("orm", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(
                User::query()
                    .include(User::POSTS.include(Post::COMMENTS))
                    .all(&db)
                    .await
                    .unwrap(),
            )
        })
    });
    group.finish();
}

fn loading(c: &mut Criterion) {
    let file = std::env::temp_dir().join(format!("orm-bench-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&file);
    bench_backend(c, "sqlite", &format!("sqlite://{}", file.display()));
    let _ = std::fs::remove_file(&file);
    if let Ok(url) = std::env::var("ORM_BENCH_POSTGRES_URL") {
        bench_backend(c, "postgres", &url);
    }
    if let Ok(url) = std::env::var("ORM_BENCH_MYSQL_URL") {
        bench_backend(c, "mysql", &url);
    }
}

criterion_group!(benches, loading);
criterion_main!(benches);
