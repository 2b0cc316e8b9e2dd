//! Peak heap while streaming 1,000,000 rows, per contender: hand-written
//! sqlx (`fetch`), this ORM (`stream`), SeaORM (`stream`) and Diesel
//! (`load_iter`; row by row on PostgreSQL). The global allocator counts
//! the Rust heap; each contender starts from the same baseline, reads
//! every row and drops it. Writes `target/orm-bench-stream.md` for the
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

/// Peak heap above the level at the start of `f`.
async fn peak<F: Future<Output = usize>>(f: F) -> (usize, usize) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let rows = f.await;
    (rows, PEAK.load(Ordering::Relaxed) - base)
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
    for (kind, url) in backends {
        let results = rt.block_on(async { measure(kind, &url, rows).await });
        let label = match kind {
            Kind::Sqlite => "SQLite (memory)",
            Kind::Postgres => "PostgreSQL",
            Kind::MySql => "MariaDB",
        };
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
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let _ = std::fs::write(target.join("orm-bench-stream.md"), table);
}

async fn measure(kind: Kind, url: &str, rows: usize) -> Vec<(&'static str, (usize, usize))> {
    use sea_orm::{ConnectionTrait, EntityTrait};
    let script = seed_script(kind, rows);
    let mut out = Vec::new();
    // sqlx
    let floor = Floor::connect(kind, url).await;
    floor.run_script(script.clone()).await;
    out.push(("sqlx", peak(floor.stream()).await));
    drop(floor);
    // orm
    let db = Db::connect(url).await.unwrap();
    if kind == Kind::Sqlite {
        db.execute_script(&script).await.unwrap();
    }
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
