//! A 1 ms timer task beside 10,000-row SQLite queries on a multi-threaded
//! runtime: how late does it wake? SQLite's direct path steps the query
//! on a runtime thread in slices of about 200 µs with a yield between.
//!
//! Measured on two workers (the setting of the target: the timer has a
//! worker of its own to run on, and shows what the query costs the
//! runtime's timers and the machine) and on one worker, where the timer
//! and the query share the thread: there the timer waits for whatever the
//! query task does in one poll, so a query that held its thread would show.
//! Each runtime runs one timer, a `tokio::time::interval` of 1 ms, through
//! three phases: alone, beside the queries, and beside a control task that
//! only spins in slices of the same length with a yield between (what any
//! cooperative task gives). A wake's lateness is how long after its
//! scheduled tick it ran; a stall runs the next tick once, late by the
//! whole stall (`MissedTickBehavior::Skip`), so each late wake counts once.
//! tokio's timer works in whole milliseconds: where the interval falls on
//! that grid adds the same 0-1 ms to every wake of one runtime, which is
//! why the phases share one timer. The query task drops each result
//! itself, as a caller does (freeing 10,000 users takes some 0.3 ms of its
//! poll); how long each of its polls held the thread is recorded too, with
//! the CPU time the thread ran in it (a poll that took long while running
//! little was the thread descheduled), and so are the control's polls,
//! each a fixed 200 µs of spinning: any that took much longer show the
//! machine stalling the thread, whatever it runs. The first queries of a
//! connection hold their thread longer (the heap grows into fresh pages):
//! twenty run before the timer starts, and their longest poll is reported
//! apart.
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
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use fixture::{Data, Kind};
use orm::{Db, Executor};

const TICK: Duration = Duration::from_millis(1);
/// How late a wake may be.
const LIMIT: Duration = Duration::from_millis(2);
/// The direct path's slice of stepping between yields (orm-core's `SLICE`).
const SLICE: Duration = Duration::from_micros(200);

/// Queries run before the timer starts.
const WARM_UP: u32 = 20;

/// What runs beside the timer; the timer stops at `DONE`.
const IDLE: u8 = 0;
const QUERIES: u8 = 1;
const CONTROL: u8 = 2;
const DONE: u8 = 3;

/// Runs a 1 ms timer until the phase is `DONE`, returning how late each
/// wake was after its scheduled tick, by the phase it woke in.
fn timer(phase: Arc<AtomicU8>) -> tokio::task::JoinHandle<[Vec<Duration>; 3]> {
    tokio::spawn(async move {
        let mut late: [Vec<Duration>; 3] = Default::default();
        let mut ticks = tokio::time::interval(TICK);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        // The first tick is at once.
        ticks.tick().await;
        loop {
            let due = ticks.tick().await;
            let now = tokio::time::Instant::now();
            match phase.load(Ordering::Relaxed) {
                DONE => return late,
                at => late[usize::from(at)].push(now.saturating_duration_since(due)),
            }
        }
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
        // The nearest rank: the smallest sample at or above a share `q`.
        let at = |q: f64| {
            let rank = (q * samples.len() as f64).ceil() as usize;
            samples.get(rank.max(1) - 1).copied().unwrap_or_default()
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

/// One runtime's measurement.
struct Measured {
    workers: usize,
    idle: Spread,
    queries: Spread,
    control: Spread,
    polls: Spread,
    /// The CPU time of those polls.
    cpu: Spread,
    /// How long each poll of the control took: a slice of spinning, on a
    /// machine that never stalls.
    spins: Spread,
    /// The longest poll of the queries run before the timer.
    first: Duration,
    per_query: Duration,
}

/// The timer alone, beside the queries and beside the control, on a
/// runtime of `workers` threads.
fn measure(workers: usize, rows: usize, rounds: u32, idle_for: Duration) -> Measured {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
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
        let db = Arc::new(db);

        // The first queries of a connection and a process hold their
        // thread longer (the heap grows into fresh pages, the statement is
        // prepared): run before the timer, and reported apart.
        let (first, _) = tokio::spawn(PollTimes::new({
            let db = db.clone();
            async move {
                for _ in 0..WARM_UP {
                    drop(ours::trivial(&db).await);
                }
            }
        }))
        .await
        .unwrap();
        let first = first.into_iter().max().unwrap_or_default();

        let phase = Arc::new(AtomicU8::new(IDLE));
        let late = timer(phase.clone());

        // The timer alone: what the runtime's timer wheel gives.
        tokio::time::sleep(idle_for).await;

        // The queries, in a task of their own.
        phase.store(QUERIES, Ordering::Relaxed);
        let started = Instant::now();
        let (polls, cpu) = tokio::spawn(PollTimes::new(async move {
            for _ in 0..rounds {
                let users = ours::trivial(&db).await;
                assert_eq!(users.len(), rows);
                drop(users);
            }
        }))
        .await
        .unwrap();
        let spent = started.elapsed();

        // The control: a task that only spins, yielding after each slice,
        // for as long as the queries ran.
        phase.store(CONTROL, Ordering::Relaxed);
        let (spins, _) = tokio::spawn(PollTimes::new(async move {
            let started = Instant::now();
            while started.elapsed() < spent {
                let slice = Instant::now();
                while slice.elapsed() < SLICE {
                    std::hint::spin_loop();
                }
                tokio::task::yield_now().await;
            }
        }))
        .await
        .unwrap();
        phase.store(DONE, Ordering::Relaxed);
        let [idle, queries, control] = late.await.unwrap().map(Spread::of);
        Measured {
            workers,
            idle,
            queries,
            control,
            polls: Spread::of(polls),
            cpu: Spread::of(cpu),
            spins: Spread::of(spins),
            first,
            per_query: spent / rounds,
        }
    })
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let smoke = std::env::var_os("ORM_BENCH_SMOKE").is_some();
    let (rows, rounds, idle_for) = if smoke {
        (100, 5, Duration::from_millis(20))
    } else {
        (10_000, 1_000, Duration::from_secs(3))
    };
    let runs = [2, 1].map(|workers| measure(workers, rows, rounds, idle_for));

    let mut table = format!(
        "A 1 ms timer task (a `tokio::time::interval`) alone, beside {rounds} queries of {rows} \
         SQLite rows (the direct path), and beside a control task that only spins in the \
         direct path's {SLICE:?} slices with a yield between (what any cooperative task \
         gives), on a runtime of two workers and on one (where the timer and the query share \
         the thread): how late after its scheduled tick each wake ran. The last row of each is \
         how long the query task held its thread in each poll (dropping each result in it), how much of that time the thread ran (the rest it was descheduled), and how long the control's polls, {SLICE:?} of spinning each, took.\n\n\
         | workers | | samples | median | p99 | worst | over {LIMIT:?} |\n\
         |---:|---|---:|---:|---:|---:|---:|\n"
    );
    for run in &runs {
        let w = run.workers;
        table += &format!(
            "| {w} | timer alone, late by | {} |\n\
             | {w} | beside the queries ({:.2?} each), late by | {} |\n\
             | {w} | beside the spinning control, late by | {} |\n\
             | {w} | the query task's polls took | {} |\n\
             | {w} | of which the thread ran | {} |\n\
             | {w} | the control's polls ({SLICE:?} of spinning) took | {} |\n\
             | {w} | the longest poll of the {WARM_UP} queries before the timer | | | | {:.2} ms | |\n",
            run.idle.cells(),
            run.per_query,
            run.queries.cells(),
            run.control.cells(),
            run.polls.cells(),
            run.cpu.cells(),
            run.spins.cells(),
            run.first.as_secs_f64() * 1e3,
        );
    }
    fixture::write_table("orm-bench-timer.md", &table);
    for run in &runs {
        println!("{} worker(s):", run.workers);
        println!("  timer alone, late by:              {}", run.idle);
        println!(
            "  beside {rounds} queries of {rows} rows ({:?} each): {}",
            run.per_query, run.queries
        );
        println!(
            "  beside a task spinning in {SLICE:?} slices: {}",
            run.control
        );
        println!("  the query task's polls took:       {}", run.polls);
        println!("  of which the thread ran:           {}", run.cpu);
        println!("  the control's polls took:          {}", run.spins);
        println!(
            "  the longest poll of the {WARM_UP} queries before the timer: {:?}",
            run.first
        );
        println!(
            "  worst lateness beside the queries: {:?} ({})",
            run.queries.worst,
            if run.queries.worst <= LIMIT {
                "within 2 ms"
            } else {
                "OVER 2 ms"
            }
        );
    }
}

/// The CPU time the calling thread has run for.
fn thread_cpu() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec to write; the clock is the caller's.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// A future that records how long each of its polls took: how long the
/// task held its worker thread at a time, and how much of that the thread
/// ran (the rest it waited, descheduled by the operating system).
struct PollTimes<F> {
    inner: std::pin::Pin<Box<F>>,
    polls: Vec<Duration>,
    cpu: Vec<Duration>,
}

impl<F> PollTimes<F> {
    fn new(inner: F) -> Self {
        PollTimes {
            inner: Box::pin(inner),
            polls: Vec::new(),
            cpu: Vec::new(),
        }
    }
}

impl<F: std::future::Future<Output = ()>> std::future::Future for PollTimes<F> {
    /// The polls' wall-clock and CPU times.
    type Output = (Vec<Duration>, Vec<Duration>);

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let started = Instant::now();
        let ran = thread_cpu();
        let ready = self.inner.as_mut().poll(cx).is_ready();
        let took = started.elapsed();
        let ran = thread_cpu().saturating_sub(ran);
        self.polls.push(took);
        self.cpu.push(ran);
        if ready {
            std::task::Poll::Ready((
                std::mem::take(&mut self.polls),
                std::mem::take(&mut self.cpu),
            ))
        } else {
            std::task::Poll::Pending
        }
    }
}
