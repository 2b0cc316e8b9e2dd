//! `db.transaction`: commit on Ok, rollback on Err and on panic.

use futures_util::{FutureExt, TryStreamExt};
use orm::prelude::*;

use crate::models::*;

scenario!(async fn commits_on_ok(db, backend) {
    db.create_all(&orm::models![User, Post]).await?;
    let rec = db.recorder();
    let ada = db
        .transaction(async |tx| {
            let ada = tx.insert(User::new("ada@example.com")).await?;
            tx.insert(Post { id: 0, author_id: ada.id, title: "t".into(), views: 0, published: true })
                .await?;
            assert_eq!(User::query().count(&tx).await?, 1);
            Ok::<_, Error>(ada)
        })
        .await?;
    assert_eq!(User::get(db, ada.id).await?, ada);
    assert_eq!(Post::query().count(db).await?, 1);
    let sql = rec.statements();
    // SQLite's transactions take the write lock at BEGIN.
    let begin = if backend == crate::harness::Backend::Sqlite { "BEGIN IMMEDIATE" } else { "BEGIN" };
    assert_eq!(sql.first().map(String::as_str), Some(begin));
    assert!(sql.iter().any(|s| s == "COMMIT"), "{sql:?}");
    Ok(())
});

scenario!(async fn rolls_back_on_err(db, backend) {
    db.create_all(&orm::models![User]).await?;
    let result: Result<(), Error> = db
        .transaction(async |tx| {
            tx.insert(User::new("ada@example.com")).await?;
            tx.insert(User::new("ada@example.com")).await?; // unique violation
            Ok(())
        })
        .await;
    assert!(result.unwrap_err().is_unique_violation());
    assert_eq!(User::query().count(db).await?, 0);
    Ok(())
});

scenario!(async fn rolls_back_on_panic(db, backend) {
    db.create_all(&orm::models![User]).await?;
    let outcome = std::panic::AssertUnwindSafe(db.transaction(async |tx| {
        tx.insert(User::new("ada@example.com")).await?;
        if User::query().count(&tx).await? == 1 {
            panic!("boom");
        }
        Ok::<(), Error>(())
    }))
    .catch_unwind()
    .await;
    assert!(outcome.is_err(), "the panic goes on");
    assert_eq!(User::query().count(db).await?, 0);
    Ok(())
});

scenario!(async fn a_finished_transaction_refuses_work(db, backend) {
    db.create_all(&orm::models![User]).await?;
    let tx = db.begin().await?;
    tx.insert(User::new("ada@example.com")).await?;
    tx.commit().await?;
    let err = tx.insert(User::new("grace@example.com")).await.unwrap_err();
    assert!(matches!(err, Error::TransactionClosed), "{err:?}");
    assert_eq!(User::query().count(db).await?, 1);
    Ok(())
});

scenario!(async fn an_application_error_type_works_too(db, backend) {
    #[derive(Debug)]
    enum AppError {
        Db(#[allow(dead_code)] Error),
        Refused,
    }
    impl From<Error> for AppError {
        fn from(e: Error) -> Self {
            AppError::Db(e)
        }
    }
    db.create_all(&orm::models![User]).await?;
    let result = db
        .transaction(async |tx| {
            tx.insert(User::new("ada@example.com")).await?;
            Err::<(), _>(AppError::Refused)
        })
        .await;
    assert!(matches!(result, Err(AppError::Refused)));
    assert!(!matches!(result, Err(AppError::Db(_))));
    assert_eq!(User::query().count(db).await?, 0);
    Ok(())
});

scenario!(async fn a_stream_dropped_before_its_end_rolls_its_transaction_back(db, backend) {
    use futures_util::StreamExt;
    db.create_all(&orm::models![User]).await?;
    db.insert_many(vec![User::new("a@example.com"), User::new("b@example.com")]).await?;
    // Commit after the dropped stream: refused, nothing written.
    let tx = db.begin().await?;
    tx.insert(User::new("c@example.com")).await?;
    let first = User::query().stream(&tx).next().await;
    assert!(matches!(first, Some(Ok(_))), "{first:?}");
    let commit = tx.commit().await;
    assert!(matches!(commit, Err(Error::TransactionClosed)), "{commit:?}");
    assert_eq!(User::query().count(db).await?, 2);
    // Through `db.transaction`: the closure's Ok does not commit either.
    let out = db
        .transaction(async |tx| {
            tx.insert(User::new("d@example.com")).await?;
            let mut rows = User::query().stream(&tx);
            rows.next().await.transpose()?;
            Ok::<_, Error>(())
        })
        .await;
    assert!(matches!(out, Err(Error::TransactionClosed)), "{out:?}");
    assert_eq!(User::query().count(db).await?, 2);
    // A stream read to its end leaves the transaction as it was.
    let tx = db.begin().await?;
    tx.insert(User::new("e@example.com")).await?;
    let all: Vec<User> = futures_util::TryStreamExt::try_collect(User::query().stream(&tx)).await?;
    assert_eq!(all.len(), 3);
    tx.commit().await?;
    assert_eq!(User::query().count(db).await?, 3);
    Ok(())
});

scenario!(async fn a_failed_statement_then_commit_says_what_was_written(db, backend) {
    db.create_all(&orm::models![User]).await?;
    let postgres = backend == crate::harness::Backend::Postgres;
    let tx = db.begin().await?;
    tx.insert(User::new("first@example.com")).await?;
    let err = tx.insert(User::new("first@example.com")).await.unwrap_err();
    assert!(err.is_unique_violation(), "{err:?}");
    // A statement after it: PostgreSQL refuses it (SQLSTATE 25P02), and
    // the caller is told which statement aborted the transaction.
    let next = tx.insert(User::new("other@example.com")).await;
    let read = User::query().count(&tx).await;
    let many = tx.insert_many(vec![User::new("many@example.com")]).await;
    let bulk = tx.bulk_insert(&[User::new("bulk@example.com")]).await;
    let streamed: orm::Result<Vec<User>> = User::query().stream(&tx).try_collect().await;
    if postgres {
        let errors = [
            next.map(drop).unwrap_err(),
            read.map(drop).unwrap_err(),
            many.map(drop).unwrap_err(),
            bulk.map(drop).unwrap_err(),
            streamed.map(drop).unwrap_err(),
        ];
        for err in errors {
            match err {
                Error::TransactionAborted { ref code, ref message } => {
                    assert_eq!(code.as_deref(), Some("23505"));
                    assert!(message.contains("duplicate key"), "{message}")
                }
                other => panic!("{other:?}"),
            }
        }
    } else {
        next?;
        assert_eq!(read?, 2);
        many?;
        bulk?;
        assert_eq!(streamed?.len(), 4);
        User::query().filter(User::EMAIL.ne("first@example.com")).delete(&tx).await?;
    }
    let committed = tx.commit().await;
    if postgres {
        // PostgreSQL aborted the transaction at the error: its COMMIT
        // rolls back, and the caller is told.
        match committed {
            Err(Error::TransactionAborted { ref code, ref message }) => {
                assert_eq!(code.as_deref(), Some("23505"));
                assert!(message.contains("duplicate key"), "{message}")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(User::query().count(db).await?, 0);
    } else {
        // SQLite and MySQL undo the failed statement alone.
        committed?;
        assert_eq!(User::query().count(db).await?, 1);
    }
    // The same through `db.transaction`, the error swallowed.
    let out = db
        .transaction(async |tx| {
            tx.insert(User::new("second@example.com")).await?;
            let _ = tx.insert(User::new("second@example.com")).await;
            Ok::<_, Error>(())
        })
        .await;
    let expected = if postgres { 0 } else { 2 };
    assert_eq!(out.is_err(), postgres, "{out:?}");
    assert_eq!(User::query().count(db).await?, expected);
    Ok(())
});

scenario!(async fn a_deadlock_aborts_the_whole_transaction(db, backend) {
    // SQLite has one writer at a time: no deadlock to have.
    if backend == crate::harness::Backend::Sqlite {
        return Ok(());
    }
    db.create_all(&orm::models![User]).await?;
    let a = db.insert(User::new("a@example.com")).await?.id;
    let b = db.insert(User::new("b@example.com")).await?.id;
    let one = db.begin().await?;
    let two = db.begin().await?;
    one.insert(User::new("one-before@example.com")).await?;
    two.insert(User::new("two-before@example.com")).await?;
    let bump = |id: i64| User::query().filter(User::ID.eq(id));
    bump(a).update(&one, [User::KARMA.set(1)]).await?;
    bump(b).update(&two, [User::KARMA.set(2)]).await?;
    // Each now waits for the other's row: the server gives one of them up
    // (InnoDB rolls its whole transaction back, PostgreSQL aborts it).
    let (first, second) = tokio::join!(
        bump(b).update(&one, [User::KARMA.set(1)]),
        bump(a).update(&two, [User::KARMA.set(2)]),
    );
    let (victim, winner, err) = match (first, second) {
        (Err(e), Ok(_)) => (one, two, e),
        (Ok(_), Err(e)) => (two, one, e),
        other => panic!("no deadlock: {other:?}"),
    };
    assert!(err.is_retryable(), "{err:?}");
    // The victim's transaction is over: what it runs now is refused (on
    // MySQL it would run outside any transaction and stay, so nothing is
    // sent), and so is its commit.
    let rec = db.recorder();
    for refused in [
        victim.insert(User::new("after@example.com")).await.map(drop),
        victim.insert_many(vec![User::new("many@example.com")]).await.map(drop),
        User::query().count(&victim).await.map(drop),
        victim.commit().await,
    ] {
        match refused {
            Err(ref e @ Error::TransactionAborted { .. }) => assert!(e.is_retryable(), "{e:?}"),
            other => panic!("{other:?}"),
        }
    }
    let sent = rec.take();
    if backend == crate::harness::Backend::MySql {
        assert_eq!(sent, ["ROLLBACK"]);
    }
    winner.commit().await?;
    let mut emails: Vec<String> = User::query().all(db).await?.into_iter().map(|u| u.email).collect();
    emails.sort();
    assert_eq!(emails.len(), 3, "{emails:?}");
    assert_eq!(&emails[..2], ["a@example.com", "b@example.com"]);
    assert!(emails[2].ends_with("-before@example.com"), "{emails:?}");
    Ok(())
});

scenario!(async fn a_rollback_to_the_callers_savepoint_recovers_the_transaction(db, backend) {
    db.create_all(&orm::models![User]).await?;
    db.insert(User::new("taken@example.com")).await?;
    let tx = db.begin().await?;
    tx.insert(User::new("pre@example.com")).await?;
    orm::raw("SAVEPOINT mine").execute(&tx).await?;
    let err = tx.insert(User::new("taken@example.com")).await.unwrap_err();
    assert!(err.is_unique_violation(), "{err:?}");
    // PostgreSQL takes statements again after the rollback to the
    // savepoint, and so does the ORM: the commit keeps what is left.
    orm::raw("ROLLBACK TO SAVEPOINT mine").execute(&tx).await?;
    tx.insert(User::new("after@example.com")).await?;
    let rows: Vec<User> = User::query().stream(&tx).try_collect().await?;
    assert_eq!(rows.len(), 3);
    tx.commit().await?;
    let mut emails: Vec<String> = User::query().all(db).await?.into_iter().map(|u| u.email).collect();
    emails.sort();
    assert_eq!(emails, ["after@example.com", "pre@example.com", "taken@example.com"]);
    Ok(())
});

scenario!(async fn a_lock_wait_timeout_is_retryable(db, backend) {
    // MySQL's lock wait timeout (error 1205, SQLSTATE HY000).
    if backend != crate::harness::Backend::MySql {
        return Ok(());
    }
    db.create_all(&orm::models![User]).await?;
    let id = db.insert(User::new("a@example.com")).await?.id;
    let holder = db.begin().await?;
    let waiter = db.begin().await?;
    let bump = || User::query().filter(User::ID.eq(id));
    bump().update(&holder, [User::KARMA.set(1)]).await?;
    orm::raw("SET SESSION innodb_lock_wait_timeout = 1").execute(&waiter).await?;
    let err = bump().update(&waiter, [User::KARMA.set(2)]).await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    orm::raw("SET SESSION innodb_lock_wait_timeout = DEFAULT").execute(&waiter).await?;
    // Only the statement was undone: the waiter carries on.
    waiter.rollback().await?;
    holder.commit().await?;
    assert_eq!(User::get(db, id).await?.karma, 1);
    Ok(())
});
