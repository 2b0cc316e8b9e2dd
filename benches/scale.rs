//! Eager loading at scale on PostgreSQL: users x 10 posts x 10 comments
//! loaded as one tree (`include(User::POSTS.include(Post::COMMENTS))`) at
//! 100, 1,000 and 10,000 users (the associations workload, then 10x and
//! 100x it), beside hand-written sqlx doing the same three queries.
//! Reports each size's median time, the cost per row loaded and the
//! statements the ORM sent (three at every size). Writes
//! `target/orm-bench-scale.md`.
//!
//! ```text
//! ORM_BENCH_POSTGRES_URL=postgres://root@127.0.0.1/test cargo bench -p orm-benches --bench scale
//! ORM_BENCH_SMOKE=1 cargo bench -p orm-benches --bench scale   # 2 and 20 users
//! ```

#[path = "compare/dsl.rs"]
#[allow(dead_code)]
mod dsl;
#[path = "compare/fixture.rs"]
#[allow(dead_code)]
mod fixture;
#[path = "compare/floor.rs"]
mod floor;
#[path = "compare/ours.rs"]
#[allow(dead_code)]
mod ours;
#[path = "compare/sea.rs"]
#[allow(dead_code)]
mod sea;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use fixture::{Data, Kind};
use floor::{Floor, Statements};
use orm::Db;

/// The median of `runs` timed calls of `f` (after one untimed call).
async fn median<T, F: AsyncFnMut() -> T>(runs: usize, mut f: F) -> Duration {
    std::hint::black_box(f().await);
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        std::hint::black_box(f().await);
        times.push(started.elapsed());
    }
    times.sort();
    times[runs / 2]
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let Some(url) = std::env::var("ORM_BENCH_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        println!("scale: ORM_BENCH_POSTGRES_URL is not set: skipped");
        return;
    };
    let smoke = std::env::var_os("ORM_BENCH_SMOKE").is_some();
    let sizes: &[usize] = if smoke {
        &[2, 20]
    } else {
        &[100, 1_000, 10_000]
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut table = String::from(
        "Users x 10 posts x 10 comments loaded as one tree on PostgreSQL \
         (`cargo bench -p orm-benches --bench scale`; median of the runs shown).\n\n\
         | users | rows loaded | runs | sqlx | orm | orm / sqlx | orm per row | statements |\n\
         |---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    rt.block_on(async {
        let floor = Floor::connect(Kind::Postgres, &url).await;
        let st = Statements::new(Kind::Postgres);
        let db = Db::connect(&url).await.unwrap();
        for &users in sizes {
            let data = Data {
                users,
                posts_per_user: 10,
                comments_per_post: 10,
                ..Data::default()
            };
            floor.run_script(fixture::script(Kind::Postgres, data)).await;
            let rows = users * (1 + 10 + 100);
            let rec = db.recorder();
            let tree = ours::associations(&db).await;
            let statements = rec.count();
            drop(rec);
            assert_eq!(tree.len(), users);
            assert_eq!(statements, 3, "{users} users: {statements} statements");
            drop(tree);
            let runs = match users {
                n if n >= 10_000 => 5,
                n if n >= 1_000 => 11,
                _ => 31,
            };
            let runs = if smoke { 1 } else { runs };
            let sqlx = median(runs, async || floor.associations(&st).await).await;
            let orm = median(runs, async || ours::associations(&db).await).await;
            let per_row = orm.as_nanos() as f64 / rows as f64;
            println!(
                "scale/postgres/{users}: {rows} rows, sqlx {sqlx:?}, orm {orm:?} ({:.2}x), {per_row:.0} ns per row, {statements} statements",
                orm.as_secs_f64() / sqlx.as_secs_f64()
            );
            writeln!(
                table,
                "| {users} | {rows} | {runs} | {:.2} ms | {:.2} ms | {:.2} | {per_row:.0} ns | {statements} |",
                sqlx.as_secs_f64() * 1e3,
                orm.as_secs_f64() * 1e3,
                orm.as_secs_f64() / sqlx.as_secs_f64()
            )
            .unwrap();
        }
    });
    fixture::write_table("orm-bench-scale.md", &table);
}
