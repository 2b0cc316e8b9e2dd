//! Per-test databases on each backend, and the `scenario!` macro that runs
//! one body on all of them.

use std::sync::atomic::{AtomicUsize, Ordering};

use orm::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    MySql,
}

pub struct TestDb {
    pub db: Db,
    cleanup: Option<(Db, String)>,
}

/// The URLs of the databases handed out, by the `Db`'s (redacted) text,
/// so that a scenario can open a second pool on its database.
static URLS: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());

fn remember(db: &Db, url: &str) {
    URLS.lock().unwrap().push((db.to_string(), url.to_string()));
}

/// The URL `db` was opened with: connect to it again with other options.
pub fn url_of(db: &Db) -> String {
    let shown = db.to_string();
    URLS.lock()
        .unwrap()
        .iter()
        .rev()
        .find(|(s, _)| *s == shown)
        .map(|(_, url)| url.clone())
        .expect("a database opened by the harness")
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique_name() -> String {
    format!(
        "orm_t{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The server URL for `backend`, if the environment names one.
pub fn server_url(backend: Backend) -> Option<String> {
    let var = match backend {
        Backend::Sqlite => return None,
        Backend::Postgres => "ORM_TEST_POSTGRES_URL",
        Backend::MySql => "ORM_TEST_MYSQL_URL",
    };
    std::env::var(var).ok().filter(|v| !v.is_empty())
}

/// PgBouncer's URL when the PostgreSQL runs go through it
/// (`ORM_TEST_SUITE_THROUGH_PGBOUNCER` set, `ORM_TEST_PGBOUNCER_URL` naming
/// a PgBouncer in transaction pooling mode in front of the server of
/// `ORM_TEST_POSTGRES_URL`).
pub fn through_pgbouncer() -> Option<String> {
    std::env::var("ORM_TEST_SUITE_THROUGH_PGBOUNCER")
        .ok()
        .filter(|v| !v.is_empty())?;
    Some(
        std::env::var("ORM_TEST_PGBOUNCER_URL")
            .expect("ORM_TEST_SUITE_THROUGH_PGBOUNCER needs ORM_TEST_PGBOUNCER_URL"),
    )
}

/// `url` with the query parameter `param` (`name=value`) added.
pub fn with_param(url: &str, param: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{param}")
}

/// A PostgreSQL `url` whose connections use `schema` (the startup option
/// setting `search_path`).
pub fn on_schema(url: &str, schema: &str) -> String {
    with_param(url, &format!("options=-c%20search_path%3D{schema}"))
}

/// `url` with its database replaced by `database` (its query kept).
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{database}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A fresh, empty database on `backend`; `None` when the backend is not
/// configured.
pub async fn setup(backend: Backend) -> Option<TestDb> {
    match backend {
        Backend::Sqlite => Some(TestDb {
            db: Db::connect("sqlite::memory:").await.expect("sqlite"),
            cleanup: None,
        }),
        Backend::Postgres => {
            let url = server_url(backend)?;
            let admin = Db::connect(&url).await.expect("postgres server");
            let name = unique_name();
            if let Some(bouncer) = through_pgbouncer() {
                // A pooler shares server connections between clients and
                // passes no startup options on, so each run gets a database
                // of its own (made on the server itself) instead of a schema.
                orm::raw(format!("CREATE DATABASE \"{name}\""))
                    .execute(&admin)
                    .await
                    .expect("create database");
                let url = with_param(
                    &with_database(&bouncer, &name),
                    "statement-cache-capacity=0",
                );
                let db = Db::connect(&url).await.expect("connect through PgBouncer");
                remember(&db, &url);
                return Some(TestDb {
                    db,
                    cleanup: Some((admin, format!("DROP DATABASE \"{name}\" WITH (FORCE)"))),
                });
            }
            orm::raw(format!("CREATE SCHEMA \"{name}\""))
                .execute(&admin)
                .await
                .expect("create schema");
            let url = on_schema(&url, &name);
            let db = Db::connect(&url).await.expect("connect to schema");
            remember(&db, &url);
            Some(TestDb {
                db,
                cleanup: Some((admin, format!("DROP SCHEMA \"{name}\" CASCADE"))),
            })
        }
        Backend::MySql => {
            let url = server_url(backend)?;
            let admin = Db::connect(&url).await.expect("mysql server");
            let name = unique_name();
            orm::raw(format!("CREATE DATABASE `{name}`"))
                .execute(&admin)
                .await
                .expect("create database");
            let url = with_database(&url, &name);
            let db = Db::connect(&url).await.expect("connect to database");
            remember(&db, &url);
            Some(TestDb {
                db,
                cleanup: Some((admin, format!("DROP DATABASE `{name}`"))),
            })
        }
    }
}

impl TestDb {
    pub async fn teardown(self) {
        self.db.close().await;
        if let Some((admin, sql)) = self.cleanup {
            orm::raw(sql).execute(&admin).await.expect("cleanup");
            admin.close().await;
        }
    }
}

/// Runs `body` against a fresh database of `backend`, if configured.
pub async fn run<F>(backend: Backend, body: F)
where
    F: AsyncFnOnce(&Db, Backend) -> orm::Result<()>,
{
    let Some(test_db) = setup(backend).await else {
        eprintln!("{backend:?} not configured: skipped");
        return;
    };
    let result = body(&test_db.db, backend).await;
    test_db.teardown().await;
    if let Err(e) = result {
        panic!("scenario failed on {backend:?}: {e:?}");
    }
}

/// Declares a scenario that runs on every configured backend:
///
/// ```ignore
/// scenario!(async fn inserts_return_keys(db, backend) { ... Ok(()) });
/// ```
macro_rules! scenario {
    ($(#[$meta:meta])* async fn $name:ident($db:ident, $backend:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_variables)]
            async fn body($db: &orm::Db, $backend: $crate::harness::Backend) -> orm::Result<()> $body

            // On a multi-threaded runtime, where SQLite queries take the
            // direct path; the sqlx path runs under the other tests'
            // current-thread runtimes.
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::harness::run($crate::harness::Backend::Sqlite, body).await
            }
            #[tokio::test]
            #[cfg_attr(
                not(orm_test_postgres),
                ignore = "PostgreSQL run skipped: set ORM_TEST_POSTGRES_URL to run it"
            )]
            async fn postgres() {
                $crate::harness::run($crate::harness::Backend::Postgres, body).await
            }
            #[tokio::test]
            #[cfg_attr(
                not(orm_test_mysql),
                ignore = "MySQL run skipped: set ORM_TEST_MYSQL_URL to run it"
            )]
            async fn mysql() {
                $crate::harness::run($crate::harness::Backend::MySql, body).await
            }
        }
    };
}

/// A SQLite database file that is removed (with its WAL files) on drop.
pub struct TempFile(pub std::path::PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A fresh SQLite file database, opened with `options` applied to the
/// defaults.
pub async fn sqlite_file(
    options: impl FnOnce(orm::ConnectOptions) -> orm::ConnectOptions,
) -> (Db, TempFile) {
    let path = std::env::temp_dir().join(format!("{}.db", unique_name()));
    let file = TempFile(path);
    let url = format!("sqlite://{}", file.0.display());
    let db = Db::connect_with(options(orm::ConnectOptions::new(url)))
        .await
        .expect("sqlite file");
    (db, file)
}
