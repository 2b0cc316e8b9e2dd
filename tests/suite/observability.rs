//! The statement recorder and the `orm::sql` tracing events.

use orm::prelude::*;

use crate::models::*;

scenario!(async fn the_recorder_sees_each_statement_once(db, backend) {
    db.create_all(&orm::models![User]).await?;
    let rec = db.recorder();
    let ada = db.insert(User::new("ada@example.com")).await?;
    User::get(db, ada.id).await?;
    User::query().filter(User::KARMA.gt(3)).all(db).await?;
    let sql = rec.take();
    assert_eq!(sql.len(), 3, "{sql:?}");
    assert!(sql[0].starts_with("INSERT INTO"));
    assert!(sql[1].contains("WHERE") && sql[2].contains("karma"));
    assert_eq!(rec.count(), 0, "take starts over");

    // Statements of a transaction are recorded too, BEGIN and COMMIT included.
    db.transaction(async |tx| User::query().count(&tx).await).await?;
    let sql = rec.statements();
    assert_eq!(sql.len(), 3, "{sql:?}");
    // SQLite's transactions take the write lock at BEGIN.
    let begin = if backend == crate::harness::Backend::Sqlite { "BEGIN IMMEDIATE" } else { "BEGIN" };
    assert_eq!((sql[0].as_str(), sql[2].as_str()), (begin, "COMMIT"));

    // A dropped recorder records nothing more; others keep recording.
    let second = db.recorder();
    drop(rec);
    User::query().count(db).await?;
    assert_eq!(second.count(), 1);
    Ok(())
});
