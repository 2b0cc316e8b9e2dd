//! `stream` decodes rows one at a time: streaming 1,000,000 rows keeps the
//! heap flat, where collecting them would take over 100 MB. Memory is
//! watched with a counting allocator, so this is its own test binary.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::TryStreamExt;
use orm::prelude::*;

#[path = "suite/harness.rs"]
#[macro_use]
#[allow(dead_code, unused_macros)]
mod harness;

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
static GLOBAL: Counting = Counting;

#[derive(Model, Debug, Clone)]
pub struct Sample {
    #[model(primary_key)]
    pub id: i64,
    pub label: String,
    pub value: f64,
}

const ROWS: i64 = 1_000_000;

async fn stream_a_million(backend: harness::Backend) {
    let Some(test_db) = harness::setup(backend).await else {
        eprintln!("{backend:?} not configured: skipped");
        return;
    };
    let db = &test_db.db;
    db.create_all(&orm::models![Sample]).await.unwrap();
    let fill = format!(
        "INSERT INTO sample (id, label, value) \
         SELECT x, CONCAT('sample label number ', CAST(x AS CHAR(10))), x * 0.5 FROM \
         (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {ROWS}) SELECT x FROM c) AS s"
    );
    let fill = match backend {
        harness::Backend::Sqlite => fill.replace(
            "CONCAT('sample label number ', CAST(x AS CHAR(10)))",
            "'sample label number ' || x",
        ),
        harness::Backend::Postgres => fill.replace("CAST(x AS CHAR(10))", "x::text"),
        harness::Backend::MySql => fill,
    };
    // One connection, so that the session's recursion limit applies.
    let tx = db.begin().await.unwrap();
    if backend == harness::Backend::MySql {
        let mariadb = orm::raw("SET SESSION max_recursive_iterations = 2000000")
            .execute(&tx)
            .await;
        if mariadb.is_err() {
            orm::raw("SET SESSION cte_max_recursion_depth = 2000000")
                .execute(&tx)
                .await
                .unwrap();
        }
    }
    orm::raw(fill).execute(&tx).await.unwrap();
    tx.commit().await.unwrap();

    let baseline = CURRENT.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);
    let mut count = 0_i64;
    let mut sum = 0.0_f64;
    let mut rows = Sample::query().stream(db);
    while let Some(sample) = rows.try_next().await.unwrap() {
        count += 1;
        sum += sample.value;
        assert!(sample.label.starts_with("sample label number "));
    }
    drop(rows);
    let growth = PEAK.load(Ordering::Relaxed).saturating_sub(baseline);

    assert_eq!(count, ROWS);
    assert_eq!(sum, (ROWS * (ROWS + 1) / 2) as f64 * 0.5);
    // Collected, a million rows of ~60 bytes each would need well over
    // 100 MB; streamed, the heap grows by buffers only.
    assert!(
        growth < 16 * 1024 * 1024,
        "{backend:?}: streaming grew the heap by {growth} bytes"
    );
    eprintln!("{backend:?}: streamed {count} rows, peak heap growth {growth} bytes");
    test_db.teardown().await;
}

#[tokio::test]
async fn streaming_a_million_rows_keeps_memory_flat() {
    // One backend after another: the allocator counts the whole process.
    for backend in [
        harness::Backend::Sqlite,
        harness::Backend::Postgres,
        harness::Backend::MySql,
    ] {
        stream_a_million(backend).await;
    }
}
