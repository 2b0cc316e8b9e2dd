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
        // No database named: not a file called `sqlite`.
        "sqlite",
        "sqlite:",
        "sqlite://",
        // Not a file called `memory:`.
        "sqlite:memory:",
        "sqlite://:memory",
    ] {
        let err = Db::connect(url).await.unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{url}: {err:?}");
        let text = format!("{err} {err:?}");
        assert!(!text.contains("hunter2"), "{text}");
    }
}

#[tokio::test]
async fn a_password_that_needs_encoding_says_so() {
    let err = Db::connect("postgres://app:pa/ss@127.0.0.1:5432/db")
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("percent-encoded"), "{text}");
    assert!(
        !text.contains("pa/ss") && !text.contains("error with configuration: error"),
        "{text}"
    );
}

#[tokio::test]
async fn a_url_aimed_at_another_kind_of_server_fails_within_the_connect_timeout() {
    // MySQL's client waits for a greeting PostgreSQL never sends, and the
    // reverse answers garbage: both are connect errors, well before the
    // 30 second pool timeout.
    let mut cases = Vec::new();
    if server_url(Backend::Postgres).is_some() {
        cases.push("mysql://root@127.0.0.1:5432/test");
    }
    if server_url(Backend::MySql).is_some() {
        cases.push("postgres://root@127.0.0.1:3306/test");
    }
    for url in cases {
        let started = std::time::Instant::now();
        let opts = orm::ConnectOptions::new(url).connect_timeout(Duration::from_secs(2));
        let err = Db::connect_with(opts).await.unwrap_err();
        assert!(matches!(err, Error::Connect { .. }), "{url}: {err:?}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{url}: {:?}",
            started.elapsed()
        );
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

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "r_items")]
pub struct Item {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
}

scenario!(async fn raw_sql_runs_one_statement_with_its_own_binds(db, backend) {
    db.create_all(&orm::models![Item]).await?;
    db.insert(Item { id: 0, name: "kept".into() }).await?;
    // Two statements: nothing runs, on every backend, and the error says so.
    for sql in ["SELECT 1; DELETE FROM r_items", "DELETE FROM r_items WHERE id = 0; DELETE FROM r_items", "SELECT 1;'x'"] {
        let err = orm::raw(sql).execute(db).await.unwrap_err();
        assert!(matches!(&err, Error::Config(m) if m.contains("more than one statement")), "{sql}: {err:?}");
        assert_eq!(Item::query().count(db).await?, 1, "{sql} ran");
        // And as a query that returns rows (SQLite's direct path checks
        // under the query's own lock).
        let err = orm::raw(sql).scalar::<i64>(db).await.unwrap_err();
        assert!(matches!(&err, Error::Config(m) if m.contains("more than one statement")), "{sql}: {err:?}");
        assert_eq!(Item::query().count(db).await?, 1, "{sql} ran");
    }
    // Numbered placeholders are not ours.
    let err = orm::raw("SELECT ?1").bind(1_i32).scalar::<i32>(db).await.unwrap_err();
    assert!(matches!(&err, Error::Config(m) if m.contains("numbered")), "{err:?}");
    // Text binds as `&str`; an integer literal reads as i64 everywhere.
    let n: i64 = orm::raw("SELECT 1").scalar(db).await?;
    assert_eq!(n, 1);
    let name: String = orm::raw("SELECT name FROM r_items WHERE name = ?").bind("kept").scalar(db).await?;
    assert_eq!(name, "kept");
    let err = orm::raw("SELECT name FROM r_items").scalar::<i64>(db).await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    // A trailing `;`, whitespace or comment is still one statement.
    assert_eq!(orm::raw("SELECT 1;").scalar::<i32>(db).await?, 1);
    assert_eq!(orm::raw("SELECT 2 -- two\n").scalar::<i32>(db).await?, 2);
    // One value per `?`; a `?` in a string, a quoted name or a comment is text.
    let err = orm::raw("SELECT ?").bind(1_i32).bind(2_i32).scalar::<i32>(db).await.unwrap_err();
    assert!(matches!(&err, Error::Config(m) if m.contains("1 `?` placeholder(s) but 2")), "{err:?}");
    let err = orm::raw("SELECT ? + ?").bind(1_i32).scalar::<i32>(db).await.unwrap_err();
    assert!(matches!(&err, Error::Config(_)), "{err:?}");
    let text: String = orm::raw("SELECT CASE WHEN ? = 1 THEN 'why?' ELSE 'no' END /* ? */").bind(1_i32).scalar(db).await?;
    assert_eq!(text, "why?");
    let n: i64 = orm::raw("SELECT COUNT(*) FROM r_items WHERE name <> '?' -- ?\n AND id > ?").bind(0_i64).scalar(db).await?;
    assert_eq!(n, 1);
    match backend {
        Backend::Postgres => {
            let body: String = orm::raw("SELECT $$ a ? b $$ || CAST(? AS TEXT)").bind(7_i32).scalar(db).await?;
            assert_eq!(body, " a ? b 7");
            let e: String = orm::raw("SELECT E'it\\'s ?' || CAST(? AS TEXT)").bind(1_i32).scalar(db).await?;
            assert_eq!(e, "it's ?1");
        }
        Backend::Sqlite => {
            // A trigger's body holds `;` and is one statement.
            orm::raw("CREATE TRIGGER r_items_upper AFTER INSERT ON r_items BEGIN UPDATE r_items SET name = upper(name) WHERE id = new.id; END")
                .execute(db)
                .await?;
            let item = db.insert(Item { id: 0, name: "low".into() }).await?;
            assert_eq!(Item::get(db, item.id).await?.name, "LOW");
        }
        Backend::MySql => {
            let text: String = orm::raw("SELECT CONCAT('it\\'s ?', ?) # ?").bind_str("!").scalar(db).await?;
            assert_eq!(text, "it's ?!");
        }
    }
    Ok(())
});

scenario!(async fn a_closed_db_refuses_every_statement_with_a_typed_error(db, backend) {
    use futures_util::StreamExt;
    db.create_all(&orm::models![User]).await?;
    let clone = db.clone();
    db.close().await;
    // Through the handle that closed and through a clone of it, reads,
    // writes, transactions and streams.
    let err = User::query().all(&clone).await.unwrap_err();
    assert!(matches!(err, Error::Closed), "{err:?}");
    let err = db.insert(User::new("ada@example.com")).await.unwrap_err();
    assert!(matches!(err, Error::Closed), "{err:?}");
    let err = orm::raw("SELECT 1").execute(db).await.unwrap_err();
    assert!(matches!(err, Error::Closed), "{err:?}");
    match db.begin().await {
        Err(Error::Closed) => {}
        Err(other) => panic!("{other:?}"),
        Ok(_) => panic!("a transaction began on a closed Db"),
    }
    let first = User::query().stream(&clone).next().await;
    assert!(matches!(first, Some(Err(Error::Closed))), "{first:?}");
    assert!(err.to_string().contains("closed"), "{err}");
    Ok(())
});

/// A row of one integer, read from raw SQL.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "decode_digits")]
pub struct Digit {
    #[model(primary_key)]
    pub id: i64,
}

/// The server-side id of the connection `exec` runs on.
async fn connection_id(exec: &(impl Executor + ?Sized), backend: Backend) -> orm::Result<i64> {
    let sql = match backend {
        Backend::Postgres => "SELECT CAST(pg_backend_pid() AS BIGINT)",
        _ => "SELECT CAST(CONNECTION_ID() AS SIGNED)",
    };
    orm::raw(sql).scalar(exec).await
}

/// A row that fails to decode early in a large result. Outside a
/// transaction the connection is closed: the server may still be sending
/// the rest, which the pool would read to its end before lending the
/// connection again. In a transaction the rest is read before the next
/// statement, and the transaction carries on.
#[tokio::test]
async fn a_row_that_fails_to_decode_leaves_no_result_behind() {
    let ten = format!("(SELECT 1 AS d{})", " UNION ALL SELECT 1".repeat(9));
    let many = format!("SELECT 'x' AS id FROM {ten} a, {ten} b, {ten} c, {ten} d, {ten} e");
    for backend in [Backend::Postgres, Backend::MySql] {
        let Some(url) = server_url(backend) else {
            continue;
        };
        let db = Db::connect_with(orm::ConnectOptions::new(url).max_connections(1))
            .await
            .unwrap();
        db.execute_script("DROP TABLE IF EXISTS decode_kept; CREATE TABLE decode_kept (n INTEGER)")
            .await
            .unwrap();
        let before = connection_id(&db, backend).await.unwrap();
        let err = orm::raw(&many).all::<Digit>(&db).await.unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        let after = connection_id(&db, backend).await.unwrap();
        assert_ne!(before, after, "{backend:?}: the connection was closed");

        let tx = db.begin().await.unwrap();
        orm::raw("INSERT INTO decode_kept (n) VALUES (1)")
            .execute(&tx)
            .await
            .unwrap();
        let inside = connection_id(&tx, backend).await.unwrap();
        let err = orm::raw(&many).all::<Digit>(&tx).await.unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        assert_eq!(
            connection_id(&tx, backend).await.unwrap(),
            inside,
            "{backend:?}"
        );
        let n: i64 = orm::raw("SELECT COUNT(*) FROM decode_kept")
            .scalar(&tx)
            .await
            .unwrap();
        assert_eq!(n, 1, "{backend:?}: the transaction carries on");
        tx.rollback().await.unwrap();
        db.execute_script("DROP TABLE decode_kept").await.unwrap();
    }
}
