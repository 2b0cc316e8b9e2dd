//! Peak heap while streaming 1,000,000 rows, per contender: hand-written
//! sqlx (`fetch`), this ORM (`stream`), SeaORM (`stream`) and Diesel
//! (`load_iter`; row by row on PostgreSQL). The global allocator counts
//! the Rust heap; each contender starts from the same baseline (its pool
//! holding one open connection), reads every row and drops it. Writes `target/orm-bench-stream.md` for the
//! report.
//!
//! ```text
//! cargo bench -p orm-benches --bench stream
//! ORM_BENCH_SMOKE=1 cargo bench -p orm-benches --bench stream   # 1,000 rows
//! ```

// The comparison's models and floor, of which this uses the users.
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

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::prelude::*;
use fixture::Kind;
use floor::Floor;
use futures_util::TryStreamExt;
use orm::prelude::*;

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Heap held by what `f` returns.
async fn held<T, F: Future<Output = T>>(f: F) -> usize {
    let base = CURRENT.load(Ordering::Relaxed);
    let out = f.await;
    let held = CURRENT.load(Ordering::Relaxed) - base;
    drop(out);
    held
}

/// Peak heap above the level at the start of `f`.
async fn peak<F: Future<Output = usize>>(f: F) -> (usize, usize) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let started = std::time::Instant::now();
    let rows = f.await;
    let peak = PEAK.load(Ordering::Relaxed) - base;
    // The time is printed for a look, not compared: the compare bench
    // times reads.
    println!("  {rows} rows in {:.1?}", started.elapsed());
    (rows, peak)
}

/// Lets a pool come to rest before it is measured: each holds an open
/// connection, back in the pool (sqlx pings a connection it takes back, in
/// a task of its own; a query in the meantime would open another), so
/// that the peak is the stream's, not a connect's.
async fn at_rest() {
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
}

fn seed_script(kind: Kind, rows: usize) -> String {
    fixture::script(
        kind,
        fixture::Data {
            users: rows,
            ..Default::default()
        },
    )
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let rows = if std::env::var_os("ORM_BENCH_SMOKE").is_some() {
        1_000
    } else {
        1_000_000
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut backends = vec![(Kind::Sqlite, "sqlite::memory:".to_string())];
    if let Ok(url) = std::env::var("ORM_BENCH_POSTGRES_URL") {
        backends.push((Kind::Postgres, url));
    }
    if let Ok(url) = std::env::var("ORM_BENCH_MYSQL_URL") {
        backends.push((Kind::MySql, url));
    }
    let mut table = format!(
        "Peak Rust heap above the starting level while reading {rows} rows one at a time \
         (`cargo bench -p orm-benches --bench stream`).\n\n\
         | backend | sqlx | orm | sea-orm | diesel |\n|---|---:|---:|---:|---:|\n"
    );
    for (kind, url) in &backends {
        let (kind, url) = (*kind, url.as_str());
        let results = rt.block_on(async { measure(kind, url, rows).await });
        let label = label(kind);
        write!(table, "| {label} |").unwrap();
        for (name, (n, bytes)) in &results {
            assert_eq!(*n, rows, "{name} on {label} read {n} rows");
            println!(
                "stream/{}/{name}: {rows} rows, peak heap {bytes} bytes",
                kind.name()
            );
            write!(table, " {:.1} KiB |", *bytes as f64 / 1024.0).unwrap();
        }
        if results.len() == 3 {
            write!(table, " n/a |").unwrap();
        }
        writeln!(table).unwrap();
    }
    // Eager loading: users, their posts and the posts' comments, held.
    let size = if std::env::var_os("ORM_BENCH_SMOKE").is_some() {
        10
    } else {
        100
    };
    write!(
        table,
        "\nPeak Rust heap above the starting level while loading {size} users x 10 posts x 10 \
         comments (the associations workload), and the heap its result holds.\n\n\
         | backend | sqlx peak | orm peak | orm / sqlx | sqlx result | orm result | orm / sqlx |\n\
         |---|---:|---:|---:|---:|---:|---:|\n"
    )
    .unwrap();
    for (kind, url) in &backends {
        let ((floor, floor_held), (ours, ours_held)) =
            rt.block_on(async { eager(*kind, url, size).await });
        println!(
            "associations/{}: peak heap sqlx {floor} bytes, orm {ours} bytes; result sqlx {floor_held} bytes, orm {ours_held} bytes",
            kind.name()
        );
        let kib = |n: usize| n as f64 / 1024.0;
        writeln!(
            table,
            "| {} | {:.1} KiB | {:.1} KiB | {:.2} | {:.1} KiB | {:.1} KiB | {:.2} |",
            label(*kind),
            kib(floor),
            kib(ours),
            ours as f64 / floor as f64,
            kib(floor_held),
            kib(ours_held),
            ours_held as f64 / floor_held as f64
        )
        .unwrap();
    }
    fixture::write_table("orm-bench-stream.md", &table);
}

fn label(kind: Kind) -> &'static str {
    match kind {
        Kind::Sqlite => "SQLite (memory)",
        Kind::Postgres => "PostgreSQL",
        Kind::MySql => "MariaDB",
    }
}

/// Peak heap of the associations workload: the floor's three queries
/// grouped by hand, and the ORM's two nested includes (whose posts and
/// comments also get their parent back-populated).
async fn eager(kind: Kind, url: &str, users: usize) -> ((usize, usize), (usize, usize)) {
    let script = fixture::script(
        kind,
        fixture::Data {
            users,
            posts_per_user: 10,
            comments_per_post: 10,
            ..Default::default()
        },
    );
    let floor = Floor::connect(kind, url).await;
    floor.run_script(script.clone()).await;
    let st = floor::Statements::new(kind);
    // Once to prepare the statements (both sides keep them), then measured.
    drop(floor.associations(&st).await);
    at_rest().await;
    let (_, floor_peak) = peak(async { floor.associations(&st).await.len() }).await;
    let floor_held = held(floor.associations(&st)).await;
    drop(floor);
    let db = Db::connect(url).await.unwrap();
    if kind == Kind::Sqlite {
        db.execute_script(&script).await.unwrap();
    }
    drop(ours::associations(&db).await);
    at_rest().await;
    let (_, ours_peak) = peak(async { ours::associations(&db).await.len() }).await;
    let ours_held = held(ours::associations(&db)).await;
    ((floor_peak, floor_held), (ours_peak, ours_held))
}

async fn measure(kind: Kind, url: &str, rows: usize) -> Vec<(&'static str, (usize, usize))> {
    use sea_orm::{ConnectionTrait, EntityTrait};
    let script = seed_script(kind, rows);
    let mut out = Vec::new();
    // sqlx
    let floor = Floor::connect(kind, url).await;
    floor.run_script(script.clone()).await;
    at_rest().await;
    out.push(("sqlx", peak(floor.stream()).await));
    drop(floor);
    // orm
    let db = Db::connect(url).await.unwrap();
    if kind == Kind::Sqlite {
        db.execute_script(&script).await.unwrap();
    }
    orm::raw("SELECT 1").execute(&db).await.unwrap();
    at_rest().await;
    out.push((
        "orm",
        peak(async {
            ours::User::query()
                .stream(&db)
                .try_fold(0, |n, _| async move { Ok(n + 1) })
                .await
                .unwrap()
        })
        .await,
    ));
    drop(db);
    // SeaORM
    let mut opts = sea_orm::ConnectOptions::new(url.to_string());
    opts.sqlx_logging(false);
    if kind == Kind::Sqlite {
        opts.max_connections(1);
    }
    let sea = sea_orm::Database::connect(opts).await.unwrap();
    if kind == Kind::Sqlite {
        sea.execute_unprepared(&script).await.unwrap();
    }
    sea.execute_unprepared("SELECT 1").await.unwrap();
    at_rest().await;
    out.push((
        "sea-orm",
        peak(async {
            sea::user::Entity::find()
                .stream(&sea)
                .await
                .unwrap()
                .try_fold(0, |n, _| async move { Ok(n + 1) })
                .await
                .unwrap()
        })
        .await,
    ));
    drop(sea);
    // Diesel
    match kind {
        Kind::Sqlite => {
            let mut conn = diesel::SqliteConnection::establish(":memory:").unwrap();
            diesel::connection::SimpleConnection::batch_execute(&mut conn, &script).unwrap();
            out.push((
                "diesel",
                peak(async {
                    dsl::users::table
                        .select(dsl::User::as_select())
                        .load_iter::<dsl::User, diesel::connection::DefaultLoadingMode>(&mut conn)
                        .unwrap()
                        .try_fold(0, |n, row| row.map(|_| n + 1))
                        .unwrap()
                })
                .await,
            ));
        }
        Kind::Postgres => {
            let mut conn = diesel::PgConnection::establish(url).unwrap();
            out.push((
                "diesel",
                peak(async {
                    dsl::users::table
                        .select(dsl::User::as_select())
                        .load_iter::<dsl::User, diesel::pg::PgRowByRowLoadingMode>(&mut conn)
                        .unwrap()
                        .try_fold(0, |n, row| row.map(|_| n + 1))
                        .unwrap()
                })
                .await,
            ));
        }
        Kind::MySql => {}
    }
    out
}
