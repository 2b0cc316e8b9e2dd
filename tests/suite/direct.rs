//! SQLite's two paths: the direct one (statements stepped on the caller's
//! thread, on a multi-threaded runtime) and sqlx's worker thread (on a
//! current-thread runtime). Both store and read the same values; the
//! direct path survives many queries in a row on one connection, a full
//! statement cache, the connection's close, and a cancelled query.

use std::time::Duration;

use orm::prelude::*;

use crate::harness::sqlite_file;
use crate::types::{Everything, Times, highs, lows};

/// Each column of the row `id` of `M`'s table as SQLite stores it: its
/// storage class and its SQL literal.
async fn stored<M: Model>(db: &Db, id: i64) -> orm::Result<String> {
    let cells: Vec<String> = M::META
        .columns
        .iter()
        .filter(|c| !c.primary_key)
        .map(|c| format!("typeof(\"{0}\") || ':' || quote(\"{0}\")", c.name))
        .collect();
    let sql = format!(
        "SELECT {} FROM \"{}\" WHERE id = ?",
        cells.join(" || ' ' || "),
        M::META.table
    );
    orm::raw(sql).bind(id).scalar::<String>(db).await
}

fn times() -> Vec<Times> {
    use time::macros::{date, datetime};
    vec![
        Times {
            id: 0,
            date: date!(1970 - 01 - 01),
            at: datetime!(2000-02-29 0:00:00.000_001),
            utc: datetime!(2024-06-01 12:00 +2),
            maybe: None,
        },
        Times {
            id: 0,
            date: date!(9999 - 12 - 31),
            at: datetime!(2024-01-01 0:00:00.123_456_789),
            utc: datetime!(2024-01-01 0:00:00.987_654_321 UTC),
            maybe: Some(datetime!(1971-01-01 0:00 UTC)),
        },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_paths_store_and_read_the_same_values() -> orm::Result<()> {
    let (db, file) = sqlite_file(|o| o).await;
    db.create_all(&orm::models![Everything, Times]).await?;
    // The direct path: insert_many reads its rows back with RETURNING.
    let direct = db.insert_many(vec![lows(), highs()]).await?;
    let direct_times = db.insert_many(times()).await?;
    // The worker path, on a current-thread runtime, into the same file.
    let url = format!("sqlite://{}", file.0.display());
    let (worker, worker_times, worker_read) = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let db = Db::connect(&url).await?;
            let rows = db.insert_many(vec![lows(), highs()]).await?;
            let times = db.insert_many(times()).await?;
            let read = Everything::query()
                .order_by(Everything::ID.asc())
                .all(&db)
                .await?;
            db.close().await;
            Ok::<_, orm::Error>((rows, times, read))
        })
    })
    .join()
    .expect("worker thread")?;
    for (a, b) in direct.iter().zip(&worker) {
        assert_eq!(
            Everything { id: 0, ..a.clone() },
            Everything { id: 0, ..b.clone() }
        );
        assert_eq!(
            stored::<Everything>(&db, a.id).await?,
            stored::<Everything>(&db, b.id).await?
        );
    }
    for (a, b) in direct_times.iter().zip(&worker_times) {
        assert_eq!(Times { id: 0, ..a.clone() }, Times { id: 0, ..b.clone() });
        assert_eq!(
            stored::<Times>(&db, a.id).await?,
            stored::<Times>(&db, b.id).await?
        );
    }
    // Every row read by the direct path is what the worker path read.
    let direct_read = Everything::query()
        .order_by(Everything::ID.asc())
        .all(&db)
        .await?;
    assert_eq!(direct_read, worker_read);
    assert_eq!(direct_read.len(), 4);
    let read_times = Times::query().order_by(Times::ID.asc()).all(&db).await?;
    assert_eq!(read_times[..2], direct_times[..]);
    db.close().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_connection_runs_thousands_of_queries_and_closes() -> orm::Result<()> {
    let (db, _file) = sqlite_file(|o| o.max_connections(1)).await;
    db.create_all(&orm::models![Times]).await?;
    db.insert_many(times()).await?;
    // Consecutive queries on one connection, each locking its handle.
    let many = tokio::time::timeout(Duration::from_secs(60), async {
        for _ in 0..2_000 {
            assert_eq!(Times::query().all(&db).await?.len(), 2);
        }
        Ok::<_, orm::Error>(())
    })
    .await;
    assert!(many.is_ok(), "2,000 queries in a row finished");
    many.unwrap()?;
    // And in one transaction, where the connection stays lent between them.
    let in_tx = tokio::time::timeout(Duration::from_secs(60), async {
        db.transaction(async |tx| {
            for _ in 0..500 {
                assert_eq!(Times::query().all(&tx).await?.len(), 2);
            }
            Ok::<_, orm::Error>(())
        })
        .await
    })
    .await;
    assert!(
        in_tx.is_ok(),
        "500 queries in a row in one transaction finished"
    );
    in_tx.unwrap()?;
    // More distinct statements than the cache holds: it is emptied and
    // filled again, and the results stay right.
    for n in 0..250i64 {
        let sql = format!("SELECT * FROM time_values WHERE id > {n} - {n}");
        assert_eq!(orm::raw(sql).all::<Times>(&db).await?.len(), 2);
        let count = Times::query()
            .filter(Times::ID.gt(n - n))
            .count(&db)
            .await?;
        assert_eq!(count, 2);
    }
    // Closing finalizes the cached statements first (sqlx's close would
    // fail on any left).
    db.close().await;
    Ok(())
}

/// A query that returned many rows sizes its next result for as many
/// before the first row (rather than doubling, each time copying every row
/// so far in one go), and a result far smaller than that gives the room
/// back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_result_is_sized_from_the_last_one() -> orm::Result<()> {
    let (db, _file) = sqlite_file(|o| o.max_connections(1)).await;
    db.create_all(&orm::models![Times]).await?;
    let rows: Vec<Times> = times().into_iter().cycle().take(3_000).collect();
    db.insert_many(rows).await?;
    let above = |id: i64| {
        Times::query()
            .filter(Times::ID.gt(id))
            .order_by(Times::ID.asc())
    };

    let first = above(0).all(&db).await?;
    assert_eq!(first.len(), 3_000);
    // Sized for the 3,000 rows the same statement returned last time.
    let second = above(0).all(&db).await?;
    assert_eq!((second.len(), second.capacity()), (3_000, 3_000));
    assert_eq!(second, first);
    // Ten rows of the same statement: not 3,000 rows' room.
    let few = above(2_990).all(&db).await?;
    assert_eq!(few.len(), 10);
    assert!(few.capacity() < 100, "capacity {}", few.capacity());
    assert_eq!(few[..], first[2_990..]);
    // And after few, many again: every row, in order.
    let again = above(0).all(&db).await?;
    assert_eq!(again, first);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_on_the_direct_path_are_typed() -> orm::Result<()> {
    let db = Db::connect("sqlite::memory:").await?;
    db.create_all(&orm::models![Times]).await?;
    let row = db.insert_many(times()).await?.remove(0);
    // A duplicate key, in a statement that returns rows.
    let again = orm::raw(
        "INSERT INTO time_values (id, date, at, utc) VALUES (?, '2000-01-01', '2000-01-01 00:00:00', '2000-01-01T00:00:00Z') RETURNING id",
    )
    .bind(row.id)
    .scalar::<i64>(&db)
    .await;
    assert!(
        matches!(again, Err(orm::Error::UniqueViolation { .. })),
        "{again:?}"
    );
    // A type the column does not hold.
    let wrong = orm::raw("SELECT 'text'").scalar::<i64>(&db).await;
    assert!(matches!(wrong, Err(orm::Error::Decode { .. })), "{wrong:?}");
    // NULL into a non-optional field.
    let null = orm::raw("SELECT NULL").scalar::<i64>(&db).await;
    assert!(matches!(null, Err(orm::Error::Decode { .. })), "{null:?}");
    // An out-of-range integer for an i16.
    let wide = orm::raw("SELECT 70000").scalar::<i16>(&db).await;
    assert!(matches!(wide, Err(orm::Error::Decode { .. })), "{wide:?}");
    // A syntax error.
    let bad = orm::raw("SELEC 1").scalar::<i64>(&db).await;
    assert!(matches!(bad, Err(orm::Error::Database(_))), "{bad:?}");
    // Parameters bind in order.
    let n = orm::raw("SELECT ? - ?")
        .bind(10i64)
        .bind(1i64)
        .scalar::<i64>(&db)
        .await?;
    assert_eq!(n, 9);
    db.close().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_on_the_direct_path() -> orm::Result<()> {
    use futures_util::{StreamExt, TryStreamExt};
    let (db, _file) = sqlite_file(|o| o.max_connections(1)).await;
    db.create_all(&orm::models![Times]).await?;
    let rows: Vec<Times> = (0..500).flat_map(|_| times()).collect();
    db.insert_many(rows).await?;
    let all = Times::query().order_by(Times::ID.asc()).all(&db).await?;
    assert_eq!(all.len(), 1_000);
    // A stream yields what `all` returns, in order.
    let streamed: Vec<Times> = Times::query()
        .order_by(Times::ID.asc())
        .stream(&db)
        .try_collect()
        .await?;
    assert_eq!(streamed, all);
    // Streams read to the end and streams dropped after a few rows, in a
    // row on the pool's one connection: each leaves it unlocked, with its
    // statement reset, for the next.
    let many = tokio::time::timeout(Duration::from_secs(60), async {
        for n in 0..300 {
            if n % 2 == 0 {
                let count = Times::query()
                    .stream(&db)
                    .try_fold(0, |n, _| async move { Ok(n + 1) })
                    .await?;
                assert_eq!(count, 1_000);
            } else {
                let first: Vec<_> = Times::query().stream(&db).take(3).collect().await;
                assert_eq!(first.len(), 3);
                assert!(first.iter().all(Result::is_ok));
            }
            assert_eq!(Times::query().count(&db).await?, 1_000);
        }
        Ok::<_, orm::Error>(())
    })
    .await;
    assert!(many.is_ok(), "300 streams in a row finished");
    many.unwrap()?;
    // In a transaction the connection stays lent between statements:
    // streams, dropped streams and queries follow each other on it.
    let in_tx = tokio::time::timeout(Duration::from_secs(60), async {
        db.transaction(async |tx| {
            for _ in 0..100 {
                let streamed: Vec<Times> = Times::query()
                    .order_by(Times::ID.asc())
                    .stream(&tx)
                    .try_collect()
                    .await?;
                assert_eq!(streamed, all);
                let first: Vec<Times> = Times::query().limit(1).stream(&tx).try_collect().await?;
                assert_eq!(first.len(), 1);
                Times::query()
                    .filter(Times::ID.eq(all[0].id))
                    .delete(&tx)
                    .await?;
                assert_eq!(Times::query().all(&tx).await?.len(), 999);
                db_insert_back(&tx, all[0].clone()).await?;
            }
            Ok::<_, orm::Error>(())
        })
        .await
    })
    .await;
    assert!(in_tx.is_ok(), "100 rounds in one transaction finished");
    in_tx.unwrap()?;
    // A stream dropped before its end ends its transaction, as a
    // cancelled statement does on every path and backend: nothing of it
    // is committed.
    let tx = db.begin().await?;
    Times::query()
        .filter(Times::ID.eq(all[0].id))
        .delete(&tx)
        .await?;
    let first = Times::query().stream(&tx).next().await;
    assert!(matches!(first, Some(Ok(_))));
    let after = Times::query().count(&tx).await;
    assert!(
        matches!(after, Err(orm::Error::TransactionClosed)),
        "{after:?}"
    );
    drop(tx);
    assert_eq!(Times::query().count(&db).await?, 1_000);
    // A row the model cannot hold ends the stream with a typed error,
    // after the rows before it; the connection goes on working.
    orm::raw("UPDATE time_values SET date = 'not a date' WHERE id = ?")
        .bind(all[10].id)
        .execute(&db)
        .await?;
    let mut rows = Times::query().order_by(Times::ID.asc()).stream(&db);
    let mut read = 0;
    let error = loop {
        match rows.next().await {
            Some(Ok(_)) => read += 1,
            Some(Err(e)) => break e,
            None => panic!("the stream ended without the error"),
        }
    };
    assert!(rows.next().await.is_none(), "the stream ends at its error");
    drop(rows);
    assert_eq!(read, 10);
    assert!(matches!(error, orm::Error::Decode { .. }), "{error:?}");
    assert_eq!(Times::query().count(&db).await?, 1_000);
    db.close().await;
    Ok(())
}

/// Puts a deleted row back with its own key.
async fn db_insert_back(tx: &Tx, row: Times) -> orm::Result<()> {
    orm::raw("INSERT INTO time_values (id, date, at, utc, maybe) VALUES (?, ?, ?, ?, ?)")
        .bind(row.id)
        .bind(row.date)
        .bind(row.at)
        .bind(row.utc)
        .bind(row.maybe)
        .execute(tx)
        .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_run_inside_a_local_set() -> orm::Result<()> {
    use futures_util::TryStreamExt;
    let db = Db::connect("sqlite::memory:").await?;
    db.create_all(&orm::models![Times]).await?;
    db.insert_many(times()).await?;
    let local = tokio::task::LocalSet::new();
    let read = local
        .run_until(async {
            let all = Times::query().all(&db).await?;
            let streamed: Vec<Times> = Times::query().stream(&db).try_collect().await?;
            assert_eq!(all, streamed);
            let db = db.clone();
            tokio::task::spawn_local(async move { Times::query().count(&db).await })
                .await
                .expect("the local task ran")
        })
        .await?;
    assert_eq!(read, 2);
    db.close().await;
    Ok(())
}

/// A write that finds the database locked by another connection waits on
/// sqlx's worker thread, not on the runtime's: the transaction holding the
/// lock (on a task of the runtime) gets a thread to commit on, and every
/// write goes through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_waiting_on_a_lock_leave_the_runtime_its_threads() -> orm::Result<()> {
    let (db, _file) = sqlite_file(|o| o.busy_timeout(Duration::from_secs(3))).await;
    db.create_all(&orm::models![Times]).await?;
    // The lock's holder: a task that sleeps on the runtime's timer, then
    // commits; both need a thread of the runtime.
    let hold = |db: Db| {
        let (locked, is_locked) = tokio::sync::oneshot::channel();
        let holder = tokio::spawn(async move {
            let tx = db.begin().await?;
            tx.insert(times().remove(0)).await?;
            let _ = locked.send(());
            tokio::time::sleep(Duration::from_millis(300)).await;
            tx.commit().await
        });
        (holder, is_locked)
    };
    let (holder, is_locked) = hold(db.clone());
    is_locked.await.expect("the holder took the lock");
    // More writers than the runtime has threads, each finding the lock
    // taken.
    let writers: Vec<_> = (0..4)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move { db.insert(times().remove(1)).await.map(drop) })
        })
        .collect();
    holder.await.expect("the holder ran")?;
    for writer in writers {
        writer.await.expect("the writer ran")?;
    }
    assert_eq!(Times::query().count(&db).await?, 5);
    // And transactions that must wait for the lock to begin.
    let (holder, is_locked) = hold(db.clone());
    is_locked.await.expect("the holder took the lock");
    let waiting: Vec<_> = (0..4)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move {
                db.transaction(async |tx| tx.insert(times().remove(1)).await.map(drop))
                    .await
            })
        })
        .collect();
    holder.await.expect("the holder ran")?;
    for tx in waiting {
        tx.await.expect("the transaction ran")?;
    }
    assert_eq!(Times::query().count(&db).await?, 10);
    db.close().await;
    Ok(())
}

/// A connection kept for the direct path between statements goes to a
/// statement waiting for one when the pool has no other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_waiting_for_the_only_connection_gets_it() -> orm::Result<()> {
    let (db, _file) = sqlite_file(|o| {
        o.max_connections(1)
            .acquire_timeout(Duration::from_secs(10))
    })
    .await;
    db.create_all(&orm::models![Times]).await?;
    let row = db.insert(times().remove(0)).await?;
    for _ in 0..20 {
        let tx = db.begin().await?;
        assert_eq!(Times::get(&tx, row.id).await?.id, row.id);
        let reader = {
            let db = db.clone();
            tokio::spawn(async move { Times::get(&db, row.id).await })
        };
        tokio::task::yield_now().await;
        tx.commit().await?;
        let read = tokio::time::timeout(Duration::from_secs(5), reader).await;
        let read = read.expect("the waiting statement got the connection");
        assert_eq!(read.expect("the reader ran")?.id, row.id);
    }
    db.close().await;
    Ok(())
}

/// One database used from a multi-threaded runtime (the direct path,
/// connections kept locked between statements) and from a current-thread
/// one (sqlx's worker thread) in turns: each finds the other's writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_direct_path_and_the_worker_take_turns_on_one_connection() -> orm::Result<()> {
    let (db, _file) = sqlite_file(|o| o.max_connections(1)).await;
    db.create_all(&orm::models![Times]).await?;
    for round in 0..5usize {
        db.insert(times().remove(0)).await?;
        let worker = db.clone();
        let counted = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                worker.insert(times().remove(1)).await?;
                Times::query().count(&worker).await
            })
        })
        .join()
        .expect("the worker thread ran")?;
        assert_eq!(counted, 2 * (round as i64 + 1));
        assert_eq!(Times::query().count(&db).await?, counted);
    }
    db.close().await;
    Ok(())
}

/// Checks that after `wait` the connection that made a temporary table
/// is no longer the one lent: the table is gone.
async fn temp_table_is_gone_after(db: &Db, wait: Duration) -> orm::Result<()> {
    orm::raw("CREATE TEMP TABLE here (x INTEGER)")
        .execute(db)
        .await?;
    let count = || orm::raw("SELECT count(*) FROM here").scalar::<i64>(db);
    assert_eq!(count().await?, 0);
    tokio::time::sleep(wait).await;
    let gone = count().await;
    assert!(matches!(gone, Err(orm::Error::Database(_))), "{gone:?}");
    Ok(())
}

/// A connection kept past the pool's maximum lifetime goes back to the
/// pool, which closes it: what lived on it (a temporary table) is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_connection_past_its_lifetime_is_replaced() -> orm::Result<()> {
    let (db, _file) = sqlite_file(|o| o.max_lifetime(Some(Duration::from_millis(200)))).await;
    temp_table_is_gone_after(&db, Duration::from_millis(400)).await?;
    db.close().await;
    Ok(())
}

/// An in-memory database has one connection whatever `max_connections`
/// says: readers beside a writer wait for it rather than failing on the
/// shared cache's table lock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_in_memory_database_keeps_one_connection() -> orm::Result<()> {
    let db =
        Db::connect_with(orm::ConnectOptions::new("sqlite::memory:").max_connections(4)).await?;
    db.create_all(&orm::models![Times]).await?;
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move {
                db.insert(times().remove(0)).await?;
                Times::query().count(&db).await
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("the task ran")?;
    }
    assert_eq!(Times::query().count(&db).await?, 20);
    db.close().await;
    Ok(())
}

/// A kept connection idle past the pool's idle timeout is closed, not
/// lent again: what lived on it (a temporary table) is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_connection_idle_past_its_timeout_is_closed() -> orm::Result<()> {
    let (db, _file) = sqlite_file(|o| {
        o.max_connections(1)
            .idle_timeout(Some(Duration::from_millis(200)))
    })
    .await;
    temp_table_is_gone_after(&db, Duration::from_millis(500)).await?;
    db.close().await;
    Ok(())
}

/// A multi-threaded runtime of two workers, for tests that outlive it.
fn two_workers() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// An in-memory database, or a file one opened with `options`.
async fn memory_or_file(
    memory: bool,
    options: impl FnOnce(orm::ConnectOptions) -> orm::ConnectOptions,
) -> orm::Result<(Db, Option<crate::harness::TempFile>)> {
    if memory {
        return Ok((Db::connect("sqlite::memory:").await?, None));
    }
    let (db, file) = sqlite_file(options).await;
    Ok((db, Some(file)))
}

/// A stream read in part and dropped after its runtime is gone closes its
/// connection without one.
#[test]
fn a_stream_outliving_its_runtime_drops_cleanly() {
    use futures_util::StreamExt;
    for memory in [false, true] {
        let rt = two_workers();
        let (db, stream, file) = rt
            .block_on(async {
                let (db, file) = memory_or_file(memory, |o| o).await?;
                db.create_all(&orm::models![Times]).await?;
                db.insert_many(times()).await?;
                let mut stream = Times::query().stream_owned(db.clone());
                stream.next().await.expect("a first row")?;
                Ok::<_, orm::Error>((db, stream, file))
            })
            .expect("statements ran");
        drop(rt);
        drop(stream);
        drop(db);
        drop(file);
    }
}

/// A database dropped outside its runtime (after `block_on` returned, or
/// after the runtime is gone) closes the connections it kept, and a
/// transaction dropped there rolls back, without a runtime to run on.
#[test]
fn a_database_outliving_its_runtime_drops_cleanly() {
    for memory in [false, true] {
        for runtime_first in [false, true] {
            let rt = two_workers();
            let (db, tx, file) = rt
                .block_on(async {
                    let (db, file) = memory_or_file(memory, |o| o.min_connections(1)).await?;
                    db.create_all(&orm::models![Times]).await?;
                    db.insert(times().remove(0)).await?;
                    assert_eq!(Times::query().count(&db).await?, 1);
                    // A transaction left open, on a file (an in-memory
                    // database has one connection, which the database keeps).
                    let tx = if memory {
                        None
                    } else {
                        let tx = db.begin().await?;
                        tx.insert(times().remove(1)).await?;
                        Some(tx)
                    };
                    Ok::<_, orm::Error>((db, tx, file))
                })
                .expect("statements ran");
            if runtime_first {
                drop(rt);
                drop(tx);
                drop(db);
            } else {
                drop(tx);
                drop(db);
                drop(rt);
            }
            drop(file);
        }
    }
}

/// A current-thread runtime, for tests that outlive it.
fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// The rows of `Times` counted on a runtime of its own, within ten
/// seconds (a statement left waiting for a connection fails the test).
fn count_on_a_new_runtime(db: &Db) -> i64 {
    current_thread()
        .block_on(async {
            tokio::time::timeout(Duration::from_secs(10), Times::query().count(db)).await
        })
        .expect("not left waiting for a connection")
        .expect("the table is there")
}

/// A database used on a current-thread runtime that is then dropped, or
/// no longer driven, keeps its connection (an in-memory one, its only
/// connection and with it its data): the connection waits on the
/// database, not on a task of that runtime.
#[test]
fn a_database_outlives_the_current_thread_runtime_it_was_used_on() {
    for memory in [true, false] {
        let (db, file) = current_thread()
            .block_on(async {
                let (db, file) = memory_or_file(memory, |o| o.max_connections(1)).await?;
                db.create_all(&orm::models![Times]).await?;
                db.insert(times().remove(0)).await?;
                Ok::<_, orm::Error>((db, file))
            })
            .expect("statements ran");
        // That runtime is gone: the next one finds the table and its row.
        let count = current_thread()
            .block_on(Times::query().count(&db))
            .expect("the table is there");
        assert_eq!(count, 1, "memory: {memory}");
        // A runtime kept but no longer driven holds nothing either.
        let idle = current_thread();
        idle.block_on(Times::query().count(&db)).expect("counted");
        let count = count_on_a_new_runtime(&db);
        assert_eq!(count, 1, "memory: {memory}");
        drop(idle);
        drop(db);
        drop(file);
    }
}

/// One in-memory database used at once from threads of their own, each
/// on a current-thread runtime that ends (or idles) when its thread is
/// done: a connection one of them finishes with goes straight to the next
/// that waits, never through a task of a runtime that will not run it.
#[test]
fn an_in_memory_database_is_shared_by_runtimes_at_once() {
    for idle_after in [false, true] {
        let db = current_thread()
            .block_on(async {
                let db = Db::connect("sqlite::memory:").await?;
                db.create_all(&orm::models![Times]).await?;
                Ok::<_, orm::Error>(db)
            })
            .expect("created");
        let done = std::sync::Arc::new(std::sync::Barrier::new(8));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (db, done) = (db.clone(), done.clone());
                std::thread::spawn(move || {
                    let rt = current_thread();
                    let out = rt.block_on(async {
                        tokio::time::timeout(Duration::from_secs(10), async {
                            db.insert(times().remove(0)).await?;
                            Times::query().count(&db).await
                        })
                        .await
                    });
                    if idle_after {
                        // The runtime lives on, no longer driven, until
                        // every thread is done.
                        done.wait();
                    }
                    drop(rt);
                    out
                })
            })
            .collect();
        for t in threads {
            let count = t
                .join()
                .expect("thread")
                .expect("not left waiting")
                .expect("counted");
            assert!((1..=8).contains(&count), "{count}");
        }
        let count = current_thread()
            .block_on(Times::query().count(&db))
            .expect("the table is there");
        assert_eq!(count, 8, "idle after: {idle_after}");
    }
}

/// A stream read in part and dropped on a runtime then dropped leaves the
/// in-memory database's connection, and with it the data, to the next.
#[test]
fn a_stream_dropped_early_keeps_the_in_memory_database() {
    use futures_util::StreamExt;
    for multi_thread in [false, true] {
        let rt = if multi_thread {
            two_workers()
        } else {
            current_thread()
        };
        let db = rt
            .block_on(async {
                let db = Db::connect("sqlite::memory:").await?;
                db.create_all(&orm::models![Times]).await?;
                db.insert_many(times()).await?;
                let mut stream = Times::query().stream(&db);
                stream.next().await.expect("a first row")?;
                drop(stream);
                Ok::<_, orm::Error>(db)
            })
            .expect("streamed");
        drop(rt);
        let count = count_on_a_new_runtime(&db);
        assert_eq!(count, 2, "multi-thread: {multi_thread}");
    }
}
