//! Every statement is a `tracing` event on the `orm::sql` target, with
//! its SQL and time and never its values. Its own test binary: tracing
//! caches which call sites are enabled process-wide, so a subscriber set
//! for one test must not race other tests.

use std::io::Write;
use std::sync::{Arc, Mutex};

use orm::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "users")]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    #[model(unique)]
    pub email: String,
}

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
    db.insert(User {
        id: 0,
        email: "secret-address@example.com".into(),
    })
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
