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

/// The count, median, 99th percentile and worst of some durations.
struct Spread {
    samples: usize,
    median: Duration,
    p99: Duration,
    worst: Duration,
}

impl Spread {
    fn of(mut samples: Vec<Duration>) -> Self {
        samples.sort();
        let at = |q: f64| {
            samples
                .get(((samples.len().max(1) - 1) as f64 * q) as usize)
                .copied()
                .unwrap_or_default()
        };
        Spread {
            samples: samples.len(),
            median: at(0.5),
            p99: at(0.99),
            worst: at(1.0),
        }
    }

    /// As the cells of a table row.
    fn cells(&self) -> String {
        let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1e3);
        format!(
            "{} | {} | {} | {}",
            self.samples,
            ms(self.median),
            ms(self.p99),
            ms(self.worst)
        )
    }
}

impl std::fmt::Display for Spread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} samples, median {:?}, p99 {:?}, worst {:?}",
            self.samples, self.median, self.p99, self.worst
        )
    }
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
        let [idle, control, busy, polls] = [idle, control, busy, polls].map(Spread::of);

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
            idle.cells(),
            control.cells(),
            busy.cells(),
            polls.cells(),
        );
        fixture::write_table("orm-bench-timer.md", &table);
        println!("timer alone, late by:            {}", idle);
        println!(
            "beside a task spinning in {SLICE:?} slices: {}",
            control
        );
        println!(
            "beside {rounds} queries of {rows} rows ({per_query:?} each): {}",
            busy
        );
        println!("the query task's polls took:     {}", polls);
        println!(
            "worst lateness beside the queries: {:?} ({})",
            busy.worst,
            if busy.worst <= 2 * TICK {
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
