//! Faults: connections the server kills under the pool.

use std::sync::Arc;
use std::time::Duration;

use orm::prelude::*;

use crate::harness::{self, Backend};

/// Opens `n` connections of `pool` at once and returns their server-side
/// ids; they go back to the pool idle.
async fn open_connections(pool: &Db, backend: Backend, n: usize) -> orm::Result<Vec<i64>> {
    let barrier = Arc::new(tokio::sync::Barrier::new(n));
    let mut tasks = Vec::new();
    for _ in 0..n {
        let (pool, barrier) = (pool.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            pool.transaction(async |tx| {
                let id: i64 = match backend {
                    Backend::Postgres => {
                        orm::raw("SELECT CAST(pg_backend_pid() AS BIGINT)")
                            .scalar(&tx)
                            .await?
                    }
                    _ => {
                        orm::raw("SELECT CAST(CONNECTION_ID() AS SIGNED)")
                            .scalar(&tx)
                            .await?
                    }
                };
                // Every task holds its connection until all have one.
                barrier.wait().await;
                Ok::<_, orm::Error>(id)
            })
            .await
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.expect("task")?);
    }
    // Let the pool finish taking them back.
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(ids)
}

async fn kill(db: &Db, backend: Backend, ids: &[i64]) -> orm::Result<()> {
    // Behind a pooler the server connections are the pooler's, shared with
    // `db`: the server is reached directly to kill them.
    let direct = match harness::through_pgbouncer() {
        Some(_) => Some(Db::connect(&harness::server_url(backend).expect("server")).await?),
        None => None,
    };
    let admin = direct.as_ref().unwrap_or(db);
    for id in ids {
        match backend {
            Backend::Postgres => {
                orm::raw("SELECT pg_terminate_backend(CAST(? AS INTEGER))")
                    .bind(*id)
                    .execute(admin)
                    .await?;
            }
            _ => {
                orm::raw(format!("KILL {id}")).execute(admin).await?;
            }
        }
    }
    if let Some(direct) = direct {
        direct.close().await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(())
}

scenario!(async fn a_lost_connection_costs_one_statement(db, backend) {
    // A SQLite database has no server to lose.
    if backend == Backend::Sqlite {
        return Ok(());
    }
    let pool = Db::connect_with(orm::ConnectOptions::new(harness::url_of(db)).max_connections(10)).await?;
    let ids = open_connections(&pool, backend, 10).await?;
    assert_eq!(ids.len(), 10);
    kill(db, backend, &ids).await?;

    let mut failures = Vec::new();
    for _ in 0..12 {
        if let Err(e) = orm::raw("SELECT 1").scalar::<i32>(&pool).await {
            failures.push(e);
        }
    }
    eprintln!("{backend:?}: {} of 12 statements failed after the server killed 10 pooled connections", failures.len());
    if harness::through_pgbouncer().is_some() {
        // The pooler sees its idle server connections close and drops them:
        // the pool's own connections (to the pooler) are intact.
        assert!(failures.is_empty(), "{failures:#?}");
    } else {
        assert_eq!(failures.len(), 1, "{failures:#?}");
        assert!(failures[0].is_disconnected(), "{:?}", failures[0]);
    }

    // In a transaction too: the one that finds the dead connection fails
    // with Disconnected, the next one works.
    let ids = open_connections(&pool, backend, 10).await?;
    kill(db, backend, &ids).await?;
    let first = pool.transaction(async |tx| orm::raw("SELECT 1").scalar::<i32>(&tx).await).await;
    if harness::through_pgbouncer().is_some() {
        assert_eq!(first?, 1);
    } else {
        assert!(first.as_ref().is_err_and(orm::Error::is_disconnected), "{first:?}");
    }
    let second = pool.transaction(async |tx| orm::raw("SELECT 1").scalar::<i32>(&tx).await).await;
    assert_eq!(second?, 1);
    pool.close().await;
    Ok(())
});

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "f_orders")]
pub struct Order {
    #[model(primary_key)]
    pub id: i64,
    #[model(max_length = 40)]
    pub name: String,
    #[has_many(Line, back_populates = "order")]
    pub lines: HasMany<Line>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "f_lines")]
pub struct Line {
    #[model(primary_key)]
    pub id: i64,
    pub order_id: i64,
    #[model(max_length = 40)]
    pub name: String,
    #[belongs_to(Order, back_populates = "lines")]
    pub order: BelongsTo<Order>,
}

const LINES: usize = 40;

/// An order with its lines: BEGIN, two INSERTs, COMMIT.
fn order(name: &str) -> Order {
    let lines = (0..LINES)
        .map(|_| Line {
            id: 0,
            order_id: 0,
            name: name.into(),
            order: BelongsTo::default(),
        })
        .collect();
    Order {
        id: 0,
        name: name.into(),
        lines: HasMany::new(lines),
    }
}

/// How many orders and lines carry `name`.
async fn rows_named(db: &Db, name: &str) -> orm::Result<(i64, i64)> {
    Ok((
        Order::query()
            .filter(Order::NAME.eq(name))
            .count(db)
            .await?,
        Line::query().filter(Line::NAME.eq(name)).count(db).await?,
    ))
}

/// A pseudo-random number in `0..n`, different on every run.
fn random_below(n: u64, i: u64) -> u64 {
    use std::hash::BuildHasher;
    std::collections::hash_map::RandomState::new().hash_one(i) % n.max(1)
}

/// No connection of `db` is left inside a transaction: on PostgreSQL the
/// server lists none of the pool's sessions (named `app`) as idle in a
/// transaction; on MySQL ten connections at once each say they are not in
/// one.
async fn no_connection_in_a_transaction(db: &Db, backend: Backend, app: &str) -> orm::Result<()> {
    match backend {
        Backend::Postgres => {
            // Connections go back to the pool in the background.
            tokio::time::sleep(Duration::from_millis(300)).await;
            let admin = Db::connect(&harness::server_url(backend).unwrap()).await?;
            let leaked: i64 = orm::raw(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = ? AND state LIKE 'idle in transaction%'",
            )
            .bind(app.to_string())
            .scalar(&admin)
            .await?;
            admin.close().await;
            assert_eq!(leaked, 0, "pooled connections left inside a transaction");
        }
        Backend::MySql => {
            let mut tasks = Vec::new();
            for _ in 0..10 {
                let db = db.clone();
                tasks.push(tokio::spawn(async move {
                    orm::raw("SELECT CAST(@@in_transaction + SLEEP(0.2) AS SIGNED)")
                        .scalar::<i64>(&db)
                        .await
                }));
            }
            for t in tasks {
                assert_eq!(
                    t.await.expect("task")?,
                    0,
                    "a pooled connection was lent inside a transaction"
                );
            }
        }
        // A connection left in a transaction would hold the write lock:
        // the writes that follow would wait and fail with Error::Busy.
        Backend::Sqlite => {}
    }
    Ok(())
}

/// The writes cancelled: a graph insert, a multi-row insert_many of
/// graphs, a save adding rows to a loaded graph, and a transaction of
/// several statements with a pause between them.
#[derive(Debug, Clone, Copy)]
enum Write {
    Insert,
    InsertMany,
    Save,
    Transaction,
}

const WRITES: [Write; 4] = [
    Write::Insert,
    Write::InsertMany,
    Write::Save,
    Write::Transaction,
];

/// Runs `write` for rows named `name`; `base` is a saved order to extend.
async fn run_write(db: &Db, write: Write, name: &str, mut base: Order) -> orm::Result<()> {
    match write {
        Write::Insert => db.insert(order(name)).await.map(drop),
        Write::InsertMany => db
            .insert_many(vec![order(name), order(name)])
            .await
            .map(drop),
        Write::Save => {
            for _ in 0..LINES {
                base.lines.push_new(Line {
                    id: 0,
                    order_id: 0,
                    name: name.into(),
                    order: BelongsTo::default(),
                });
            }
            db.save(&mut base).await
        }
        Write::Transaction => {
            db.transaction(async |tx| {
                let o = tx
                    .insert(Order {
                        id: 0,
                        name: name.into(),
                        lines: HasMany::default(),
                    })
                    .await?;
                tokio::time::sleep(Duration::from_millis(2)).await;
                let lines = (0..LINES)
                    .map(|_| Line {
                        id: 0,
                        order_id: o.id,
                        name: name.into(),
                        order: BelongsTo::default(),
                    })
                    .collect();
                tx.insert_many(lines).await?;
                Ok::<_, orm::Error>(())
            })
            .await
        }
    }
}

/// What `write` leaves when it is whole: orders and lines named `name`.
fn whole(write: Write) -> (i64, i64) {
    match write {
        Write::Insert | Write::Transaction => (1, LINES as i64),
        Write::InsertMany => (2, 2 * LINES as i64),
        Write::Save => (0, LINES as i64),
    }
}

/// Cancels 50 writes at random points and checks that each is all or
/// nothing, that only one whose COMMIT was sent shows, and that nothing
/// changes afterwards.
async fn cancel_writes(db: &Db, backend: Backend, app: &str) -> orm::Result<()> {
    db.create_all(&orm::models![Order, Line]).await?;
    let base = db
        .insert(Order {
            id: 0,
            name: "base".into(),
            lines: HasMany::default(),
        })
        .await?;
    let loaded = || async {
        Order::query()
            .include(Order::LINES)
            .filter(Order::ID.eq(base.id))
            .one(db)
            .await
    };
    // The typical duration of each write, to cancel anywhere in it.
    let mut typical = Vec::new();
    for write in WRITES {
        let mut times = Vec::new();
        for i in 0..7 {
            let base = loaded().await?;
            let started = std::time::Instant::now();
            run_write(db, write, &format!("warm {write:?} {i}"), base).await?;
            times.push(started.elapsed());
        }
        times.sort();
        typical.push(times[times.len() / 2]);
    }
    let rec = db.recorder();
    let mut outcomes = Vec::new();
    for i in 0..50_u64 {
        let write = WRITES[i as usize % WRITES.len()];
        let name = format!("cancel {i}");
        let base = loaded().await?;
        // Anywhere from before BEGIN to just past the typical COMMIT.
        let span = typical[i as usize % WRITES.len()].as_nanos() as u64 * 6 / 5;
        let wait = Duration::from_nanos(random_below(span, i));
        rec.clear();
        let done = tokio::time::timeout(wait, run_write(db, write, &name, base)).await;
        let commit_sent = rec.statements().iter().any(|s| s == "COMMIT");
        match done {
            Ok(written) => {
                written?;
                outcomes.push((name, write, false, true));
            }
            Err(_) => outcomes.push((name, write, true, commit_sent)),
        }
    }
    drop(rec);
    let mut first = Vec::new();
    for (name, ..) in &outcomes {
        first.push(rows_named(db, name).await?);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut second = Vec::new();
    for (name, ..) in &outcomes {
        second.push(rows_named(db, name).await?);
    }
    assert_eq!(
        first, second,
        "rows appeared or vanished after the callers saw the outcome"
    );
    let (mut cancelled, mut visible) = (0, 0);
    for ((name, write, was_cancelled, commit_sent), rows) in outcomes.iter().zip(&first) {
        assert!(
            *rows == (0, 0) || *rows == whole(*write),
            "{name} ({write:?}): half written: {rows:?}"
        );
        if *was_cancelled {
            cancelled += 1;
            if *rows != (0, 0) {
                visible += 1;
                assert!(
                    commit_sent,
                    "{name} ({write:?}): written, though cancelled before its COMMIT was sent"
                );
            }
        } else {
            assert_eq!(
                *rows,
                whole(*write),
                "{name} ({write:?}): completed but not written"
            );
        }
    }
    eprintln!(
        "{backend:?}: {cancelled} of 50 writes cancelled (typical {typical:?}); {visible} of them had sent COMMIT and were written, {} left nothing; both checks 500 ms apart agree",
        cancelled - visible
    );
    no_connection_in_a_transaction(db, backend, app).await?;
    // The pool works normally afterwards.
    for i in 0..10 {
        db.insert(order(&format!("after {i}"))).await?;
    }
    assert_eq!(
        Order::query()
            .filter(Order::NAME.like("after %"))
            .count(db)
            .await?,
        10
    );
    Ok(())
}

scenario!(async fn cancelled_writes_leave_nothing_or_everything(db, backend) {
    if backend == Backend::Sqlite {
        // A file, as services use: commits take real time there.
        let (file_db, _file) = harness::sqlite_file(|o| o).await;
        cancel_writes(&file_db, backend, "").await?;
        file_db.close().await;
        return Ok(());
    }
    // A pool of its own, named so that the server can list its sessions.
    let app = format!("orm_cancel_{}", std::process::id());
    let url = harness::url_of(db);
    let url = match backend {
        Backend::Postgres => format!("{url}&application_name={app}"),
        _ => url,
    };
    let pool = Db::connect(&url).await?;
    cancel_writes(&pool, backend, &app).await?;
    pool.close().await;
    Ok(())
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_file_takes_concurrent_writers() {
    let (db, _file) = harness::sqlite_file(|o| o).await;
    db.create_all(&orm::models![Order, Line]).await.unwrap();
    let mut tasks = Vec::new();
    for t in 0..64 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let mut errors = Vec::new();
            for i in 0..20 {
                let name = format!("t{t} #{i}");
                // Half plain graph inserts, half the service pattern that
                // trips deferred SQLite transactions: read, then write.
                let written = if i % 2 == 0 {
                    db.insert(order(&name)).await.map(drop)
                } else {
                    db.transaction(async |tx| {
                        let mine = Order::query()
                            .filter(Order::NAME.starts_with(format!("t{t} #")))
                            .count(&tx)
                            .await?;
                        tx.insert(order(&format!("{name} after {mine}")))
                            .await
                            .map(drop)
                    })
                    .await
                };
                if let Err(e) = written {
                    errors.push(e);
                }
            }
            errors
        }));
    }
    let mut errors = Vec::new();
    for t in tasks {
        errors.extend(t.await.unwrap());
    }
    assert!(
        errors.is_empty(),
        "{} of 1280 graph writes failed: {:?}",
        errors.len(),
        errors.first()
    );
    assert_eq!(
        Order::query()
            .filter(Order::NAME.like("t%"))
            .count(&db)
            .await
            .unwrap(),
        64 * 20
    );
    assert_eq!(
        Line::query().count(&db).await.unwrap(),
        64 * 20 * LINES as i64
    );
    db.close().await;
}

#[tokio::test]
async fn a_writer_past_the_busy_timeout_gets_busy() {
    let (db, file) = harness::sqlite_file(|o| o.busy_timeout(Duration::from_millis(100))).await;
    db.create_all(&orm::models![Order, Line]).await.unwrap();
    // Another pool holds the write lock.
    let other = Db::connect(&format!("sqlite://{}", file.0.display()))
        .await
        .unwrap();
    let holding = other.begin().await.unwrap();
    other_insert(&holding).await;
    let started = std::time::Instant::now();
    let err = db.insert(order("blocked")).await.unwrap_err();
    assert!(err.is_busy(), "{err:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(100),
        "it waited for the busy timeout"
    );
    holding.rollback().await.unwrap();
    db.insert(order("free")).await.unwrap();
    other.close().await;
    db.close().await;
}

async fn other_insert(tx: &orm::Tx) {
    tx.insert(Order {
        id: 0,
        name: "holder".into(),
        lines: HasMany::default(),
    })
    .await
    .unwrap();
}

/// The rows of a slow raw query.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "f_slow")]
pub struct Slow {
    #[model(primary_key)]
    pub id: i64,
}

scenario!(async fn a_cancelled_statement_ends_its_transaction(db, backend) {
    db.create_all(&orm::models![Order, Line]).await?;
    let slow = match backend {
        Backend::Postgres => "SELECT CAST(1 AS BIGINT) AS id FROM pg_sleep(1)",
        Backend::MySql => "SELECT CAST(SLEEP(1) AS SIGNED) AS id",
        // Three million rows, every one read: SQLite's direct path stops
        // between rows (one step of an aggregate this long would run to
        // its end).
        Backend::Sqlite => {
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) SELECT x AS id FROM c"
        }
    };
    let outcome = db
        .transaction(async |tx| {
            tx.insert(order("inside")).await?;
            let cut = tokio::time::timeout(Duration::from_millis(50), orm::raw(slow).all::<Slow>(&tx)).await;
            assert!(cut.is_err(), "the slow statement was cut short");
            // The connection is in an unknown state: the transaction is over.
            let next = tx.insert(order("after the cut")).await;
            assert!(matches!(next, Err(orm::Error::TransactionClosed)), "{next:?}");
            next.map(drop)
        })
        .await;
    assert!(matches!(outcome, Err(orm::Error::TransactionClosed)), "{outcome:?}");
    assert_eq!(Order::query().count(db).await?, 0, "nothing of the transaction was kept");
    // The pool is fine.
    db.insert(order("later")).await?;
    assert_eq!(Order::query().count(db).await?, 1);
    Ok(())
});
