//! The statement recorder and the `orm::sql` tracing events.

use std::io::Write;
use std::sync::{Arc, Mutex};

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
    assert_eq!((sql[0].as_str(), sql[2].as_str()), ("BEGIN", "COMMIT"));

    // A dropped recorder records nothing more; others keep recording.
    let second = db.recorder();
    drop(rec);
    User::query().count(db).await?;
    assert_eq!(second.count(), 1);
    Ok(())
});

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn statements_are_traced_with_time_and_without_values() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let db = Db::connect("sqlite::memory:").await.unwrap();
    db.create_all(&orm::models![User]).await.unwrap();
    db.insert(User::new("secret-address@example.com"))
        .await
        .unwrap();
    let n = User::query()
        .filter(User::EMAIL.eq("secret-address@example.com"))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(n, 1);

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("orm::sql"), "{log}");
    assert!(log.contains("INSERT INTO \"users\""), "{log}");
    assert!(
        log.contains("SELECT COUNT(*) FROM \"users\" WHERE"),
        "{log}"
    );
    assert!(log.contains("elapsed_us="), "{log}");
    assert!(
        !log.contains("secret-address"),
        "bound values are not logged: {log}"
    );
}
