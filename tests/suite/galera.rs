//! Retries on a real three-node MariaDB Galera cluster (`.ci/galera.sh`;
//! `ORM_TEST_GALERA_URLS` lists the nodes' URLs, comma-separated).

use std::sync::atomic::{AtomicU32, Ordering};

use orm::prelude::*;
use orm::{Db, Isolation, Retry};

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "galera_counters")]
pub struct Counter {
    #[model(primary_key, auto = false)]
    pub id: i64,
    pub value: i64,
}

fn on_database(url: &str, database: &str) -> String {
    let base = url.rsplit_once('/').map_or(url, |(b, _)| b);
    format!("{base}/{database}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(orm_test_galera),
    ignore = "Galera run skipped: start .ci/galera.sh and set ORM_TEST_GALERA_URLS"
)]
async fn increments_on_three_primaries_at_once_all_land() {
    let urls: Vec<String> = std::env::var("ORM_TEST_GALERA_URLS")
        .expect("ORM_TEST_GALERA_URLS")
        .split(',')
        .map(str::to_string)
        .collect();
    assert_eq!(urls.len(), 3, "three nodes");
    let database = format!("orm_galera_{}", std::process::id());
    let admin = Db::connect(&urls[0]).await.unwrap();
    orm::raw(format!("DROP DATABASE IF EXISTS `{database}`"))
        .execute(&admin)
        .await
        .unwrap();
    orm::raw(format!("CREATE DATABASE `{database}`"))
        .execute(&admin)
        .await
        .unwrap();
    let mut nodes = Vec::new();
    for url in &urls {
        nodes.push(Db::connect(&on_database(url, &database)).await.unwrap());
    }
    nodes[0].create_all(&orm::models![Counter]).await.unwrap();
    for id in 0..4 {
        nodes[0].insert(Counter { id, value: 0 }).await.unwrap();
    }
    // Every node sees the rows before the writers start.
    for node in &nodes {
        orm::raw("SET SESSION wsrep_sync_wait = 1")
            .execute(node)
            .await
            .ok();
        while Counter::query().count(node).await.unwrap() < 4 {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    let retry = Retry::default()
        .attempts(100)
        .isolation(Isolation::Serializable);
    let runs = std::sync::Arc::new(AtomicU32::new(0));
    let mut tasks = Vec::new();
    for i in 0..32i64 {
        // Each task writes through one of the three primaries.
        let (db, retry, runs) = (nodes[i as usize % 3].clone(), retry.clone(), runs.clone());
        tasks.push(tokio::spawn(async move {
            db.transaction_with_retry(&retry, async |tx| {
                runs.fetch_add(1, Ordering::Relaxed);
                let mut counter = Counter::get(&tx, i % 4).await?;
                counter.value += 1;
                tx.update(&mut counter).await?;
                Ok(())
            })
            .await
        }));
    }
    let mut errors = Vec::new();
    for t in tasks {
        if let Err(e) = t.await.unwrap() {
            errors.push(e.to_string());
        }
    }
    assert!(errors.is_empty(), "errors reached callers: {errors:?}");
    // Read after the cluster has applied every write.
    orm::raw("SET SESSION wsrep_sync_wait = 1")
        .execute(&nodes[2])
        .await
        .unwrap();
    let values: Vec<i64> = Counter::query()
        .order_by(Counter::ID.asc())
        .all(&nodes[2].primary())
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.value)
        .collect();
    assert_eq!(values, [8, 8, 8, 8], "every increment landed exactly once");
    assert_eq!(
        u64::from(runs.load(Ordering::Relaxed)),
        32 + retry.retries()
    );
    eprintln!(
        "Galera, 3 nodes: 32 increments, {} retries (certification failures and deadlocks)",
        retry.retries()
    );
    orm::raw(format!("DROP DATABASE `{database}`"))
        .execute(&admin)
        .await
        .unwrap();
}
