//! Constraint failures map to the same variant on every backend; bad input
//! is a typed error naming what went wrong; passwords never leak.

use std::time::Duration;

use orm::prelude::*;

use crate::harness::{Backend, server_url};
use crate::models::*;

scenario!(async fn unique_violation(db, backend) {
    db.create_all(&orm::models![User]).await?;
    db.insert(User::new("ada@example.com")).await?;
    let err = db.insert(User::new("ada@example.com")).await.unwrap_err();
    match &err {
        Error::UniqueViolation { constraint, .. } => {
            assert!(constraint.contains("email"), "constraint named: {constraint}")
        }
        other => panic!("{other:?}"),
    }
    Ok(())
});

scenario!(async fn foreign_key_violation(db, backend) {
    db.create_all(&orm::models![User, Post]).await?;
    let err = db
        .insert(Post { id: 0, author_id: 12345, title: "orphan".into(), views: 0, published: false })
        .await
        .unwrap_err();
    assert!(err.is_foreign_key_violation(), "{err:?}");
    // Deleting a referenced row is refused too.
    let ada = db.insert(User::new("ada@example.com")).await?;
    db.insert(Post { id: 0, author_id: ada.id, title: "t".into(), views: 0, published: false }).await?;
    let err = db.delete(&ada).await.unwrap_err();
    assert!(err.is_foreign_key_violation(), "{err:?}");
    assert_eq!(User::query().count(db).await?, 1);
    Ok(())
});

scenario!(async fn not_null_violation(db, backend) {
    db.create_all(&orm::models![User]).await?;
    let err = orm::raw("INSERT INTO users (email, nickname, karma) VALUES (?, ?, ?)")
        .bind(None::<String>)
        .bind_str("x")
        .bind(1)
        .execute(db)
        .await
        .unwrap_err();
    match &err {
        Error::NotNullViolation { column, .. } => {
            assert!(column.as_deref().unwrap_or_default().contains("email"), "{err:?}")
        }
        other => panic!("{other:?}"),
    }
    Ok(())
});

scenario!(async fn a_null_in_a_required_field_names_the_column(db, backend) {
    // The table allows NULL where the model does not.
    orm::raw("CREATE TABLE store (id INTEGER PRIMARY KEY, name VARCHAR(50) NULL)").execute(db).await?;
    orm::raw("INSERT INTO store (id, name) VALUES (1, NULL)").execute(db).await?;
    let err = Store::get(db, 1).await.unwrap_err();
    match &err {
        Error::Decode { model: "Store", column: "name", .. } => {}
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("`name` of `Store`"), "{err}");
    Ok(())
});

scenario!(async fn a_column_of_the_wrong_type_names_the_column(db, backend) {
    let ddl = match backend {
        Backend::MySql => "CREATE TABLE country (code INT PRIMARY KEY, name DOUBLE NOT NULL)",
        _ => "CREATE TABLE country (code INTEGER PRIMARY KEY, name DOUBLE PRECISION NOT NULL)",
    };
    orm::raw(ddl).execute(db).await?;
    orm::raw("INSERT INTO country (code, name) VALUES (1, 2.5)").execute(db).await?;
    let err = Country::get(db, 1).await.unwrap_err();
    match &err {
        Error::Decode { model: "Country", column: "name", .. } => {}
        other => panic!("{other:?}"),
    }
    Ok(())
});

#[tokio::test]
async fn malformed_and_unknown_urls_are_config_errors() {
    for url in [
        "postgres://user:hunter2@[::1/db",
        "oracle://user:hunter2@host/db",
        "mysql://user:hunter2@host:notaport/db",
    ] {
        let err = Db::connect(url).await.unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{url}: {err:?}");
        let text = format!("{err} {err:?}");
        assert!(!text.contains("hunter2"), "{text}");
    }
}

#[tokio::test]
async fn unreachable_servers_are_connect_errors_without_the_password() {
    let opts = orm::ConnectOptions::new("postgres://app:hunter2@127.0.0.1:1/db")
        .acquire_timeout(Duration::from_secs(5));
    let err = Db::connect_with(opts).await.unwrap_err();
    match &err {
        Error::Connect { url, .. } => assert_eq!(url, "postgres://app:***@127.0.0.1:1/db"),
        other => panic!("{other:?}"),
    }
    let text = format!("{err} {err:?}");
    assert!(!text.contains("hunter2"), "{text}");
}

#[tokio::test]
async fn the_password_never_shows_in_debug_or_display() {
    let Some(url) = server_url(Backend::Postgres).or_else(|| server_url(Backend::MySql)) else {
        // Still check a SQLite handle and the options type.
        let opts = orm::ConnectOptions::new("postgres://u:hunter2@h/db");
        assert!(!format!("{opts:?}").contains("hunter2"));
        return;
    };
    // Trust auth ignores the password, so one can be added to a working URL.
    let with_password = url.replacen("://", "://root:hunter2@", 1);
    let with_password = if url.contains('@') {
        url.clone()
    } else {
        with_password
    };
    let db = Db::connect(&with_password).await.expect("connect");
    let text = format!("{db} {db:?}");
    assert!(!text.contains("hunter2"), "{text}");
}

#[tokio::test]
async fn a_pool_timeout_is_a_typed_error() {
    let opts = orm::ConnectOptions::new("sqlite::memory:")
        .max_connections(1)
        .acquire_timeout(Duration::from_millis(200));
    let db = Db::connect_with(opts).await.unwrap();
    let tx = db.begin().await.unwrap();
    // The only connection is held by the transaction.
    let err = orm::raw("SELECT 1").execute(&db).await.unwrap_err();
    assert!(matches!(err, Error::PoolTimedOut), "{err:?}");
    tx.rollback().await.unwrap();
}

/// A connection the server closed while it sat idle in the pool: with
/// `pre_ping` it is replaced before use; without, the next statement fails
/// with an error (never a panic) and the pool then recovers.
#[tokio::test]
async fn pre_ping_replaces_a_connection_the_server_closed() {
    let Some(url) = server_url(Backend::Postgres) else {
        return;
    };
    let killer = Db::connect(&url).await.unwrap();
    for pre_ping in [true, false] {
        let opts = orm::ConnectOptions::new(url.clone())
            .max_connections(1)
            .pre_ping(pre_ping);
        let db = Db::connect_with(opts).await.unwrap();
        let pid: i32 = orm::raw("SELECT pg_backend_pid()")
            .scalar(&db)
            .await
            .unwrap();
        // The pool checks a returned connection in a background task; let
        // it finish, so that the connection sits idle when the server ends it.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let killed: bool = orm::raw("SELECT pg_terminate_backend(?)")
            .bind(pid)
            .scalar(&killer)
            .await
            .unwrap();
        assert!(killed);
        tokio::time::sleep(Duration::from_millis(200)).await;
        let next: orm::Result<i32> = orm::raw("SELECT 1").scalar(&db).await;
        if pre_ping {
            assert_eq!(next.unwrap(), 1);
        } else {
            assert!(next.is_err(), "{next:?}");
        }
        let after: i32 = orm::raw("SELECT 1").scalar(&db).await.unwrap();
        assert_eq!(after, 1);
    }
}
