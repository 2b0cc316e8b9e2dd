//! A 1 ms timer task beside 10,000-row SQLite queries on a multi-threaded
//! runtime (two workers): how late does it wake? SQLite's direct path
//! steps the query on a runtime thread in slices of about 200 µs with a
//! yield between; this measures that the other tasks do not wait for the
//! query. The timer is a `tokio::time::interval` of 1 ms, and a wake's
//! lateness is how long after its scheduled tick it ran (a `sleep` of
//! 1 ms measured from before it would add tokio's rounding up to the next
//! millisecond, some 1 ms of every wake, which no other task causes).
//! Reports the lateness alone, beside a task that only spins in slices of
//! the same length (the control: what the runtime and the machine give any
//! cooperative task), and beside the queries, with how many wakes came
//! more than 2 ms late and how long the query task held its worker in
//! each poll. The query task drops each result itself, as a caller does
//! (freeing 10,000 users takes some 0.3 ms of its poll).
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
/// How late a wake may be.
const LIMIT: Duration = Duration::from_millis(2);
/// The direct path's slice of stepping between yields (orm-core's `SLICE`).
const SLICE: Duration = Duration::from_micros(200);

/// Runs a 1 ms timer until `stop`, returning how late each wake was
/// after its scheduled tick. A tick missed by more than 1 ms still runs,
/// at once, and counts as late by as much (tokio's default
/// `MissedTickBehavior::Burst`).
fn timer(stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<Vec<Duration>> {
    tokio::spawn(async move {
        let mut late = Vec::new();
        let mut ticks = tokio::time::interval(TICK);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        // The first tick is at once.
        ticks.tick().await;
        // At least one wake, however short the run.
        while late.is_empty() || !stop.load(Ordering::Relaxed) {
            let due = ticks.tick().await;
            late.push(tokio::time::Instant::now().saturating_duration_since(due));
        }
        late
    })
}

/// The count, median, 99th percentile and worst of some durations, and
/// how many were over 2 ms.
struct Spread {
    samples: usize,
    median: Duration,
    p99: Duration,
    worst: Duration,
    over: usize,
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
            over: samples.iter().filter(|d| **d > LIMIT).count(),
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
            "{} | {} | {} | {} | {} ({:.2} %)",
            self.samples,
            ms(self.median),
            ms(self.p99),
            ms(self.worst),
            self.over,
            self.over as f64 * 100.0 / self.samples.max(1) as f64
        )
    }
}

impl std::fmt::Display for Spread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} samples, median {:?}, p99 {:?}, worst {:?}, {} over {LIMIT:?}",
            self.samples, self.median, self.p99, self.worst, self.over
        )
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let smoke = std::env::var_os("ORM_BENCH_SMOKE").is_some();
    let (rows, rounds) = if smoke { (100, 5) } else { (10_000, 1_000) };
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
        tokio::time::sleep(Duration::from_millis(if smoke { 20 } else { 3_000 })).await;
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
                    drop(users);
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
            "A 1 ms timer task (a `tokio::time::interval`) beside {rounds} queries of {rows} \
             SQLite rows (the direct path) on a two-worker runtime: how late after its scheduled \
             tick each wake ran, and, for the control, beside a task that only spins in the \
             direct path's {SLICE:?} slices with a yield between (what any cooperative task \
             gives). The last row is how long the query task held its worker in each poll \
             (dropping each result in it).\n\n\
             | | samples | median | p99 | worst | over {LIMIT:?} |\n|---|---:|---:|---:|---:|---:|\n\
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
            if busy.worst <= LIMIT {
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
