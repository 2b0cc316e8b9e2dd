//! `db.transaction_with_retry`: transactions the server gives up for
//! another's sake run again until they go through.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use orm::prelude::*;
use orm::{Isolation, Retry};

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "retry_counters")]
pub struct Counter {
    #[model(primary_key, auto = false)]
    pub id: i64,
    pub value: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "retry_increments")]
pub struct Increment {
    #[model(primary_key)]
    pub id: i64,
    pub counter_id: i64,
}

scenario!(async fn thirty_two_serializable_increments_all_land(db, backend) {
    db.create_all(&orm::models![Counter, Increment]).await?;
    for id in 0..4 {
        db.insert(Counter { id, value: 0 }).await?;
    }
    let retry = Retry::default()
        .attempts(50)
        .isolation(Isolation::Serializable);
    let attempts = Arc::new(AtomicU32::new(0));
    let mut tasks = Vec::new();
    for i in 0..32i64 {
        let (db, retry, attempts) = (db.clone(), retry.clone(), attempts.clone());
        tasks.push(tokio::spawn(async move {
            db.transaction_with_retry(&retry, async |tx| {
                attempts.fetch_add(1, Ordering::Relaxed);
                let mut counter = Counter::get(&tx, i % 4).await?;
                // Written in every attempt: a failed one leaves nothing.
                tx.insert(Increment { id: 0, counter_id: counter.id }).await?;
                counter.value += 1;
                tx.update(&mut counter).await?;
                Ok(counter.value)
            })
            .await
        }));
    }
    let mut errors = 0;
    for t in tasks {
        if t.await.expect("the task ran").is_err() {
            errors += 1;
        }
    }
    assert_eq!(errors, 0, "no error reached a caller");
    let values: Vec<i64> = Counter::query().order_by(Counter::ID.asc()).all(db).await?
        .into_iter().map(|c| c.value).collect();
    assert_eq!(values, [8, 8, 8, 8], "every increment landed exactly once");
    assert_eq!(Increment::query().count(db).await?, 32, "failed attempts were rolled back");
    let runs = attempts.load(Ordering::Relaxed);
    assert_eq!(u64::from(runs), 32 + retry.retries(), "each retry is one more run");
    eprintln!("{backend:?}: 32 serializable increments, {} retries", retry.retries());
    Ok(())
});

scenario!(async fn other_errors_are_not_retried(db, backend) {
    db.create_all(&orm::models![Counter]).await?;
    db.insert(Counter { id: 1, value: 0 }).await?;
    let retry = Retry::default();
    let runs = AtomicU32::new(0);
    let err = db
        .transaction_with_retry(&retry, async |tx| {
            runs.fetch_add(1, Ordering::Relaxed);
            tx.insert(Counter { id: 1, value: 5 }).await
        })
        .await
        .unwrap_err();
    assert!(err.is_unique_violation(), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(runs.load(Ordering::Relaxed), 1);
    assert_eq!(retry.retries(), 0);
    Ok(())
});

scenario!(async fn an_isolation_level_begins_the_transaction(db, backend) {
    let rec = db.recorder();
    let tx = db.begin_with(Isolation::Serializable).await?;
    orm::raw("SELECT 1").execute(&tx).await?;
    tx.commit().await?;
    let begin = rec.statements().first().cloned().unwrap_or_default();
    let want = match backend {
        crate::harness::Backend::Sqlite => "BEGIN IMMEDIATE",
        crate::harness::Backend::Postgres => "BEGIN ISOLATION LEVEL SERIALIZABLE",
        crate::harness::Backend::MySql => "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE; BEGIN",
    };
    assert_eq!(begin, want);
    Ok(())
});
