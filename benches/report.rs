//! Runs the comparison benchmarks and writes their results into
//! `docs/benchmarks.md`: per workload and size, the median of every
//! contender as a ratio to hand-written sqlx from the same run, with the
//! machine and the date; then the tables of the `stream` (peak memory),
//! `scale` (eager loading at 10x and 100x) and `timer` (a timer beside
//! SQLite's direct path) benches from the same run; last, on the servers,
//! the paired measurement (`ORM_BENCH_PAIRED`, see the compare bench) of
//! the workloads held to 1.05x the floor, with the bench on the first CPU
//! and the server's processes on the others where `taskset` can place
//! them.
//!
//! ```text
//! cargo run -p orm-benches --release --bin report            # run, then write
//! cargo run -p orm-benches --release --bin report -- --quick  # shorter measurement
//! cargo run -p orm-benches --release --bin report -- --no-run # write from target/criterion
//! cargo run -p orm-benches --release --bin report -- --paired # print the paired table only
//! ```
//!
//! PostgreSQL and MySQL/MariaDB are measured at `ORM_BENCH_POSTGRES_URL`
//! and `ORM_BENCH_MYSQL_URL` (default: the local servers,
//! `postgres://root@127.0.0.1:5432/test` and `mysql://root@127.0.0.1:3306/test`);
//! set one to an empty string to leave that backend out.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

const START: &str = "<!-- results:start -->";
const END: &str = "<!-- results:end -->";

const WORKLOADS: &[(&str, &str)] = &[
    ("trivial", "trivial: every user into structs (size = rows)"),
    (
        "medium",
        "medium: users LEFT JOIN posts WHERE hair_color = 'black' into (User, Option<Post>) (size = users)",
    ),
    ("get", "get by primary key (one row of 100)"),
    ("insert", "insert: one multi-row INSERT (size = users)"),
    (
        "associations",
        "associations: users x 10 posts x 10 comments into a tree (size = users)",
    ),
    (
        "posts-with-tags",
        "posts with their tags, many-to-many, 3 tags per post (size = posts)",
    ),
    (
        "graph-insert",
        "graph insert: users with 10 posts each, one transaction (size = posts)",
    ),
    (
        "aggregate",
        "aggregate: posts per user, GROUP BY into (i32, i64) (size = posts)",
    ),
    (
        "upsert",
        "upsert: labels inserted or updated by their unique name, read back (size = labels)",
    ),
];
const BACKENDS: &[(&str, &str)] = &[
    ("sqlite", "SQLite (memory)"),
    ("postgres", "PostgreSQL"),
    ("mysql", "MariaDB"),
];
const PEERS: &[&str] = &["orm", "sea-orm", "diesel", "diesel-async", "sqlx-default"];

/// One measurement: (workload, backend, contender, size) -> median in ns.
type Results = BTreeMap<(String, String, String, u64), f64>;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    if args.iter().any(|a| a == "--paired") {
        print!("{}", run_paired(&root).0);
        return;
    }
    let (since, paired) = if args.iter().any(|a| a == "--no-run") {
        (SystemTime::UNIX_EPOCH, None)
    } else {
        let started = SystemTime::now();
        run_benchmarks(&root, args.iter().any(|a| a == "--quick"));
        (started, Some(run_paired(&root)))
    };
    let results = collect(&target.join("criterion"), since);
    if results.is_empty() {
        eprintln!("no results under {}", target.join("criterion").display());
        std::process::exit(1);
    }
    // A table from an earlier run (a bench left out this time) is not this run's.
    let extra = |name: &str| {
        let path = target.join(name);
        let fresh = std::fs::metadata(&path).ok()?.modified().ok()? >= since;
        fresh.then(|| std::fs::read_to_string(path).ok()).flatten()
    };
    let section = render(
        &results,
        &Tables {
            stream: extra("orm-bench-stream.md"),
            scale: extra("orm-bench-scale.md"),
            timer: extra("orm-bench-timer.md"),
            paired,
        },
    );
    let doc_path = root.join("docs/benchmarks.md");
    let doc = std::fs::read_to_string(&doc_path).unwrap_or_default();
    let doc = match (doc.find(START), doc.find(END)) {
        (Some(a), Some(b)) if a < b => format!("{}{START}\n{section}{}", &doc[..a], &doc[b..]),
        _ => format!("{doc}\n{START}\n{section}{END}\n"),
    };
    std::fs::write(&doc_path, doc).unwrap();
    println!("wrote {}", doc_path.display());
}

fn server_url(var: &str, default: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if v.is_empty() => None,
        Ok(v) => Some(v),
        Err(_) => Some(default.to_string()),
    }
}

/// The servers measured: `(variable, url)` of each that is not left out.
fn server_envs() -> Vec<(&'static str, String)> {
    let mut envs = Vec::new();
    if let Some(url) = server_url(
        "ORM_BENCH_POSTGRES_URL",
        "postgres://root@127.0.0.1:5432/test",
    ) {
        envs.push(("ORM_BENCH_POSTGRES_URL", url));
    }
    if let Some(url) = server_url("ORM_BENCH_MYSQL_URL", "mysql://root@127.0.0.1:3306/test") {
        envs.push(("ORM_BENCH_MYSQL_URL", url));
    }
    envs
}

fn run_benchmarks(root: &Path, quick: bool) {
    let timing: &[&str] = if quick {
        &["--warm-up-time", "1", "--measurement-time", "2"]
    } else {
        &["--warm-up-time", "2", "--measurement-time", "5"]
    };
    let envs = server_envs();
    for (bench, extra) in [
        ("compare", timing),
        ("stream", &[][..]),
        ("scale", &[][..]),
        ("timer", &[][..]),
    ] {
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(root)
            .args(["bench", "-p", "orm-benches", "--bench", bench, "--"])
            .args(extra)
            .env_remove("ORM_BENCH_POSTGRES_URL")
            .env_remove("ORM_BENCH_MYSQL_URL")
            .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
            .status()
            .expect("cargo bench runs");
        assert!(status.success(), "cargo bench --bench {bench} failed");
    }
}

/// The paired measurements: `(workload, rows)`, each on each server;
/// `get` a second time with `/aa`, the same hand-written sqlx on a second
/// pool in the ORM's place, the spread two identical contenders show.
const PAIRED: &[(&str, usize, bool)] = &[
    ("get", 100, true),
    ("get", 100, false),
    ("trivial", 1, false),
    ("trivial", 10, false),
    ("trivial", 100, false),
    ("trivial", 10_000, false),
    ("medium", 1, false),
    ("medium", 10, false),
    ("medium", 100, false),
    ("medium", 1_000, false),
    ("insert", 1, false),
    ("insert", 25, false),
    ("insert", 100, false),
    ("associations", 100, false),
];

/// Separate processes (each with its own connections) per measurement.
const PAIRED_RUNS: usize = 3;

/// Each paired measurement's runs: (backend, workload, rows, control) ->
/// (sqlx µs, orm µs, median ratio, lower quartile, upper quartile) of
/// each run.
type Paired = BTreeMap<(String, String, usize, bool), Vec<[f64; 5]>>;

/// How the tables name a backend.
fn label(backend: &str) -> &str {
    BACKENDS
        .iter()
        .find(|(b, _)| *b == backend)
        .map_or(backend, |(_, l)| l)
}

/// The middle of a measurement's runs by their median ratio.
fn middle(runs: &[[f64; 5]]) -> &[f64; 5] {
    let mut sorted: Vec<&[f64; 5]> = runs.iter().collect();
    sorted.sort_by(|a, b| a[2].total_cmp(&b[2]));
    sorted[sorted.len() / 2]
}

/// The server's processes, moved onto every CPU but the first while the
/// paired measurements run and given every CPU back when dropped.
struct Placed {
    pids: Vec<String>,
    all: String,
}

impl Placed {
    /// Places the local server's processes (`postgres`, all of them, or
    /// `mariadbd`/`mysqld` with its threads): `None` with one CPU, without
    /// `taskset`, or when no such process is found or may be moved.
    fn servers(kind: &str, cpus: usize) -> Option<Placed> {
        if cpus < 2 {
            return None;
        }
        let names: &[&str] = if kind == "postgres" {
            &["postgres"]
        } else {
            &["mariadbd", "mysqld"]
        };
        let pids: Vec<String> = names
            .iter()
            .filter_map(|n| command("pgrep", &["-x", n]))
            .flat_map(|out| out.lines().map(str::to_string).collect::<Vec<_>>())
            .collect();
        let rest = format!("1-{}", cpus - 1);
        let placed = Placed {
            all: format!("0-{}", cpus - 1),
            pids,
        };
        let moved = placed
            .pids
            .iter()
            .all(|pid| command("taskset", &["-a", "-p", "-c", &rest, pid]).is_some());
        (moved && !placed.pids.is_empty()).then_some(placed)
    }
}

impl Drop for Placed {
    fn drop(&mut self) {
        for pid in &self.pids {
            let _ = command("taskset", &["-a", "-p", "-c", &self.all, pid]);
        }
    }
}

/// Runs the paired measurements on each server, the bench on the first
/// CPU and the server on the others where they can be placed (with the
/// two on whichever cores the scheduler picks, two identical contenders
/// measured 0.99x-1.30x of each other here, run to run); returns them
/// rendered, with each run's figures.
fn run_paired(root: &Path) -> (String, Paired) {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut out = Paired::new();
    let mut placement = Vec::new();
    for (var, url) in server_envs() {
        let backend = if var == "ORM_BENCH_POSTGRES_URL" {
            "postgres"
        } else {
            "mysql"
        };
        let name = label(backend);
        let placed = Placed::servers(backend, cpus);
        placement.push(match &placed {
            Some(_) if cpus == 2 => format!("{name}'s processes on CPU 1"),
            Some(_) => format!("{name}'s processes on CPUs 1-{}", cpus - 1),
            None => {
                format!("{name} where the scheduler put it (its processes could not be placed)")
            }
        });
        for &(workload, rows, control) in PAIRED {
            let spec = format!("{workload}/20{}", if control { "/aa" } else { "" });
            for _ in 0..PAIRED_RUNS {
                let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
                let mut cmd = if placed.is_some() {
                    let mut c = Command::new("taskset");
                    c.args(["-c", "0", &cargo]);
                    c
                } else {
                    Command::new(&cargo)
                };
                cmd.current_dir(root)
                    .args(["bench", "-p", "orm-benches", "--bench", "compare"])
                    .env_remove("ORM_BENCH_POSTGRES_URL")
                    .env_remove("ORM_BENCH_MYSQL_URL")
                    .env_remove("ORM_BENCH_PROFILE_MYSQL")
                    .env(var, &url)
                    .env("ORM_BENCH_PAIRED", &spec)
                    .env("ORM_BENCH_PROFILE_ROWS", rows.to_string());
                if backend == "mysql" {
                    cmd.env("ORM_BENCH_PROFILE_MYSQL", "1");
                }
                let output = cmd.output().expect("cargo bench runs");
                let text = String::from_utf8_lossy(&output.stdout);
                print!("{text}");
                assert!(output.status.success(), "paired {spec} on {backend} failed");
                let figures = text
                    .lines()
                    .find_map(paired_figures)
                    .expect("the paired bench prints its figures");
                out.entry((backend.to_string(), workload.to_string(), rows, control))
                    .or_default()
                    .push(figures);
            }
        }
    }
    let mut s = String::new();
    writeln!(
        s,
        "Hand-written sqlx and this ORM timed in alternating blocks of calls of about 20 ms, \
         20 rounds, the order swapped every round (`ORM_BENCH_PAIRED`), {PAIRED_RUNS} runs of each \
         as separate processes with connections of their own; the bench on CPU 0, {}. Per run: \
         the median time per call of each, the median of the rounds' ratios and its quartiles. \
         \"control\" puts the same sqlx on a second pool in the ORM's place.\n",
        placement.join(", ")
    )
    .unwrap();
    writeln!(
        s,
        "| backend | workload | size | sqlx (middle run) | orm | orm / sqlx, each run (quartiles) | middle run | target |"
    )
    .unwrap();
    writeln!(s, "|---|---|---:|---:|---:|---|---:|---|").unwrap();
    for ((backend, workload, rows, control), runs) in &out {
        let label = label(backend);
        let shown = middle(runs);
        let each: Vec<String> = runs
            .iter()
            .map(|r| format!("{:.3} ({:.2}-{:.2})", r[2], r[3], r[4]))
            .collect();
        let verdict = match (*control, shown[2] <= 1.05) {
            (true, _) => "control".to_string(),
            (false, true) => "met".to_string(),
            (false, false) => "**missed** (over 1.05x the floor)".to_string(),
        };
        writeln!(
            s,
            "| {label} | {workload}{} | {} | {} | {} | {} | {:.3} | {verdict} |",
            if *control { " (control)" } else { "" },
            // Criterion's size of a lookup by key is its one row.
            if workload == "get" {
                format!("1 of {rows}")
            } else {
                rows.to_string()
            },
            time(shown[0] * 1e3),
            time(shown[1] * 1e3),
            each.join(", "),
            shown[2],
        )
        .unwrap();
    }
    writeln!(s).unwrap();
    (s, out)
}

/// `sqlx 91.7 us, orm 91.9 us, orm / sqlx median 1.002 (quartiles
/// 0.952-1.083)` out of the paired bench's line (`second sqlx pool` in
/// place of `orm` for the control).
fn paired_figures(line: &str) -> Option<[f64; 5]> {
    let number = |after: &str| -> Option<f64> {
        let rest = &line[line.find(after)? + after.len()..];
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        rest[..end].parse().ok()
    };
    let quartiles = &line[line.find("(quartiles ")? + "(quartiles ".len()..];
    let (low, high) = quartiles.trim_end_matches(')').split_once('-')?;
    Some([
        number(": sqlx ")?,
        number(", orm ").or_else(|| number(", second sqlx pool "))?,
        number("median ")?,
        low.parse().ok()?,
        high.parse().ok()?,
    ])
}

fn collect(dir: &Path, since: SystemTime) -> Results {
    let mut out = Results::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n == "new") {
                    if let Some(r) = read_one(&p, since) {
                        out.insert(r.0, r.1);
                    }
                } else {
                    stack.push(p);
                }
            }
        }
    }
    out
}

fn read_one(dir: &Path, since: SystemTime) -> Option<((String, String, String, u64), f64)> {
    let estimates = dir.join("estimates.json");
    if std::fs::metadata(&estimates).ok()?.modified().ok()? < since {
        return None;
    }
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("benchmark.json")).ok()?).ok()?;
    let est: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(estimates).ok()?).ok()?;
    let (workload, backend) = meta["group_id"].as_str()?.split_once('/')?;
    let contender = meta["function_id"].as_str()?.to_string();
    let size = meta["value_str"].as_str()?.parse().ok()?;
    let median = est["median"]["point_estimate"].as_f64()?;
    Some((
        (workload.to_string(), backend.to_string(), contender, size),
        median,
    ))
}

fn time(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.1} µs", ns / 1e3)
    }
}

fn command(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<u64>().ok())
        })
        .map(|kb| format!("{} GiB", kb / 1024 / 1024))
        .unwrap_or_default();
    let kernel = command("uname", &["-sr"]).unwrap_or_default();
    let rustc = command("rustc", &["--version"]).unwrap_or_default();
    let date = command("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default();
    format!(
        "{date}; {cpu}, {cores} cores, {mem}, {kernel}; {rustc}; database servers on the same machine"
    )
}

/// The tables of the benches that are not criterion's, as they wrote them.
struct Tables {
    stream: Option<String>,
    scale: Option<String>,
    timer: Option<String>,
    /// The paired measurements, rendered, with the verdict of each
    /// (backend, workload, size) they held.
    paired: Option<(String, Paired)>,
}

/// What this ORM's median is held against, and the ratio it may reach.
#[derive(Clone, Copy)]
enum Target {
    /// At most this ratio to the hand-written sqlx floor.
    Floor(f64),
    /// At most this ratio to synchronous Diesel on the same database.
    Diesel(f64),
}

/// The targets: within 1.05x of the floor on the servers (trivial,
/// medium, get, insert, associations); inserts of 10,000 rows on
/// PostgreSQL (COPY) at least three times faster than the floor's
/// multi-row INSERT; on SQLite, 10,000 rows and associations within 1.5x
/// of Diesel, one row within 3x, and the rest within 1.05x of the floor.
fn target(workload: &str, backend: &str, size: u64) -> Option<Target> {
    match (workload, backend) {
        ("insert", "postgres") if size >= 10_000 => Some(Target::Floor(1.0 / 3.0)),
        ("trivial", "sqlite") if size >= 10_000 => Some(Target::Diesel(1.5)),
        ("associations", "sqlite") => Some(Target::Diesel(1.5)),
        ("get", "sqlite") => Some(Target::Diesel(3.0)),
        ("trivial" | "medium" | "insert" | "get" | "associations", _) => Some(Target::Floor(1.05)),
        _ => None,
    }
}

fn render(results: &Results, tables: &Tables) -> String {
    let mut s = String::new();
    writeln!(s, "Measured {}.\n", machine()).unwrap();
    writeln!(
        s,
        "Medians; every contender as a ratio to hand-written sqlx in the same run (lower is faster; \
         1.00 = the floor). The floor is hand-written sqlx as a careful engineer sets it up: a pool \
         that does not ping the server before each use, statements prepared once, rows decoded by \
         position. \"sqlx default pool\" is the same code on sqlx's default pool (`PgPool::connect`), \
         which pings before each use. \"target\" checks this ORM against its goals: at most 1.05x \
         the floor on trivial, medium, get, insert and associations; at most 0.33x the floor on \
         inserts of 10,000 rows on PostgreSQL (COPY); on SQLite, at most 1.5x synchronous Diesel \
         on 10,000 rows and on associations and 3x on get by key (the other SQLite sizes against \
         the floor); and faster than SeaORM everywhere.\n"
    )
    .unwrap();
    // The middle run of the paired measurement of one workload and size
    // (criterion's `get` is of size 1, one row out of a table of 100).
    let paired = |backend: &str, workload: &str, size: u64| -> Option<f64> {
        let (_, runs) = tables.paired.as_ref()?;
        let rows = if workload == "get" {
            100
        } else {
            size as usize
        };
        let runs = runs.get(&(backend.to_string(), workload.to_string(), rows, false))?;
        Some(middle(runs)[2])
    };
    let mut misses = Vec::new();
    let mut settled = Vec::new();
    for (workload, title) in WORKLOADS {
        let rows: Vec<_> = results
            .keys()
            .filter(|k| k.0 == *workload && k.2 == "sqlx")
            .collect();
        if rows.is_empty() {
            continue;
        }
        writeln!(s, "### {title}\n").unwrap();
        writeln!(
            s,
            "| backend | size | sqlx | orm | sea-orm | diesel | diesel-async | sqlx default pool | target |"
        )
        .unwrap();
        writeln!(s, "|---|---:|---:|---:|---:|---:|---:|---:|---|").unwrap();
        for (backend, label) in BACKENDS {
            let mut sizes: Vec<u64> = rows
                .iter()
                .filter(|k| k.1 == *backend)
                .map(|k| k.3)
                .collect();
            sizes.sort_unstable();
            for size in sizes {
                let get = |c: &str| {
                    results
                        .get(&(
                            workload.to_string(),
                            backend.to_string(),
                            c.to_string(),
                            size,
                        ))
                        .copied()
                };
                let floor = get("sqlx").unwrap();
                write!(s, "| {label} | {size} | {} |", time(floor)).unwrap();
                for peer in PEERS {
                    match get(peer) {
                        Some(v) => write!(s, " {:.2} |", v / floor).unwrap(),
                        None => write!(s, " n/a |").unwrap(),
                    }
                }
                let verdict = match get("orm") {
                    None => "n/a".to_string(),
                    Some(orm) => {
                        let ratio = orm / floor;
                        let mut why = Vec::new();
                        match target(workload, backend, size) {
                            Some(Target::Floor(t)) if ratio > t => {
                                why.push(format!("over {t:.2}x the floor"));
                            }
                            Some(Target::Diesel(t)) => match get("diesel") {
                                Some(diesel) if orm / diesel > t => {
                                    why.push(format!("{:.2}x Diesel, over {t:.1}x", orm / diesel))
                                }
                                Some(_) => {}
                                None => why.push("no Diesel to compare with".into()),
                            },
                            _ => {}
                        }
                        if let Some(sea) = get("sea-orm")
                            && orm >= sea
                        {
                            why.push("not faster than SeaORM".into());
                        }
                        let over_floor = matches!(
                            target(workload, backend, size),
                            Some(Target::Floor(t)) if ratio > t && t >= 1.0
                        );
                        let paired = paired(backend, workload, size);
                        if why.is_empty() {
                            "met".into()
                        } else if why.len() == 1
                            && over_floor
                            && let Some(p) = paired.filter(|p| *p <= 1.05)
                        {
                            settled.push(format!(
                                "{workload} on {label}, size {size}: {ratio:.2}x here, {p:.3}x paired"
                            ));
                            format!("met paired ({p:.3}x; this median {ratio:.2}x)")
                        } else {
                            misses.push(format!(
                                "{workload} on {label}, size {size}: {:.2}x ({})",
                                ratio,
                                why.join(", ")
                            ));
                            format!("**missed** ({})", why.join(", "))
                        }
                    }
                };
                writeln!(s, " {verdict} |").unwrap();
            }
        }
        writeln!(s).unwrap();
    }
    if let Some(stream) = &tables.stream {
        writeln!(s, "### Streaming 1,000,000 rows: peak memory\n\n{stream}").unwrap();
    }
    if let Some(scale) = &tables.scale {
        writeln!(
            s,
            "### Eager loading at scale on PostgreSQL (`--bench scale`)\n\n{scale}"
        )
        .unwrap();
    }
    if let Some(timer) = &tables.timer {
        writeln!(
            s,
            "### A timer beside SQLite's direct path (`--bench timer`)\n\n{timer}"
        )
        .unwrap();
    }
    if let Some((paired, _)) = &tables.paired {
        writeln!(
            s,
            "### One-row statements and the 1.05x targets, paired (`ORM_BENCH_PAIRED`)\n\n{paired}"
        )
        .unwrap();
    }
    if !settled.is_empty() {
        writeln!(
            s,
            "Criterion medians over 1.05x the floor where the paired measurement of the same \
             workload and size, which times both in alternation on placed CPUs, held it:\n"
        )
        .unwrap();
        for m in settled {
            writeln!(s, "- {m}").unwrap();
        }
        writeln!(s).unwrap();
    }
    if let Some((_, runs)) = &tables.paired {
        for ((backend, workload, rows, control), runs) in runs {
            let ratio = middle(runs)[2];
            let label = label(backend);
            if !control && ratio > 1.05 {
                misses.push(format!(
                    "{workload} on {label}, size {rows}, paired: {ratio:.3}x (over 1.05x the floor)"
                ));
            }
        }
    }
    if misses.is_empty() {
        writeln!(s, "Every target held in this run.\n").unwrap();
    } else {
        writeln!(
            s,
            "Targets missed in this run (the findings below explain each):\n"
        )
        .unwrap();
        for m in misses {
            writeln!(s, "- {m}").unwrap();
        }
        writeln!(s).unwrap();
    }
    s
}
