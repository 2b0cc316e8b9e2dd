//! A graph insert of 100 users with 10 posts each, side by side with the
//! hand-written sqlx code doing the same work: one multi-row INSERT of the
//! users returning their keys, one of the posts carrying them.
//!
//! ```text
//! cargo bench -p orm-benches --bench saving
//! ORM_BENCH_POSTGRES_URL=postgres://root@127.0.0.1/test cargo bench -p orm-benches --bench saving
//! ```

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use orm::prelude::*;
use sqlx::Row;

#[derive(Model, Debug, Clone)]
#[model(table = "save_users")]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
    #[has_many(Post, back_populates = "author")]
    pub posts: HasMany<Post>,
}

#[derive(Model, Debug, Clone)]
#[model(table = "save_posts")]
pub struct Post {
    #[model(primary_key)]
    pub id: i64,
    #[model(index)]
    pub author_id: i64,
    pub title: String,
    #[belongs_to(User, back_populates = "posts")]
    pub author: BelongsTo<User>,
}

fn graph(users: usize) -> Vec<User> {
    (0..users)
        .map(|i| User {
            id: 0,
            name: format!("user {i}"),
            posts: HasMany::new(
                (0..10)
                    .map(|j| Post {
                        id: 0,
                        author_id: 0,
                        title: format!("post {j} of user {i}"),
                        author: BelongsTo::default(),
                    })
                    .collect(),
            ),
        })
        .collect()
}

/// Runs an INSERT and gives the keys of its rows: from RETURNING, or from
/// MySQL's first generated key.
macro_rules! keys {
    (returning, $q:expr, $tx:expr, $n:expr) => {
        $q.fetch_all(&mut *$tx)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<i64, _>(0))
            .collect::<Vec<i64>>()
    };
    (last_id, $q:expr, $tx:expr, $n:expr) => {{
        let first = $q.execute(&mut *$tx).await.unwrap().last_insert_id() as i64;
        (0..$n as i64).map(|k| first + k).collect::<Vec<i64>>()
    }};
}

/// The same work by hand: users, their keys, posts with those keys.
macro_rules! raw_save {
    ($pool:expr, $users:expr, $placeholder:expr, $mode:ident) => {{
        let returning = stringify!($mode) == "returning";
        let users: usize = $users;
        let mut tx = $pool.begin().await.unwrap();
        let mut sql = String::from("INSERT INTO save_users (name) VALUES ");
        for i in 0..users {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("({})", $placeholder(i + 1)));
        }
        if returning {
            sql.push_str(" RETURNING id");
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for i in 0..users {
            q = q.bind(format!("user {i}"));
        }
        let ids: Vec<i64> = keys!($mode, q, tx, users);
        let mut sql = String::from("INSERT INTO save_posts (author_id, title) VALUES ");
        let mut n = 0;
        for (i, _) in ids.iter().enumerate() {
            for _ in 0..10 {
                if n > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!(
                    "({}, {})",
                    $placeholder(2 * n + 1),
                    $placeholder(2 * n + 2)
                ));
                n += 1;
                let _ = i;
            }
        }
        if returning {
            sql.push_str(" RETURNING id");
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (i, id) in ids.iter().enumerate() {
            for j in 0..10 {
                q = q.bind(*id).bind(format!("post {j} of user {i}"));
            }
        }
        let post_ids: Vec<i64> = keys!($mode, q, tx, ids.len() * 10);
        tx.commit().await.unwrap();
        (ids, post_ids)
    }};
}

fn pg_placeholder(n: usize) -> String {
    format!("${n}")
}

fn question_mark(_: usize) -> String {
    "?".to_string()
}

fn users() -> usize {
    std::env::var("ORM_BENCH_SIZE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100)
}

fn bench_backend(c: &mut Criterion, name: &str, url: &str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let n = users();
    let db = rt.block_on(async {
        let db = Db::connect(url).await.unwrap();
        let schema = orm::models![User, Post];
        db.drop_all(&schema).await.unwrap();
        db.create_all(&schema).await.unwrap();
        db
    });
    let mut group = c.benchmark_group(format!("saving/{name}/{n}x10"));
    group.sample_size(20);
    match name {
        "sqlite" => {
            let pool = rt.block_on(sqlx::SqlitePool::connect(url)).unwrap();
            group.bench_function("sqlx", |b| {
                b.to_async(&rt)
                    .iter(|| async { black_box(raw_save!(&pool, n, question_mark, returning)) })
            });
        }
        "postgres" => {
            let pool = rt.block_on(sqlx::PgPool::connect(url)).unwrap();
            group.bench_function("sqlx", |b| {
                b.to_async(&rt)
                    .iter(|| async { black_box(raw_save!(&pool, n, pg_placeholder, returning)) })
            });
        }
        _ => {
            let pool = rt.block_on(sqlx::MySqlPool::connect(url)).unwrap();
            group.bench_function("sqlx", |b| {
                b.to_async(&rt)
                    .iter(|| async { black_box(raw_save!(&pool, n, question_mark, last_id)) })
            });
        }
    }
    group.bench_function("orm", |b| {
        b.to_async(&rt).iter_batched(
            || graph(n),
            |users| async { black_box(db.insert_many(users).await.unwrap()) },
            criterion::BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn saving(c: &mut Criterion) {
    let file = std::env::temp_dir().join(format!("orm-bench-save-{}.db", std::process::id()));
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

criterion_group!(benches, saving);
criterion_main!(benches);
