//! A 1 ms timer task beside 10,000-row SQLite queries on a multi-threaded
//! runtime (two workers): how late does it wake? SQLite's direct path
//! steps the query on a runtime thread in slices of about 200 µs with a
//! yield between; this measures that the other tasks do not wait for the
//! query. Reports the timer's lateness
//! (beyond its 1 ms) with and without the queries running beside it.
//!
//! ```text
//! cargo bench -p orm-benches --bench timer
//! ORM_BENCH_SMOKE=1 cargo bench -p orm-benches --bench timer   # 100 rows
//! ```

#[path = "compare/fixture.rs"]
#[allow(dead_code)]
mod fixture;
#[path = "compare/ours.rs"]
#[allow(dead_code)]
mod ours;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use fixture::{Data, Kind};
use orm::{Db, Executor};

const TICK: Duration = Duration::from_millis(1);

/// Runs a 1 ms timer until `stop`, returning how late each wake was.
fn timer(stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<Vec<Duration>> {
    tokio::spawn(async move {
        let mut late = Vec::new();
        // At least one wake, however short the run.
        while late.is_empty() || !stop.load(Ordering::Relaxed) {
            let started = Instant::now();
            tokio::time::sleep(TICK).await;
            late.push(started.elapsed().saturating_sub(TICK));
        }
        late
    })
}

fn summary(mut late: Vec<Duration>) -> String {
    if late.is_empty() {
        return "no wakes".into();
    }
    late.sort();
    let at = |q: f64| late[((late.len() - 1) as f64 * q) as usize];
    format!(
        "{} wakes, median {:?} late, p99 {:?}, worst {:?}",
        late.len(),
        at(0.5),
        at(0.99),
        late[late.len() - 1]
    )
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let smoke = std::env::var_os("ORM_BENCH_SMOKE").is_some();
    let (rows, rounds) = if smoke { (100, 5) } else { (10_000, 300) };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let db = Db::connect("sqlite::memory:").await.unwrap();
        let data = Data {
            users: rows,
            ..Data::default()
        };
        db.execute_script(&fixture::script(Kind::Sqlite, data))
            .await
            .unwrap();

        // The timer alone: what the runtime's timer wheel gives.
        let stop = Arc::new(AtomicBool::new(false));
        let idle = timer(stop.clone());
        tokio::time::sleep(Duration::from_millis(if smoke { 20 } else { 1_000 })).await;
        stop.store(true, Ordering::Relaxed);
        let idle = idle.await.unwrap();

        // The timer beside the queries, each in a task of its own.
        let stop = Arc::new(AtomicBool::new(false));
        let busy = timer(stop.clone());
        let started = Instant::now();
        let db = Arc::new(db);
        let queries = tokio::spawn({
            let db = db.clone();
            async move {
                for _ in 0..rounds {
                    assert_eq!(ours::trivial(&db).await.len(), rows);
                }
            }
        });
        queries.await.unwrap();
        let per_query = started.elapsed() / rounds;
        stop.store(true, Ordering::Relaxed);
        let busy = busy.await.unwrap();
        let worst = busy.iter().max().copied().unwrap_or_default();
        println!("timer alone:          {}", summary(idle));
        println!(
            "beside {rounds} queries of {rows} rows ({per_query:?} each): {}",
            summary(busy)
        );
        println!(
            "worst lateness beside the queries: {worst:?} ({})",
            if worst <= 2 * TICK {
                "within 2 ms"
            } else {
                "OVER 2 ms"
            }
        );
    });
}
