//! The standard ORM workloads, every contender side by side in one run:
//! hand-written sqlx (the floor), this ORM, SeaORM, Diesel and
//! diesel-async.
//!
//! ```text
//! cargo bench -p orm-benches --bench compare                  # SQLite in memory
//! ORM_BENCH_POSTGRES_URL=postgres://root@127.0.0.1/test \
//! ORM_BENCH_MYSQL_URL=mysql://root@127.0.0.1/test cargo bench -p orm-benches --bench compare
//! ORM_BENCH_SMOKE=1 cargo test -p orm-benches --bench compare   # each once, smallest sizes
//! cargo run -p orm-benches --release --bin report               # all of it, into docs/benchmarks.md
//! ```
//!
//! Criterion ids are `<workload>/<backend>` / `<contender>` / `<size>`.

// diesel-async's connection sits in a RefCell borrowed across `.await`:
// criterion runs one iteration's future to completion before the next, so
// no two borrows ever overlap.
#![allow(clippy::await_holding_refcell_ref)]

mod dsl;
mod fixture;
mod floor;
mod ours;
mod sea;

use std::cell::RefCell;
use std::hint::black_box;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, criterion_group};
use diesel::Connection;
use fixture::{Data, Kind};
use floor::{Floor, Statements};
use orm::{Db, Executor};
use tokio::runtime::Runtime;

enum DieselSync {
    Sqlite(diesel::SqliteConnection),
    Pg(diesel::PgConnection),
}

enum DieselAsync {
    Pg(Box<diesel_async::AsyncPgConnection>),
    MySql(diesel_async::AsyncMysqlConnection),
}

/// One backend's contenders, connected.
struct Side {
    kind: Kind,
    rt: Runtime,
    floor: Floor,
    /// The same hand-written sqlx on sqlx's default pool (servers only).
    floor_default: Option<Floor>,
    st: Statements,
    db: Db,
    sea: sea_orm::DatabaseConnection,
    diesel: Option<RefCell<DieselSync>>,
    dasync: Option<RefCell<DieselAsync>>,
}

/// No preparation between contenders (read workloads).
fn nothing() {}

fn smoke() -> bool {
    std::env::var_os("ORM_BENCH_SMOKE").is_some()
}

fn sizes(all: &[usize]) -> Vec<usize> {
    if smoke() {
        all[..1].to_vec()
    } else {
        all.to_vec()
    }
}

impl Side {
    fn connect(kind: Kind, url: &str) -> Side {
        use diesel_async::AsyncConnection;
        let rt = Runtime::new().unwrap();
        let (floor, db, sea, diesel, dasync) = rt.block_on(async {
            let mut sea_opts = sea_orm::ConnectOptions::new(url.to_string());
            sea_opts.sqlx_logging(false);
            match kind {
                Kind::Sqlite => {
                    sea_opts.max_connections(1).min_connections(1);
                    let diesel = diesel::SqliteConnection::establish(":memory:").unwrap();
                    (
                        Floor::connect(kind, url).await,
                        Db::connect(url).await.unwrap(),
                        sea_orm::Database::connect(sea_opts).await.unwrap(),
                        Some(DieselSync::Sqlite(diesel)),
                        None,
                    )
                }
                Kind::Postgres => (
                    Floor::connect(kind, url).await,
                    Db::connect(url).await.unwrap(),
                    sea_orm::Database::connect(sea_opts).await.unwrap(),
                    Some(DieselSync::Pg(
                        diesel::PgConnection::establish(url).unwrap(),
                    )),
                    Some(DieselAsync::Pg(Box::new(
                        diesel_async::AsyncPgConnection::establish(url)
                            .await
                            .unwrap(),
                    ))),
                ),
                Kind::MySql => (
                    Floor::connect(kind, url).await,
                    Db::connect(url).await.unwrap(),
                    sea_orm::Database::connect(sea_opts).await.unwrap(),
                    None,
                    Some(DieselAsync::MySql(
                        diesel_async::AsyncMysqlConnection::establish(url)
                            .await
                            .unwrap(),
                    )),
                ),
            }
        });
        let floor_default = rt.block_on(Floor::connect_default(kind, url));
        Side {
            kind,
            rt,
            floor,
            floor_default,
            st: Statements::new(kind),
            db,
            sea,
            diesel: diesel.map(RefCell::new),
            dasync: dasync.map(RefCell::new),
        }
    }

    /// Fresh tables holding `data`: on every SQLite contender's own
    /// in-memory database, once on a server.
    fn seed(&self, data: Data) {
        use sea_orm::ConnectionTrait;
        let script = fixture::script(self.kind, data);
        self.rt.block_on(async {
            self.floor.run_script(script.clone()).await;
            if self.kind == Kind::Sqlite {
                self.db.execute_script(&script).await.unwrap();
                self.sea.execute_unprepared(&script).await.unwrap();
                if let Some(d) = &self.diesel
                    && let DieselSync::Sqlite(c) = &mut *d.borrow_mut()
                {
                    diesel::connection::SimpleConnection::batch_execute(c, &script).unwrap();
                }
            }
        });
    }
}

/// Calls `dsl::<module>::$f(conn, args..)` on the synchronous Diesel
/// connection.
macro_rules! on_diesel {
    ($d:expr, $f:ident ($($arg:expr),*)) => {
        match &mut *$d.borrow_mut() {
            DieselSync::Sqlite(c) => black_box(dsl::sync_sqlite::$f(c $(, $arg)*)),
            DieselSync::Pg(c) => black_box(dsl::sync_pg::$f(c $(, $arg)*)),
        }
    };
}

macro_rules! on_dasync {
    ($d:expr, $f:ident ($($arg:expr),*)) => {
        match &mut *$d.borrow_mut() {
            DieselAsync::Pg(c) => black_box(dsl::async_pg::$f(c $(, $arg)*).await),
            DieselAsync::MySql(c) => black_box(dsl::async_mysql::$f(c $(, $arg)*).await),
        }
    };
}

/// Hand-written sqlx and this ORM: every workload's first two contenders,
/// and the only two of workloads the other ORMs are not measured on.
macro_rules! pair {
    ($group:expr, $side:expr, $n:expr, reset: $reset:expr, sqlx: $sqlx:expr, orm: $orm:expr) => {{
        let side: &Side = $side;
        let n: usize = $n;
        let rt = &side.rt;
        $reset;
        $group.bench_with_input(BenchmarkId::new("sqlx", n), &n, |b, _| {
            b.to_async(rt).iter(|| async { black_box($sqlx) })
        });
        $reset;
        $group.bench_with_input(BenchmarkId::new("orm", n), &n, |b, _| {
            b.to_async(rt).iter(|| async { black_box($orm) })
        });
    }};
}

/// One benchmark per contender for one workload and size; `$reset` runs
/// before each contender (fresh tables for the write workloads).
macro_rules! contenders {
    ($group:expr, $side:expr, $n:expr, reset: $reset:expr,
     sqlx: $sqlx:expr, orm: $orm:expr, sea: $sea:expr, diesel: $f:ident ($($arg:expr),*)) => {{
        pair!($group, $side, $n, reset: $reset, sqlx: $sqlx, orm: $orm);
        let side: &Side = $side;
        let n: usize = $n;
        let rt = &side.rt;
        $reset;
        $group.bench_with_input(BenchmarkId::new("sea-orm", n), &n, |b, _| {
            b.to_async(rt).iter(|| async { black_box($sea) })
        });
        if let Some(d) = &side.diesel {
            $reset;
            $group.bench_with_input(BenchmarkId::new("diesel", n), &n, |b, _| {
                b.iter(|| on_diesel!(d, $f($($arg),*)))
            });
        }
        if let Some(d) = &side.dasync {
            $reset;
            $group.bench_with_input(BenchmarkId::new("diesel-async", n), &n, |b, _| {
                b.to_async(rt).iter(|| async { on_dasync!(d, $f($($arg),*)) })
            });
        }
    }};
}

fn group<'a>(c: &'a mut Criterion, workload: &str, side: &Side) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(format!("{workload}/{}", side.kind.name()));
    g.sample_size(if smoke() { 10 } else { 20 });
    g
}

/// Every contender reads the same rows before anything is timed: counts
/// of users, pairs, posts, comments and tags per workload.
fn verify(side: &Side) {
    let rt = &side.rt;
    let name = side.kind.name();
    let check = |what: &str, contender: &str, got: Vec<usize>, want: &[usize]| {
        assert_eq!(
            got, want,
            "{what} on {name}: {contender} read different rows"
        );
    };
    side.seed(Data {
        users: 12,
        sparse_posts: true,
        ..Data::default()
    });
    let want = [12, 6, 3];
    rt.block_on(async {
        let t = side.floor.trivial().await.len();
        let m = side.floor.medium(&side.st).await;
        check(
            "trivial/medium",
            "sqlx",
            vec![t, m.len(), m.iter().filter(|p| p.1.is_some()).count()],
            &want,
        );
        let t = ours::trivial(&side.db).await.len();
        let m = ours::medium(&side.db).await;
        check(
            "trivial/medium",
            "orm",
            vec![t, m.len(), m.iter().filter(|p| p.1.is_some()).count()],
            &want,
        );
        let t = sea::trivial(&side.sea).await.len();
        let m = sea::medium(&side.sea).await;
        check(
            "trivial/medium",
            "sea-orm",
            vec![t, m.len(), m.iter().filter(|p| p.1.is_some()).count()],
            &want,
        );
        if let Some(d) = &side.dasync {
            let t = on_dasync!(d, trivial()).len();
            let m = on_dasync!(d, medium());
            check(
                "trivial/medium",
                "diesel-async",
                vec![t, m.len(), m.iter().filter(|p| p.1.is_some()).count()],
                &want,
            );
        }
    });
    if let Some(d) = &side.diesel {
        let t = on_diesel!(d, trivial()).len();
        let m = on_diesel!(d, medium());
        check(
            "trivial/medium",
            "diesel",
            vec![t, m.len(), m.iter().filter(|p| p.1.is_some()).count()],
            &want,
        );
    }

    side.seed(Data {
        users: 3,
        posts_per_user: 10,
        comments_per_post: 10,
        tags: true,
        ..Data::default()
    });
    // users, posts, comments, posts read with tags, tag pairs
    let want = [3, 30, 300, 30, 90];
    rt.block_on(async {
        let tree = side.floor.associations(&side.st).await;
        let tags = side.floor.posts_with_tags(&side.st).await;
        check("associations", "sqlx", tuple_counts(&tree, &tags), &want);
        let tree = ours::associations(&side.db).await;
        let tags = ours::posts_with_tags(&side.db).await;
        check(
            "associations",
            "orm",
            vec![
                tree.len(),
                tree.iter().map(|u| u.posts.get().unwrap().len()).sum(),
                tree.iter()
                    .flat_map(|u| u.posts.get().unwrap().iter())
                    .map(|p| p.comments.get().unwrap().len())
                    .sum(),
                tags.len(),
                tags.iter().map(|p| p.tags.get().unwrap().len()).sum(),
            ],
            &want,
        );
        let tree = sea::associations(&side.sea).await;
        let tags = sea::posts_with_tags(&side.sea).await;
        check(
            "associations",
            "sea-orm",
            vec![
                tree.len(),
                tree.iter().map(|u| u.posts.len()).sum(),
                tree.iter()
                    .flat_map(|u| u.posts.iter())
                    .map(|p| p.comments.len())
                    .sum(),
                tags.len(),
                tags.iter().map(|p| p.tags.len()).sum(),
            ],
            &want,
        );
        if let Some(d) = &side.dasync {
            let tree = on_dasync!(d, associations());
            let tags = on_dasync!(d, posts_with_tags());
            check(
                "associations",
                "diesel-async",
                tuple_counts(&tree, &tags),
                &want,
            );
        }
    });
    if let Some(d) = &side.diesel {
        let tree = on_diesel!(d, associations());
        let tags = on_diesel!(d, posts_with_tags());
        check("associations", "diesel", tuple_counts(&tree, &tags), &want);
    }
}

/// A user with its posts and their comments, as tuples.
type TupleTree<U, P, C> = (U, Vec<(P, Vec<C>)>);

/// Users, posts, comments, tagged posts and tag pairs in the tuple trees
/// of the hand-written code and Diesel.
fn tuple_counts<U, P, C, G, T>(tree: &[TupleTree<U, P, C>], tags: &[(G, Vec<T>)]) -> Vec<usize> {
    vec![
        tree.len(),
        tree.iter().map(|u| u.1.len()).sum(),
        tree.iter().flat_map(|u| &u.1).map(|p| p.1.len()).sum(),
        tags.len(),
        tags.iter().map(|p| p.1.len()).sum(),
    ]
}

fn bench_side(c: &mut Criterion, side: &Side) {
    verify(side);
    let users = |n| Data {
        users: n,
        ..Data::default()
    };

    let mut g = group(c, "trivial", side);
    for n in sizes(&[1, 10, 100, 1_000, 10_000]) {
        side.seed(users(n));
        contenders!(g, side, n, reset: nothing(),
            sqlx: side.floor.trivial().await,
            orm: ours::trivial(&side.db).await,
            sea: sea::trivial(&side.sea).await,
            diesel: trivial());
        if let Some(f) = &side.floor_default {
            g.bench_with_input(BenchmarkId::new("sqlx-default", n), &n, |b, _| {
                b.to_async(&side.rt)
                    .iter(|| async { black_box(f.trivial().await) })
            });
        }
    }
    g.finish();

    let mut g = group(c, "medium", side);
    for n in sizes(&[1, 10, 100, 1_000, 10_000]) {
        side.seed(Data {
            users: n,
            sparse_posts: true,
            ..Data::default()
        });
        contenders!(g, side, n, reset: nothing(),
            sqlx: side.floor.medium(&side.st).await,
            orm: ours::medium(&side.db).await,
            sea: sea::medium(&side.sea).await,
            diesel: medium());
    }
    g.finish();

    let mut g = group(c, "get", side);
    side.seed(users(100));
    contenders!(g, side, 1, reset: nothing(),
        sqlx: side.floor.get(&side.st, 42).await,
        orm: ours::get(&side.db, 42).await,
        sea: sea::get(&side.sea, 42).await,
        diesel: get(42));
    if let Some(f) = &side.floor_default {
        g.bench_with_input(BenchmarkId::new("sqlx-default", 1), &1, |b, _| {
            b.to_async(&side.rt)
                .iter(|| async { black_box(f.get(&side.st, 42).await) })
        });
    }
    g.finish();

    let mut g = group(c, "insert", side);
    for n in sizes(&[1, 10, 25, 50, 100, 1_000, 2_000, 10_000]) {
        contenders!(g, side, n, reset: side.seed(users(0)),
            sqlx: side.floor.insert(&side.st, n).await,
            orm: ours::insert(&side.db, &(0..n).map(ours::new_user).collect::<Vec<_>>()).await,
            sea: sea::insert(&side.sea, n).await,
            diesel: insert(n));
    }
    g.finish();

    // 100 users x 10 posts x 10 comments on a server, 9 x 10 x 10 in SQLite.
    let parents = match (smoke(), side.kind) {
        (true, _) => 1,
        (false, Kind::Sqlite) => 9,
        (false, _) => 100,
    };
    side.seed(Data {
        users: parents,
        posts_per_user: 10,
        comments_per_post: 10,
        tags: true,
        ..Data::default()
    });
    let mut g = group(c, "associations", side);
    contenders!(g, side, parents, reset: nothing(),
        sqlx: side.floor.associations(&side.st).await,
        orm: ours::associations(&side.db).await,
        sea: sea::associations(&side.sea).await,
        diesel: associations());
    g.finish();

    let mut g = group(c, "posts-with-tags", side);
    contenders!(g, side, parents * 10, reset: nothing(),
        sqlx: side.floor.posts_with_tags(&side.st).await,
        orm: ours::posts_with_tags(&side.db).await,
        sea: sea::posts_with_tags(&side.sea).await,
        diesel: posts_with_tags());
    g.finish();

    // Posts per user over 10,000 posts.
    let (agg_users, agg_posts) = if smoke() { (2, 2) } else { (1_000, 10) };
    side.seed(Data {
        users: agg_users,
        posts_per_user: agg_posts,
        ..Data::default()
    });
    let mut g = group(c, "aggregate", side);
    pair!(g, side, agg_users * agg_posts, reset: nothing(),
        sqlx: side.floor.aggregate().await,
        orm: ours::aggregate(&side.db).await);
    g.finish();

    // 100 labels upserted by name (all of them there after the first).
    let names = fixture::label_names(if smoke() { 2 } else { 100 });
    let mut g = group(c, "upsert", side);
    pair!(g, side, names.len(), reset: nothing(),
        sqlx: side.floor.upsert(&names).await,
        orm: ours::upsert(&side.db, &names).await);
    g.finish();

    let (graph_users, per_user) = if smoke() { (1, 1) } else { (100, 10) };
    let mut g = group(c, "graph-insert", side);
    contenders!(g, side, graph_users * per_user, reset: side.seed(users(0)),
        sqlx: side.floor.graph_insert(&side.st, graph_users, per_user).await,
        orm: ours::graph_insert(&side.db, ours::graph(graph_users, per_user)).await,
        sea: sea::graph_insert(&side.sea, graph_users, per_user).await,
        diesel: graph_insert(graph_users, per_user));
    g.finish();
}

fn compare(c: &mut Criterion) {
    let sqlite = Side::connect(Kind::Sqlite, "sqlite::memory:");
    bench_side(c, &sqlite);
    drop(sqlite);
    // Unset or empty leaves a server out.
    let url = |name| {
        std::env::var(name)
            .ok()
            .filter(|url: &String| !url.is_empty())
    };
    if let Some(url) = url("ORM_BENCH_POSTGRES_URL") {
        bench_side(c, &Side::connect(Kind::Postgres, &url));
    }
    if let Some(url) = url("ORM_BENCH_MYSQL_URL") {
        bench_side(c, &Side::connect(Kind::MySql, &url));
    }
}

criterion_group!(benches, compare);

/// `ORM_BENCH_PROFILE=<workload>/<contender>/<iterations>` runs one
/// workload that many times on `ORM_BENCH_PROFILE_ROWS` users (100) and
/// nothing else, on SQLite, at `ORM_BENCH_POSTGRES_URL`, or with
/// `ORM_BENCH_PROFILE_MYSQL=1` at `ORM_BENCH_MYSQL_URL`, for a profiler:
/// `valgrind --tool=callgrind` counts instructions, so two iteration
/// counts give the cost of one call. `insert` writes that many users per
/// call.
fn profile(spec: &str) {
    let parts: Vec<&str> = spec.split('/').collect();
    let usage = "ORM_BENCH_PROFILE=<get|trivial|medium|insert|associations|aggregate|upsert>/<sqlx|orm|sea-orm>/<iterations>";
    let [workload, contender, n] = parts[..] else {
        panic!("{usage}");
    };
    let n = count(n, "iterations", usage);
    known(workload, usage);
    let (side, rows) = seeded(workload);
    side.rt.block_on(async {
        for _ in 0..n {
            once(&side, &side.floor, workload, contender, rows).await;
        }
    });
}

/// The server the profile and paired modes run on: with
/// `ORM_BENCH_PROFILE_MYSQL=1` the one at `ORM_BENCH_MYSQL_URL`, else the
/// one at `ORM_BENCH_POSTGRES_URL`, else (neither set, or set empty)
/// SQLite in memory.
fn profiled_server() -> (Kind, String) {
    let set = |var: &str| std::env::var(var).ok().filter(|v| !v.is_empty());
    if set("ORM_BENCH_PROFILE_MYSQL").is_some_and(|v| v != "0") {
        let url = set("ORM_BENCH_MYSQL_URL")
            .expect("ORM_BENCH_PROFILE_MYSQL=1 measures the server at ORM_BENCH_MYSQL_URL: set it");
        return (Kind::MySql, url);
    }
    match set("ORM_BENCH_POSTGRES_URL") {
        Some(url) => (Kind::Postgres, url),
        None => (Kind::Sqlite, "sqlite::memory:".to_string()),
    }
}

/// The workloads the profile and paired modes know.
const WORKLOADS: &[&str] = &[
    "get",
    "trivial",
    "medium",
    "insert",
    "associations",
    "aggregate",
    "upsert",
];

/// Panics with `usage` unless `workload` is one of [`WORKLOADS`], before
/// anything connects.
fn known(workload: &str, usage: &str) {
    assert!(
        WORKLOADS.contains(&workload),
        "no workload `{workload}`; {usage}"
    );
}

/// A count of at least one out of the spec, or a panic naming it.
fn count(text: &str, what: &str, usage: &str) -> usize {
    match text.parse::<usize>() {
        Ok(n) if n > 0 => n,
        _ => panic!("{what} must be a whole number above zero, not `{text}`; {usage}"),
    }
}

/// The backend the profile and paired modes run on, seeded for
/// `workload` with `ORM_BENCH_PROFILE_ROWS` users (100), and that count.
fn seeded(workload: &str) -> (Side, usize) {
    let (kind, url) = profiled_server();
    let side = Side::connect(kind, &url);
    let rows = std::env::var("ORM_BENCH_PROFILE_ROWS").map_or(100, |s| {
        count(
            &s,
            "ORM_BENCH_PROFILE_ROWS",
            "a number of rows, 100 when unset",
        )
    });
    side.seed(if workload == "aggregate" {
        Data {
            users: rows,
            posts_per_user: 10,
            ..Data::default()
        }
    } else if workload == "associations" {
        // The associations workload's tree: users x 10 posts x 10 comments.
        Data {
            users: rows,
            posts_per_user: 10,
            comments_per_post: 10,
            tags: true,
            ..Data::default()
        }
    } else if workload == "medium" {
        Data {
            users: rows,
            sparse_posts: true,
            ..Data::default()
        }
    } else if workload == "insert" {
        Data::default()
    } else {
        Data {
            users: rows,
            ..Data::default()
        }
    });
    (side, rows)
}

/// `ORM_BENCH_PAIRED=<workload>/<rounds>[/aa]` times hand-written sqlx
/// and this ORM in alternating blocks of calls on one runtime (the
/// backend and rows as for `ORM_BENCH_PROFILE`), each block long enough
/// to measure (about 20 ms) and the order swapped every round, and prints
/// the spread of the rounds' ratios. Whatever else the machine does
/// (another process, the server's own background work) lands on both
/// contenders of a round alike, which a benchmark timing one contender
/// after the other for seconds each cannot promise. With `/aa` the ORM's
/// place is taken by the same hand-written sqlx on a second pool of its
/// own: the ratio a run reports for two identical contenders, which is
/// what a difference between them must stand out from.
fn paired(spec: &str) {
    let parts: Vec<&str> = spec.split('/').collect();
    let usage =
        "ORM_BENCH_PAIRED=<get|trivial|medium|insert|associations|aggregate|upsert>/<rounds>[/aa]";
    let (workload, rounds, aa) = match parts[..] {
        [workload, rounds] => (workload, rounds, false),
        [workload, rounds, "aa"] => (workload, rounds, true),
        _ => panic!("{usage}"),
    };
    let rounds = count(rounds, "rounds", usage);
    known(workload, usage);
    assert!(
        !(aa && profiled_server().0 == Kind::Sqlite),
        "the control needs a server: on SQLite in memory a second pool is a second, empty database; set ORM_BENCH_POSTGRES_URL, or ORM_BENCH_PROFILE_MYSQL=1 and ORM_BENCH_MYSQL_URL"
    );
    let (side, rows) = seeded(workload);
    let second = aa.then(|| {
        side.rt
            .block_on(Floor::connect(side.kind, &profiled_server().1))
    });
    let block = |contender: &'static str, calls: usize| {
        let (floor, contender) = match (&second, contender) {
            (Some(second), "orm") => (second, "sqlx"),
            _ => (&side.floor, contender),
        };
        let started = std::time::Instant::now();
        side.rt.block_on(async {
            for _ in 0..calls {
                once(&side, floor, workload, contender, rows).await;
            }
        });
        started.elapsed().as_secs_f64() / calls as f64
    };
    // Warm both up (connections, prepared statements), then size the
    // blocks from the slower one.
    block("sqlx", 20);
    block("orm", 20);
    let warm = block("sqlx", 20).max(block("orm", 20));
    let calls = ((0.02 / warm) as usize).clamp(1, 100_000);
    let mut ratios = Vec::with_capacity(rounds);
    let (mut sqlx_times, mut orm_times) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let (sqlx, orm) = if round % 2 == 0 {
            let sqlx = block("sqlx", calls);
            (sqlx, block("orm", calls))
        } else {
            let orm = block("orm", calls);
            (block("sqlx", calls), orm)
        };
        ratios.push(orm / sqlx);
        sqlx_times.push(sqlx);
        orm_times.push(orm);
    }
    let quantile = |v: &mut Vec<f64>, q: f64| {
        v.sort_by(f64::total_cmp);
        v[((v.len() - 1) as f64 * q).round() as usize]
    };
    // The control names its second contender for what it is.
    let (second, ratio) = if aa {
        ("second sqlx pool", "second / first")
    } else {
        ("orm", "orm / sqlx")
    };
    println!(
        "{workload} on {} ({rows} rows, {} calls a block, {rounds} rounds): sqlx {:.1} us, {second} {:.1} us, {ratio} median {:.3} (quartiles {:.3}-{:.3})",
        side.kind.name(),
        calls,
        quantile(&mut sqlx_times, 0.5) * 1e6,
        quantile(&mut orm_times, 0.5) * 1e6,
        quantile(&mut ratios, 0.5),
        quantile(&mut ratios, 0.25),
        quantile(&mut ratios, 0.75),
    );
}

/// The key a lookup reads: 42, or the last user of fewer.
fn lookup(rows: usize) -> i32 {
    i32::try_from(rows).unwrap_or(i32::MAX).min(42)
}

/// One call of `workload` by `contender` on `rows` users, the
/// hand-written sqlx on `floor`; panics on a workload or contender it
/// does not know.
async fn once(side: &Side, floor: &Floor, workload: &str, contender: &str, rows: usize) {
    match (workload, contender) {
        ("get", "sqlx") => drop(black_box(floor.get(&side.st, lookup(rows)).await)),
        ("get", "orm") => drop(black_box(ours::get(&side.db, lookup(rows)).await)),
        ("get", "sea-orm") => drop(black_box(sea::get(&side.sea, lookup(rows)).await)),
        ("trivial", "sqlx") => drop(black_box(floor.trivial().await)),
        ("trivial", "orm") => drop(black_box(ours::trivial(&side.db).await)),
        ("trivial", "sea-orm") => drop(black_box(sea::trivial(&side.sea).await)),
        ("medium", "sqlx") => drop(black_box(floor.medium(&side.st).await)),
        ("medium", "orm") => drop(black_box(ours::medium(&side.db).await)),
        ("insert", "sqlx") => drop(black_box(floor.insert(&side.st, rows).await)),
        // The users are made in the call, as the floor makes its names
        // and the timed benchmark makes both.
        ("insert", "orm") => {
            let users: Vec<_> = (0..rows).map(ours::new_user).collect();
            black_box(ours::insert(&side.db, &users).await);
        }
        ("associations", "sqlx") => drop(black_box(floor.associations(&side.st).await)),
        ("associations", "orm") => drop(black_box(ours::associations(&side.db).await)),
        ("aggregate", "sqlx") => drop(black_box(floor.aggregate().await)),
        ("aggregate", "orm") => drop(black_box(ours::aggregate(&side.db).await)),
        ("upsert", "sqlx") => drop(black_box(floor.upsert(&fixture::label_names(rows)).await)),
        ("upsert", "orm") => drop(black_box(
            ours::upsert(&side.db, &fixture::label_names(rows)).await,
        )),
        _ => panic!("no workload {workload} for {contender}"),
    }
}

fn main() {
    if let Ok(spec) = std::env::var("ORM_BENCH_PROFILE") {
        profile(&spec);
        return;
    }
    if let Ok(spec) = std::env::var("ORM_BENCH_PAIRED") {
        paired(&spec);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
