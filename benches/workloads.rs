//! The standard ORM workloads beside hand-written sqlx, same run, same
//! data: `trivial` (every user into structs), `insert` (one multi-row
//! INSERT of users) and `get` (one user by primary key).
//!
//! ```text
//! cargo bench -p orm-benches --bench workloads
//! ORM_BENCH_POSTGRES_URL=postgres://root@127.0.0.1/test \
//! ORM_BENCH_MYSQL_URL=mysql://root@127.0.0.1/test cargo bench -p orm-benches --bench workloads
//! ```

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use orm::prelude::*;
use sqlx::Row;

#[derive(Model, Debug, Clone)]
#[model(table = "wl_users")]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
    pub hair_color: Option<String>,
}

pub struct RawUser {
    pub id: i64,
    pub name: String,
    pub hair_color: Option<String>,
}

fn sizes(default: &[usize]) -> Vec<usize> {
    match std::env::var("ORM_BENCH_SIZE")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        Some(n) => vec![n],
        None => default.to_vec(),
    }
}

fn user(i: usize) -> User {
    User {
        id: 0,
        name: format!("User {i}"),
        hair_color: Some(
            if i.is_multiple_of(2) {
                "black"
            } else {
                "brown"
            }
            .into(),
        ),
    }
}

macro_rules! raw_users {
    ($pool:expr) => {
        sqlx::query("SELECT id, name, hair_color FROM wl_users")
            .fetch_all($pool)
            .await
            .unwrap()
            .iter()
            .map(|r| RawUser {
                id: r.get(0),
                name: r.get(1),
                hair_color: r.get(2),
            })
            .collect::<Vec<RawUser>>()
    };
}

macro_rules! raw_get {
    ($pool:expr, $sql:expr, $id:expr) => {
        sqlx::query($sql)
            .bind($id)
            .fetch_one($pool)
            .await
            .map(|r| RawUser {
                id: r.get(0),
                name: r.get(1),
                hair_color: r.get(2),
            })
            .unwrap()
    };
}

macro_rules! raw_insert {
    ($pool:expr, $n:expr, $pg:expr) => {{
        let n: usize = $n;
        let mut sql = String::from("INSERT INTO wl_users (name, hair_color) VALUES ");
        for i in 0..n {
            if i > 0 {
                sql.push_str(", ");
            }
            if $pg {
                sql.push_str(&format!("(${}, ${})", 2 * i + 1, 2 * i + 2));
            } else {
                sql.push_str("(?, ?)");
            }
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for i in 0..n {
            let u = user(i);
            q = q.bind(u.name).bind(u.hair_color);
        }
        q.execute($pool).await.unwrap()
    }};
}

fn bench_backend(c: &mut Criterion, name: &str, url: &str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(Db::connect(url)).unwrap();
    let schema = orm::models![User];
    let reset = |n: usize| {
        rt.block_on(async {
            db.drop_all(&schema).await.unwrap();
            db.create_all(&schema).await.unwrap();
            if n > 0 {
                db.insert_many((0..n).map(user).collect()).await.unwrap();
            }
        })
    };

    let mut group = c.benchmark_group(format!("trivial/{name}"));
    group.sample_size(20);
    for n in sizes(&[1, 10, 100, 1_000, 10_000]) {
        reset(n);
        match name {
            "sqlite" => {
                let pool = rt.block_on(sqlx::SqlitePool::connect(url)).unwrap();
                group.bench_with_input(BenchmarkId::new("sqlx", n), &n, |b, _| {
                    b.to_async(&rt)
                        .iter(|| async { black_box(raw_users!(&pool)) })
                });
            }
            "postgres" => {
                let pool = rt.block_on(sqlx::PgPool::connect(url)).unwrap();
                group.bench_with_input(BenchmarkId::new("sqlx", n), &n, |b, _| {
                    b.to_async(&rt)
                        .iter(|| async { black_box(raw_users!(&pool)) })
                });
            }
            _ => {
                let pool = rt.block_on(sqlx::MySqlPool::connect(url)).unwrap();
                group.bench_with_input(BenchmarkId::new("sqlx", n), &n, |b, _| {
                    b.to_async(&rt)
                        .iter(|| async { black_box(raw_users!(&pool)) })
                });
            }
        }
        group.bench_with_input(BenchmarkId::new("orm", n), &n, |b, _| {
            b.to_async(&rt)
                .iter(|| async { black_box(User::query().all(&db).await.unwrap()) })
        });
    }
    group.finish();

    let mut group = c.benchmark_group(format!("get/{name}"));
    group.sample_size(20);
    reset(100);
    let by_key = if name == "postgres" {
        "SELECT id, name, hair_color FROM wl_users WHERE id = $1"
    } else {
        "SELECT id, name, hair_color FROM wl_users WHERE id = ?"
    };
    match name {
        "sqlite" => {
            let pool = rt.block_on(sqlx::SqlitePool::connect(url)).unwrap();
            group.bench_function("sqlx", |b| {
                b.to_async(&rt)
                    .iter(|| async { black_box(raw_get!(&pool, by_key, 42_i64)) })
            });
        }
        "postgres" => {
            let pool = rt.block_on(sqlx::PgPool::connect(url)).unwrap();
            group.bench_function("sqlx", |b| {
                b.to_async(&rt)
                    .iter(|| async { black_box(raw_get!(&pool, by_key, 42_i64)) })
            });
        }
        _ => {
            let pool = rt.block_on(sqlx::MySqlPool::connect(url)).unwrap();
            group.bench_function("sqlx", |b| {
                b.to_async(&rt)
                    .iter(|| async { black_box(raw_get!(&pool, by_key, 42_i64)) })
            });
        }
    }
    group.bench_function("orm", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(User::get(&db, 42).await.unwrap()) })
    });
    group.finish();

    let mut group = c.benchmark_group(format!("insert/{name}"));
    group.sample_size(20);
    reset(0);
    for n in sizes(&[1, 10, 25, 50, 100]) {
        match name {
            "sqlite" => {
                let pool = rt.block_on(sqlx::SqlitePool::connect(url)).unwrap();
                group.bench_with_input(BenchmarkId::new("sqlx", n), &n, |b, &n| {
                    b.to_async(&rt)
                        .iter(|| async { black_box(raw_insert!(&pool, n, false)) })
                });
            }
            "postgres" => {
                let pool = rt.block_on(sqlx::PgPool::connect(url)).unwrap();
                group.bench_with_input(BenchmarkId::new("sqlx", n), &n, |b, &n| {
                    b.to_async(&rt)
                        .iter(|| async { black_box(raw_insert!(&pool, n, true)) })
                });
            }
            _ => {
                let pool = rt.block_on(sqlx::MySqlPool::connect(url)).unwrap();
                group.bench_with_input(BenchmarkId::new("sqlx", n), &n, |b, &n| {
                    b.to_async(&rt)
                        .iter(|| async { black_box(raw_insert!(&pool, n, false)) })
                });
            }
        }
        group.bench_with_input(BenchmarkId::new("orm", n), &n, |b, &n| {
            b.to_async(&rt).iter_batched(
                || (0..n).map(user).collect::<Vec<_>>(),
                |users| async { black_box(db.insert_many(users).await.unwrap()) },
                criterion::BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

fn workloads(c: &mut Criterion) {
    let file = std::env::temp_dir().join(format!("orm-bench-wl-{}.db", std::process::id()));
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

criterion_group!(benches, workloads);
criterion_main!(benches);
