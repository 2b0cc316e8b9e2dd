//! The pool of one database and the state every handle to it shares
//! ([`Shared`]): the dialect and what the server can do, the disconnect
//! invalidation, and the statement recorder's log.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use crate::error::Error;
use crate::sql::Dialect;

/// The connection pool of one database.
pub(crate) enum Pool {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::SqlitePool),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
    #[cfg(feature = "mysql")]
    MySql(sqlx::MySqlPool),
}

/// What the server behind a dialect can do.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Server {
    /// MariaDB rather than MySQL (collation names differ).
    pub mariadb: bool,
    /// `INSERT ... RETURNING`: SQLite, PostgreSQL, MariaDB 10.5+.
    pub insert_returning: bool,
}

impl Server {
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    pub(crate) const FULL: Server = Server {
        mariadb: false,
        insert_returning: true,
    };

    /// Reads a MySQL-family `VERSION()`: `10.11.6-MariaDB-0+deb12u1`,
    /// `8.0.36`.
    #[cfg(feature = "mysql")]
    pub(crate) fn mysql(version: &str) -> Server {
        let mariadb = version.contains("MariaDB");
        let mut parts = version
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|p| p.parse::<u32>().ok());
        let major = parts.next().unwrap_or(0);
        let minor = parts.next().unwrap_or(0);
        Server {
            mariadb,
            insert_returning: mariadb && (major, minor) >= (10, 5),
        }
    }
}

/// State shared by every handle to one database (a `Db` and its
/// transactions).
pub struct Shared {
    pool: Pool,
    dialect: Dialect,
    pub(crate) server: Server,
    pub(crate) invalidation: Arc<Invalidation>,
    /// SQLite: transactions begin `IMMEDIATE`.
    begin_immediate: bool,
    url: String,
    /// `@@auto_increment_increment` on MySQL: the step between the keys of
    /// one multi-row insert.
    pub(crate) auto_increment_step: u64,
    recording: AtomicBool,
    recorders: Mutex<Vec<Weak<Mutex<Vec<String>>>>>,
}

impl Shared {
    /// The shared state of a pool just opened.
    pub(crate) fn new(
        pool: Pool,
        dialect: Dialect,
        server: Server,
        invalidation: Arc<Invalidation>,
        begin_immediate: bool,
        url: String,
        auto_increment_step: u64,
    ) -> Shared {
        Shared {
            pool,
            dialect,
            server,
            invalidation,
            begin_immediate,
            url,
            auto_increment_step,
            recording: AtomicBool::new(false),
            recorders: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The SQL dialect of the database.
    pub(crate) fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// SQLite: transactions begin `IMMEDIATE`.
    pub(crate) fn begin_immediate(&self) -> bool {
        self.begin_immediate
    }

    /// The URL, its password hidden.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// Starts giving a copy of every statement to `log`, until it is
    /// dropped.
    pub(crate) fn add_recorder(&self, log: &Arc<Mutex<Vec<String>>>) {
        let mut recorders = self.recorders.lock().unwrap_or_else(|e| e.into_inner());
        recorders.push(Arc::downgrade(log));
        self.recording.store(true, Ordering::Relaxed);
    }

    /// Stops giving statements to `log`.
    pub(crate) fn remove_recorder(&self, log: &Arc<Mutex<Vec<String>>>) {
        let mut recorders = self.recorders.lock().unwrap_or_else(|e| e.into_inner());
        recorders.retain(|w| w.strong_count() > 0 && !std::ptr::eq(w.as_ptr(), Arc::as_ptr(log)));
        self.recording
            .store(!recorders.is_empty(), Ordering::Relaxed);
    }

    /// Closes every connection of the pool.
    pub(crate) async fn close(&self) {
        match &self.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => p.close().await,
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => p.close().await,
            #[cfg(feature = "mysql")]
            Pool::MySql(p) => p.close().await,
        }
    }

    /// Passes `err` through; a lost connection first invalidates every
    /// connection opened before now, so the next statements do not find
    /// the other dead ones one by one.
    pub(crate) fn failed(&self, err: Error) -> Error {
        if err.is_disconnected() {
            self.invalidation.invalidate();
        }
        err
    }

    pub(crate) fn record(&self, sql: &str) {
        if !self.recording.load(Ordering::Relaxed) {
            return;
        }
        let recorders = self.recorders.lock().unwrap_or_else(|e| e.into_inner());
        for rec in recorders.iter().filter_map(Weak::upgrade) {
            rec.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(sql.to_owned());
        }
    }
}

/// When the pool last saw a connection die: every connection opened
/// before that moment is discarded when next handed out (SQLAlchemy's pool
/// invalidation), without a ping per statement.
pub(crate) struct Invalidation {
    epoch: std::time::Instant,
    /// Nanoseconds after `epoch` of the last disconnect; 0 for none.
    at: std::sync::atomic::AtomicU64,
}

impl Invalidation {
    pub(crate) fn new() -> Arc<Invalidation> {
        Arc::new(Invalidation {
            epoch: std::time::Instant::now(),
            at: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// Marks every connection opened until now as stale.
    pub(crate) fn invalidate(&self) {
        let now = self.epoch.elapsed().as_nanos() as u64;
        self.at.fetch_max(now.max(1), Ordering::Relaxed);
    }

    /// True for a connection `age` old that was opened before the last
    /// disconnect.
    pub(crate) fn is_stale(&self, age: Duration) -> bool {
        let at = self.at.load(Ordering::Relaxed);
        if at == 0 {
            return false;
        }
        let opened = self.epoch.elapsed().saturating_sub(age).as_nanos() as u64;
        opened <= at
    }
}
