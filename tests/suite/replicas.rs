//! Read replicas against real replicas: a PostgreSQL streaming replica
//! (`.ci/replica.sh`; `ORM_TEST_POSTGRES_URL` is the primary,
//! `ORM_TEST_POSTGRES_REPLICA_URL` the replica) and a MariaDB replica of
//! a primary of its own (`.ci/mariadb-replica.sh`;
//! `ORM_TEST_MARIADB_REPLICATION` is `primary-url,replica-url`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use orm::prelude::*;
use orm::{ConnectOptions, Db};

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "replica_notes")]
pub struct Note {
    #[model(primary_key)]
    pub id: i64,
    #[model(max_length = 40)]
    pub body: String,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Postgres,
    MariaDb,
}

/// Runs the script that starts (`start`) or stops (`stop`) the replica.
fn replica_script(kind: Kind, arg: &str) {
    let script = match kind {
        Kind::Postgres => concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/replica.sh"),
        Kind::MariaDb => concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/mariadb-replica.sh"),
    };
    let status = std::process::Command::new("bash")
        .arg(script)
        .arg(arg)
        .status()
        .expect("run the replica script");
    assert!(status.success(), "{script} {arg} failed");
}

/// Waits until the replica has replayed everything the primary wrote.
async fn caught_up(kind: Kind, primary: &Db, replica: &Db) {
    match kind {
        Kind::Postgres => {
            let lsn: String = orm::raw("SELECT pg_current_wal_lsn()::text")
                .scalar(primary)
                .await
                .unwrap();
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let behind: bool = orm::raw("SELECT pg_last_wal_replay_lsn() < ?::pg_lsn")
                    .bind(lsn.clone())
                    .scalar(replica)
                    .await
                    .unwrap();
                if !behind {
                    return;
                }
                assert!(Instant::now() < deadline, "the replica did not catch up");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        Kind::MariaDb => {
            let gtid: String = orm::raw("SELECT @@gtid_binlog_pos")
                .scalar(primary)
                .await
                .unwrap();
            let waited: i64 = orm::raw("SELECT MASTER_GTID_WAIT(?, 30)")
                .bind(gtid)
                .scalar(replica)
                .await
                .unwrap();
            assert_eq!(waited, 0, "the replica did not catch up");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(orm_test_postgres_replica),
    ignore = "replica run skipped: start .ci/replica.sh and set ORM_TEST_POSTGRES_REPLICA_URL"
)]
async fn reads_go_to_the_replica_and_survive_its_loss() {
    let primary = std::env::var("ORM_TEST_POSTGRES_URL").expect("ORM_TEST_POSTGRES_URL");
    let replica = std::env::var("ORM_TEST_POSTGRES_REPLICA_URL").expect("replica URL");
    reads_through_a_replica(Kind::Postgres, &primary, &replica).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(orm_test_mariadb_replication),
    ignore = "MariaDB replica run skipped: start .ci/mariadb-replica.sh and set ORM_TEST_MARIADB_REPLICATION"
)]
async fn mariadb_reads_go_to_the_replica_and_survive_its_loss() {
    let urls = std::env::var("ORM_TEST_MARIADB_REPLICATION").expect("ORM_TEST_MARIADB_REPLICATION");
    let (primary, replica) = urls
        .split_once(',')
        .expect("ORM_TEST_MARIADB_REPLICATION is primary-url,replica-url");
    reads_through_a_replica(Kind::MariaDb, primary, replica).await;
}

async fn reads_through_a_replica(kind: Kind, primary_url: &str, replica_url: &str) {
    let admin = Db::connect(primary_url).await.unwrap();
    let name = format!("orm_replica_{}", std::process::id());
    let (primary_url, replica_url, drop) = match kind {
        Kind::Postgres => {
            orm::raw(format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"))
                .execute(&admin)
                .await
                .unwrap();
            orm::raw(format!("CREATE SCHEMA \"{name}\""))
                .execute(&admin)
                .await
                .unwrap();
            (
                crate::harness::on_schema(primary_url, &name),
                crate::harness::on_schema(replica_url, &name),
                format!("DROP SCHEMA \"{name}\" CASCADE"),
            )
        }
        Kind::MariaDb => {
            orm::raw(format!("DROP DATABASE IF EXISTS `{name}`"))
                .execute(&admin)
                .await
                .unwrap();
            orm::raw(format!("CREATE DATABASE `{name}`"))
                .execute(&admin)
                .await
                .unwrap();
            // The database reaches the replica before anything connects to it.
            let replica_server = Db::connect(replica_url).await.unwrap();
            caught_up(kind, &admin, &replica_server).await;
            replica_server.close().await;
            (
                crate::harness::with_database(primary_url, &name),
                crate::harness::with_database(replica_url, &name),
                format!("DROP DATABASE `{name}`"),
            )
        }
    };
    let db = Db::connect_with(
        ConnectOptions::new(primary_url)
            .replica(replica_url.clone())
            .connect_timeout(Duration::from_secs(2)),
    )
    .await
    .unwrap();
    let replica_only = Db::connect(&replica_url).await.unwrap();
    db.create_all(&orm::models![Note]).await.unwrap();
    let first = db
        .insert(Note {
            id: 0,
            body: "first".into(),
        })
        .await
        .unwrap();
    caught_up(kind, &admin, &replica_only).await;

    // Reads outside a transaction go to the replica; writes, transactions
    // and `db.primary()` to the primary.
    let rec = db.recorder();
    assert_eq!(Note::query().all(&db).await.unwrap(), [first]);
    db.insert(Note {
        id: 0,
        body: "second".into(),
    })
    .await
    .unwrap();
    assert_eq!(Note::query().count(&db.primary()).await.unwrap(), 2);
    db.transaction(async |tx| Note::query().count(&tx).await)
        .await
        .unwrap();
    let servers = rec.servers();
    let statements = rec.statements();
    assert_eq!(servers[0], "replica 1", "{statements:?}");
    assert!(statements[1].starts_with("INSERT"), "{statements:?}");
    assert_eq!(&servers[1..], ["primary"; 5], "{statements:?}");

    // Read-your-writes: through `db.primary()` a row is there at once;
    // through `db` the replica may not have it yet.
    let (mut stale, tries) = (0, 200);
    for i in 0..tries {
        let note = db
            .insert(Note {
                id: 0,
                body: format!("n{i}"),
            })
            .await
            .unwrap();
        assert_eq!(Note::get(&db.primary(), note.id).await.unwrap(), note);
        if Note::query()
            .filter(Note::ID.eq(note.id))
            .optional(&db)
            .await
            .unwrap()
            .is_none()
        {
            stale += 1;
        }
    }
    eprintln!(
        "{kind:?} replica lag: {stale} of {tries} reads right after a write did not see it yet"
    );

    // The replica stops while readers run: no read fails.
    let stop = Arc::new(AtomicBool::new(false));
    let (reads, failures) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let mut readers = Vec::new();
    for _ in 0..4 {
        let (db, stop, reads, failures) =
            (db.clone(), stop.clone(), reads.clone(), failures.clone());
        readers.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                match Note::query().count(&db).await {
                    Ok(n) if n >= 2 => reads.fetch_add(1, Ordering::Relaxed),
                    other => {
                        eprintln!("failed read: {other:?}");
                        failures.fetch_add(1, Ordering::Relaxed)
                    }
                };
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = reads.load(Ordering::Relaxed);
    tokio::task::spawn_blocking(move || replica_script(kind, "stop"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        r.await.unwrap();
    }
    let total = reads.load(Ordering::Relaxed);
    eprintln!(
        "{kind:?} replica stopped mid-run: {total} reads ({before} before the stop), {} failed",
        failures.load(Ordering::Relaxed)
    );
    assert_eq!(failures.load(Ordering::Relaxed), 0, "no read failed");
    assert!(total > before, "reads went on after the replica stopped");
    let rec = db.recorder();
    Note::query().count(&db).await.unwrap();
    assert_eq!(
        rec.servers(),
        ["primary"],
        "with the replica down, reads go to the primary"
    );

    tokio::task::spawn_blocking(move || replica_script(kind, "start"))
        .await
        .unwrap();
    replica_only.close().await;
    db.close().await;
    orm::raw(drop).execute(&admin).await.unwrap();
}
