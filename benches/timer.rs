//! A 1 ms timer task beside 10,000-row SQLite queries on a multi-threaded
//! runtime (two workers): how late does it wake? SQLite's direct path
//! steps the query on a runtime thread in slices of about 200 µs with a
//! yield between; this measures that the other tasks do not wait for the
//! query. Reports the timer's lateness (beyond its 1 ms) alone, beside a
//! task that only spins in slices of the same length (the control: what
//! the runtime and the machine give any cooperative task), and beside the
//! queries, with how long the query task held its worker in each poll.
//! The queries' results are dropped on a blocking thread: freeing 10,000
//! users takes some 0.3 ms, which is the caller's work, not the query's.
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
/// The direct path's slice of stepping between yields (orm-core's `SLICE`).
const SLICE: Duration = Duration::from_micros(200);

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

/// Samples, median, 99th percentile and worst as table cells.
fn row(samples: &[Duration]) -> String {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let Some(worst) = sorted.last() else {
        return "0 | | | ".into();
    };
    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q) as usize];
    let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1e3);
    format!(
        "{} | {} | {} | {}",
        sorted.len(),
        ms(at(0.5)),
        ms(at(0.99)),
        ms(*worst)
    )
}

fn summary(mut late: Vec<Duration>) -> String {
    if late.is_empty() {
        return "no wakes".into();
    }
    late.sort();
    let at = |q: f64| late[((late.len() - 1) as f64 * q) as usize];
    format!(
        "{} samples, median {:?}, p99 {:?}, worst {:?}",
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
            PollTimes::new(async move {
                for _ in 0..rounds {
                    let users = ours::trivial(&db).await;
                    assert_eq!(users.len(), rows);
                    tokio::task::spawn_blocking(move || drop(users));
                }
            })
        });
        let polls = queries.await.unwrap();
        let per_query = started.elapsed() / rounds;
        stop.store(true, Ordering::Relaxed);
        let busy = busy.await.unwrap();
        let worst = busy.iter().max().copied().unwrap_or_default();

        // The control: a task that only spins, yielding after each slice,
        // for as long as the queries ran.
        let stop = Arc::new(AtomicBool::new(false));
        let control = timer(stop.clone());
        let spin_for = per_query * rounds;
        tokio::spawn(async move {
            let started = Instant::now();
            while started.elapsed() < spin_for {
                let slice = Instant::now();
                while slice.elapsed() < SLICE {
                    std::hint::spin_loop();
                }
                tokio::task::yield_now().await;
            }
        })
        .await
        .unwrap();
        stop.store(true, Ordering::Relaxed);
        let control = control.await.unwrap();

        let table = format!(
            "A 1 ms timer task beside {rounds} queries of {rows} SQLite rows (the direct path) on a \
             two-worker runtime: how late past its 1 ms each wake came, and, for the control, \
             beside a task that only spins in the direct path's {SLICE:?} slices with a yield \
             between (what any cooperative task gives). The last row is how long the query task \
             held its worker in each poll.\n\n\
             | | samples | median | p99 | worst |\n|---|---:|---:|---:|---:|\n\
             | timer alone, late by | {} |\n\
             | beside the spinning control, late by | {} |\n\
             | beside the queries ({per_query:.2?} each), late by | {} |\n\
             | the query task's polls took | {} |\n",
            row(&idle),
            row(&control),
            row(&busy),
            row(&polls),
        );
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
        let _ = std::fs::write(target.join("orm-bench-timer.md"), table);
        println!("timer alone, late by:            {}", summary(idle));
        println!(
            "beside a task spinning in {SLICE:?} slices: {}",
            summary(control)
        );
        println!(
            "beside {rounds} queries of {rows} rows ({per_query:?} each): {}",
            summary(busy)
        );
        println!("the query task's polls took:     {}", summary(polls));
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

/// A future that records how long each of its polls took: how long the
/// task held its worker thread at a time.
struct PollTimes<F> {
    inner: std::pin::Pin<Box<F>>,
    polls: Vec<Duration>,
}

impl<F> PollTimes<F> {
    fn new(inner: F) -> Self {
        PollTimes {
            inner: Box::pin(inner),
            polls: Vec::new(),
        }
    }
}

impl<F: std::future::Future<Output = ()>> std::future::Future for PollTimes<F> {
    type Output = Vec<Duration>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Vec<Duration>> {
        let started = Instant::now();
        let ready = self.inner.as_mut().poll(cx).is_ready();
        let took = started.elapsed();
        self.polls.push(took);
        if ready {
            std::task::Poll::Ready(std::mem::take(&mut self.polls))
        } else {
            std::task::Poll::Pending
        }
    }
}
