//! The database handle [`Db`], transactions [`Tx`], the [`Executor`] trait
//! both implement, connection options, and the statement [`Recorder`].
//!
//! ```text
//!   Db::connect(url) ──► scheme ──► sqlite: | postgres:// | mysql:// mariadb://
//!          │                                   (feature-gated sqlx pools)
//!          ├── db.insert(..) / User::get(&db, ..) ─► any pooled connection
//!          └── db.transaction(async |tx| ..) ─────► one connection, COMMIT on Ok,
//!                                                   ROLLBACK on Err or panic
//! ```
//!
//! `Db` is cheap to clone (an `Arc`); share one per process.

use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use futures_util::FutureExt;

use crate::backend::{Pool, Target, TxConn, TxStep};
use crate::dialect::Dialect;
use crate::error::{Error, Result, redact_url, scrub, scrub_error};
use crate::model::Model;
use crate::schema::Schema;

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
    const FULL: Server = Server {
        mariadb: false,
        insert_returning: true,
    };

    /// Reads a MySQL-family `VERSION()`: `10.11.6-MariaDB-0+deb12u1`,
    /// `8.0.36`.
    #[cfg(feature = "mysql")]
    fn mysql(version: &str) -> Server {
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

/// State shared by a [`Db`] and its transactions.
pub(crate) struct DbShared {
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

impl DbShared {
    pub(crate) fn pool(&self) -> &Pool {
        &self.pool
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

/// A connection pool to one database. The backend is chosen from the URL.
///
/// Cloning is cheap and shares the pool.
#[derive(Clone)]
pub struct Db {
    shared: Arc<DbShared>,
}

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Db")
            .field("dialect", &self.shared.dialect)
            .field("url", &self.shared.url)
            .finish()
    }
}

impl fmt::Display for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shared.url)
    }
}

/// How to connect: the URL plus pool settings.
///
/// ```
/// use std::time::Duration;
/// use orm_core::ConnectOptions;
/// let opts = ConnectOptions::new("postgres://app:secret@localhost/shop")
///     .max_connections(20)
///     .acquire_timeout(Duration::from_secs(3));
/// assert!(!format!("{opts:?}").contains("secret"));
/// ```
#[derive(Clone)]
pub struct ConnectOptions {
    url: String,
    max_connections: Option<u32>,
    min_connections: u32,
    acquire_timeout: Duration,
    idle_timeout: Option<Duration>,
    max_lifetime: Option<Duration>,
    connect_timeout: Duration,
    pre_ping: bool,
    returning: bool,
    journal_mode: JournalMode,
    busy_timeout: Duration,
    begin_immediate: bool,
}

/// How a SQLite file keeps its journal
/// ([`PRAGMA journal_mode`](https://www.sqlite.org/pragma.html#pragma_journal_mode)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JournalMode {
    /// Write-ahead log, the default here: readers do not block the writer
    /// nor the writer the readers; commits are cheap (`synchronous =
    /// NORMAL`: durable across a crash of the process, a power loss may
    /// undo the last commits).
    Wal,
    /// SQLite's own default: a rollback journal deleted at each commit;
    /// a writer blocks readers.
    Delete,
    /// A rollback journal truncated at each commit.
    Truncate,
    /// A rollback journal whose header is zeroed at each commit.
    Persist,
    /// The journal in memory: a crash mid-transaction may corrupt the file.
    Memory,
    /// No journal: no rollback, no atomic commit.
    Off,
}

impl JournalMode {
    #[cfg(feature = "sqlite")]
    fn to_sqlx(self) -> sqlx::sqlite::SqliteJournalMode {
        use sqlx::sqlite::SqliteJournalMode as J;
        match self {
            JournalMode::Wal => J::Wal,
            JournalMode::Delete => J::Delete,
            JournalMode::Truncate => J::Truncate,
            JournalMode::Persist => J::Persist,
            JournalMode::Memory => J::Memory,
            JournalMode::Off => J::Off,
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
    fn new() -> Arc<Invalidation> {
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
    fn is_stale(&self, age: Duration) -> bool {
        let at = self.at.load(Ordering::Relaxed);
        if at == 0 {
            return false;
        }
        let opened = self.epoch.elapsed().saturating_sub(age).as_nanos() as u64;
        opened <= at
    }
}

impl fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("url", &redact_url(&self.url))
            .field("max_connections", &self.max_connections)
            .field("min_connections", &self.min_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("max_lifetime", &self.max_lifetime)
            .field("connect_timeout", &self.connect_timeout)
            .field("pre_ping", &self.pre_ping)
            .field("sqlite_journal_mode", &self.journal_mode)
            .field("busy_timeout", &self.busy_timeout)
            .field("sqlite_begin_immediate", &self.begin_immediate)
            .finish()
    }
}

impl ConnectOptions {
    /// Options for `url` with default pool settings: 10 connections (1 for
    /// an in-memory SQLite database, which lives in its one connection),
    /// a 30 second acquire timeout, a 10 second connect timeout, no ping
    /// before each use; SQLite files in WAL mode with a 5 second busy
    /// timeout and transactions that begin IMMEDIATE.
    pub fn new(url: impl Into<String>) -> Self {
        ConnectOptions {
            url: url.into(),
            max_connections: None,
            min_connections: 0,
            acquire_timeout: Duration::from_secs(30),
            idle_timeout: Some(Duration::from_secs(600)),
            max_lifetime: Some(Duration::from_secs(1800)),
            connect_timeout: Duration::from_secs(10),
            pre_ping: false,
            returning: true,
            journal_mode: JournalMode::Wal,
            busy_timeout: Duration::from_secs(5),
            begin_immediate: true,
        }
    }

    /// How long opening one connection may take (the server's answer to
    /// the handshake and login) before [`Error::Connect`]: a URL aimed at
    /// a port where another kind of server listens fails within it.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The journal mode of a SQLite file; [`JournalMode::Wal`] by default,
    /// so that concurrent readers and a writer do not block each other.
    /// Ignored for in-memory databases and the other backends.
    pub fn sqlite_journal_mode(mut self, mode: JournalMode) -> Self {
        self.journal_mode = mode;
        self
    }

    /// SQLite: how long a statement waits for another connection's write
    /// lock before [`Error::Busy`]; 5 seconds by default.
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// SQLite: whether transactions begin `IMMEDIATE` (taking the write
    /// lock up front, waiting for it up to the busy timeout) rather than
    /// `DEFERRED`. On by default: a deferred transaction that reads and
    /// then writes fails at once with [`Error::Busy`] when another
    /// connection wrote in between, because SQLite cannot wait its way out
    /// of that conflict.
    pub fn sqlite_begin_immediate(mut self, on: bool) -> Self {
        self.begin_immediate = on;
        self
    }

    /// On MySQL-family servers, reads generated keys and defaults back as
    /// MySQL 8 must (by key, after the insert) even where the server has
    /// `INSERT ... RETURNING`: for testing that path on MariaDB.
    #[doc(hidden)]
    pub fn __without_returning(mut self) -> Self {
        self.returning = false;
        self
    }

    /// Pings a pooled connection before each use (SQLAlchemy's
    /// `pool_pre_ping`), so that one the server closed while it sat idle
    /// is replaced instead of failing the next statement.
    ///
    /// Off by default, as in SQLAlchemy: the ping is one more round trip
    /// for every statement (it doubles the latency of a one-row query).
    /// Connections are still checked when they go back to the pool, and a
    /// broken one is discarded there; turn this on where the server or a
    /// proxy drops idle connections behind the pool's back.
    pub fn pre_ping(mut self, on: bool) -> Self {
        self.pre_ping = on;
        self
    }

    /// The most connections the pool opens.
    pub fn max_connections(mut self, n: u32) -> Self {
        self.max_connections = Some(n);
        self
    }

    /// Connections the pool keeps open even when idle.
    pub fn min_connections(mut self, n: u32) -> Self {
        self.min_connections = n;
        self
    }

    /// How long an operation waits for a free connection before
    /// [`Error::PoolTimedOut`].
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// How long an idle connection is kept; `None` keeps it.
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// The longest a connection is reused; `None` for no limit.
    pub fn max_lifetime(mut self, lifetime: Option<Duration>) -> Self {
        self.max_lifetime = lifetime;
        self
    }

    /// Pool settings; with `invalidation`, connections opened before the
    /// last disconnect are discarded when next handed out.
    fn pool_options<DB: sqlx::Database>(
        &self,
        default_max: u32,
        invalidation: Option<Arc<Invalidation>>,
    ) -> sqlx::pool::PoolOptions<DB> {
        let mut pool = sqlx::pool::PoolOptions::<DB>::new()
            .max_connections(self.max_connections.unwrap_or(default_max))
            .min_connections(self.min_connections)
            .acquire_timeout(self.acquire_timeout)
            .idle_timeout(self.idle_timeout)
            .max_lifetime(self.max_lifetime)
            .test_before_acquire(self.pre_ping);
        if let Some(invalidation) = invalidation {
            pool = pool.before_acquire(move |_conn, meta| {
                let keep = !invalidation.is_stale(meta.age);
                Box::pin(std::future::ready(Ok(keep)))
            });
        }
        pool
    }
}

fn config_error(url: &str, reason: impl fmt::Display) -> Error {
    let mut reason = reason.to_string();
    // The driver's own errors say "error with configuration:" already.
    while let Some(rest) = reason.strip_prefix("error with configuration: ") {
        reason = rest.to_string();
    }
    let mut message = format!(
        "invalid database URL `{}`: {}",
        redact_url(url),
        scrub(&reason, url)
    );
    // `user:pa/ss@host`: the `/` ends the host part early, and the error
    // speaks of ports.
    let authority = url.split_once("://").map_or("", |(_, rest)| rest);
    if let Some(at) = authority.rfind('@')
        && authority[..at].contains(['/', '#', '?', '@'])
    {
        message.push_str(
            " (a user name or password holding `/`, `#`, `?` or `@` must be percent-encoded: %2F, %23, %3F, %40)",
        );
    }
    Error::Config(message)
}

fn connect_error(url: &str, err: sqlx::Error) -> Error {
    match err {
        sqlx::Error::PoolTimedOut => Error::PoolTimedOut,
        sqlx::Error::Configuration(e) => config_error(url, e),
        source => Error::Connect {
            url: redact_url(url),
            source: scrub_error(source, url),
        },
    }
}

/// Opens one connection outside the pool, so that an unreachable server or
/// a refused login is reported as such (the pool would retry until its
/// acquire timeout and report only the timeout).
#[cfg(any(feature = "postgres", feature = "mysql"))]
async fn probe<DB: sqlx::Database>(
    opts: &ConnectOptions,
    conn: &<DB::Connection as sqlx::Connection>::Options,
) -> Result<DB::Connection> {
    use sqlx::ConnectOptions as _;
    match tokio::time::timeout(opts.connect_timeout, conn.connect()).await {
        Ok(Ok(c)) => Ok(c),
        Ok(Err(e)) => Err(connect_error(&opts.url, e)),
        Err(_) => Err(Error::Connect {
            url: redact_url(&opts.url),
            source: sqlx::Error::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!(
                    "no answer within the connect timeout ({:?}): is a {} server listening at that host and port?",
                    opts.connect_timeout,
                    DB::NAME
                ),
            )),
        }),
    }
}

impl Db {
    /// Connects to `url`; the scheme picks the backend: `sqlite:`,
    /// `postgres://` (or `postgresql://`), `mysql://` or `mariadb://`.
    ///
    /// A SQLite file is created if missing; `sqlite::memory:` is a private
    /// in-memory database.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm_core::Result<()> {
    /// let db = orm_core::Db::connect("sqlite::memory:").await?;
    /// assert_eq!(db.dialect(), orm_core::Dialect::Sqlite);
    /// # Ok(()) }
    /// ```
    pub async fn connect(url: &str) -> Result<Db> {
        Db::connect_with(ConnectOptions::new(url)).await
    }

    /// Connects with explicit pool settings.
    pub async fn connect_with(opts: ConnectOptions) -> Result<Db> {
        let url = opts.url.as_str();
        let scheme = url
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let invalidation = Invalidation::new();
        let (pool, dialect, step, mut server) = match scheme.as_str() {
            "sqlite" => Self::connect_sqlite(&opts).await?,
            "postgres" | "postgresql" => {
                Self::connect_postgres(&opts, invalidation.clone()).await?
            }
            "mysql" | "mariadb" => Self::connect_mysql(&opts, invalidation.clone()).await?,
            _ => {
                return Err(config_error(
                    url,
                    "unknown scheme: expected sqlite:, postgres://, mysql:// or mariadb://",
                ));
            }
        };
        if !opts.returning && dialect == Dialect::MySql {
            server.insert_returning = false;
        }
        Ok(Db {
            shared: Arc::new(DbShared {
                pool,
                dialect,
                server,
                invalidation,
                begin_immediate: opts.begin_immediate,
                url: redact_url(url),
                auto_increment_step: step,
                recording: AtomicBool::new(false),
                recorders: Mutex::new(Vec::new()),
            }),
        })
    }

    #[cfg(feature = "sqlite")]
    async fn connect_sqlite(opts: &ConnectOptions) -> Result<(Pool, Dialect, u64, Server)> {
        use std::str::FromStr;
        let url = &opts.url;
        let rest = url.split_once(':').map_or("", |(_, rest)| rest);
        let path = rest.trim_start_matches('/');
        if matches!(path.split('?').next(), Some("memory:" | ":memory"))
            && !rest.starts_with(":memory:")
        {
            return Err(config_error(
                url,
                "write `sqlite::memory:` for an in-memory database (this would make a file of that name)",
            ));
        }
        if path.is_empty() {
            return Err(config_error(
                url,
                "no database named: write `sqlite:path/to/file.db` (or `sqlite://path`) for a file, `sqlite::memory:` for a private in-memory database",
            ));
        }
        let memory = url.contains(":memory:") || url.contains("mode=memory");
        let mut conn = sqlx::sqlite::SqliteConnectOptions::from_str(url)
            .map_err(|e| config_error(url, e))?
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(opts.busy_timeout)
            // LIKE is case-sensitive on the other backends; make it so here.
            .pragma("case_sensitive_like", "ON")
            // Rows cross from the SQLite worker thread in batches: a larger
            // channel means fewer thread wake-ups on large results.
            .row_buffer_size(256);
        if !memory {
            conn = conn.journal_mode(opts.journal_mode.to_sqlx());
            if opts.journal_mode == JournalMode::Wal {
                // WAL's usual pairing: a commit writes the log without
                // waiting for the disk; a checkpoint syncs it.
                conn = conn.synchronous(sqlx::sqlite::SqliteSynchronous::Normal);
            }
        }
        let mut pool = opts
            .pool_options::<sqlx::Sqlite>(if memory { 1 } else { 10 }, None)
            .after_connect(|conn, _| Box::pin(crate::backend::sqlite_functions(conn)));
        if memory {
            // The database lives as long as a connection to it does.
            pool = pool
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
        }
        let pool = pool
            .connect_with(conn)
            .await
            .map_err(|e| connect_error(url, e))?;
        Ok((Pool::Sqlite(pool), Dialect::Sqlite, 1, Server::FULL))
    }

    #[cfg(not(feature = "sqlite"))]
    async fn connect_sqlite(opts: &ConnectOptions) -> Result<(Pool, Dialect, u64, Server)> {
        Err(config_error(
            &opts.url,
            "the `sqlite` feature is not enabled",
        ))
    }

    #[cfg(feature = "postgres")]
    async fn connect_postgres(
        opts: &ConnectOptions,
        invalidation: Arc<Invalidation>,
    ) -> Result<(Pool, Dialect, u64, Server)> {
        use std::str::FromStr;
        let url = &opts.url;
        let conn =
            sqlx::postgres::PgConnectOptions::from_str(url).map_err(|e| config_error(url, e))?;
        probe::<sqlx::Postgres>(opts, &conn).await?;
        let pool = opts
            .pool_options::<sqlx::Postgres>(10, Some(invalidation))
            .connect_lazy_with(conn);
        Ok((Pool::Postgres(pool), Dialect::Postgres, 1, Server::FULL))
    }

    #[cfg(not(feature = "postgres"))]
    async fn connect_postgres(
        opts: &ConnectOptions,
        _: Arc<Invalidation>,
    ) -> Result<(Pool, Dialect, u64, Server)> {
        Err(config_error(
            &opts.url,
            "the `postgres` feature is not enabled",
        ))
    }

    #[cfg(feature = "mysql")]
    async fn connect_mysql(
        opts: &ConnectOptions,
        invalidation: Arc<Invalidation>,
    ) -> Result<(Pool, Dialect, u64, Server)> {
        use std::str::FromStr;
        let url = &opts.url;
        let normalized = match url.strip_prefix("mariadb:") {
            Some(rest) => format!("mysql:{rest}"),
            None => url.clone(),
        };
        let conn = sqlx::mysql::MySqlConnectOptions::from_str(&normalized)
            .map_err(|e| config_error(url, e))?;
        let mut probe = probe::<sqlx::MySql>(opts, &conn).await?;
        let (version, step): (String, u64) =
            sqlx::query_as("SELECT VERSION(), CAST(@@auto_increment_increment AS UNSIGNED)")
                .fetch_one(&mut probe)
                .await
                .map_err(|e| connect_error(url, e))?;
        let pool = opts
            .pool_options::<sqlx::MySql>(10, Some(invalidation))
            .connect_lazy_with(conn);
        Ok((
            Pool::MySql(pool),
            Dialect::MySql,
            step.max(1),
            Server::mysql(&version),
        ))
    }

    #[cfg(not(feature = "mysql"))]
    async fn connect_mysql(
        opts: &ConnectOptions,
        _: Arc<Invalidation>,
    ) -> Result<(Pool, Dialect, u64, Server)> {
        Err(config_error(
            &opts.url,
            "the `mysql` feature is not enabled",
        ))
    }

    pub(crate) fn shared(&self) -> &DbShared {
        &self.shared
    }

    pub(crate) fn pool(&self) -> &Pool {
        &self.shared.pool
    }

    /// The SQL dialect of this database.
    pub fn dialect(&self) -> Dialect {
        self.shared.dialect
    }

    /// Starts a transaction. Prefer [`Db::transaction`], which cannot forget
    /// to commit; a `Tx` dropped without [`Tx::commit`] rolls back.
    pub async fn begin(&self) -> Result<Tx> {
        let conn = crate::backend::begin(self, self.shared.begin_immediate).await?;
        Ok(Tx {
            shared: Arc::new(TxShared {
                db: self.clone(),
                conn: tokio::sync::Mutex::new(Some(conn)),
            }),
        })
    }

    /// Runs `f` in a transaction: COMMIT when it returns `Ok`, ROLLBACK when
    /// it returns `Err` or panics (the panic then continues).
    ///
    /// The closure receives the transaction by value (a cheap handle); every
    /// operation takes it where it takes a `&Db`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm_core::Result<()> {
    /// # let db = orm_core::Db::connect("sqlite::memory:").await?;
    /// let n = db
    ///     .transaction(async |tx| orm_core::raw("SELECT 41 + 1").scalar::<i32>(&tx).await)
    ///     .await?;
    /// assert_eq!(n, 42);
    /// # Ok(()) }
    /// ```
    pub async fn transaction<T, E, F, Fut>(&self, f: F) -> std::result::Result<T, E>
    where
        F: FnOnce(Tx) -> Fut,
        Fut: Future<Output = std::result::Result<T, E>>,
        E: From<Error>,
    {
        let tx = self.begin().await?;
        let outcome = AssertUnwindSafe(f(tx.clone())).catch_unwind().await;
        match outcome {
            Ok(Ok(value)) => {
                tx.commit().await?;
                Ok(value)
            }
            Ok(Err(err)) => {
                if let Err(rollback) = tx.rollback().await {
                    tracing::warn!(target: "orm::sql", "rollback failed: {rollback}");
                }
                Err(err)
            }
            Err(panic) => {
                if let Err(rollback) = tx.rollback().await {
                    tracing::warn!(target: "orm::sql", "rollback failed: {rollback}");
                }
                std::panic::resume_unwind(panic)
            }
        }
    }

    /// Starts recording the SQL of every statement run through this
    /// database (and its transactions) until the recorder is dropped.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm_core::Result<()> {
    /// # let db = orm_core::Db::connect("sqlite::memory:").await?;
    /// let rec = db.recorder();
    /// orm_core::raw("SELECT 1").execute(&db).await?;
    /// assert_eq!(rec.count(), 1);
    /// assert_eq!(rec.statements(), ["SELECT 1"]);
    /// # Ok(()) }
    /// ```
    pub fn recorder(&self) -> Recorder {
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut recorders = self
            .shared
            .recorders
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        recorders.push(Arc::downgrade(&log));
        self.shared.recording.store(true, Ordering::Relaxed);
        Recorder {
            log,
            db: self.clone(),
        }
    }

    /// Closes every connection of the pool.
    pub async fn close(&self) {
        match self.pool() {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => p.close().await,
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => p.close().await,
            #[cfg(feature = "mysql")]
            Pool::MySql(p) => p.close().await,
        }
    }
}

/// Captures the SQL text of statements as they run. See [`Db::recorder`].
///
/// Bound values are not captured, only the statement text.
pub struct Recorder {
    log: Arc<Mutex<Vec<String>>>,
    db: Db,
}

impl Recorder {
    /// The statements run so far, oldest first.
    pub fn statements(&self) -> Vec<String> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// How many statements ran so far.
    pub fn count(&self) -> usize {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Returns the statements so far and starts over.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.log.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Forgets the statements so far.
    pub fn clear(&self) {
        self.take();
    }
}

impl fmt::Debug for Recorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.statements()).finish()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        let mut recorders = self
            .db
            .shared
            .recorders
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        recorders
            .retain(|w| w.strong_count() > 0 && !std::ptr::eq(w.as_ptr(), Arc::as_ptr(&self.log)));
        self.db
            .shared
            .recording
            .store(!recorders.is_empty(), Ordering::Relaxed);
    }
}

struct TxShared {
    db: Db,
    conn: tokio::sync::Mutex<Option<TxConn>>,
}

/// An open transaction. Every operation that takes a `&Db` takes a `&Tx`.
///
/// Cloning gives another handle to the same transaction.
#[derive(Clone)]
pub struct Tx {
    shared: Arc<TxShared>,
}

impl fmt::Debug for Tx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tx").field("db", &self.shared.db).finish()
    }
}

impl Tx {
    pub(crate) fn db(&self) -> &Db {
        &self.shared.db
    }

    pub(crate) async fn lock(&self) -> tokio::sync::MutexGuard<'_, Option<TxConn>> {
        self.shared.conn.lock().await
    }

    /// Commits. Later operations on this transaction fail with
    /// [`Error::TransactionClosed`].
    pub async fn commit(&self) -> Result<()> {
        let conn = self.lock().await.take().ok_or(Error::TransactionClosed)?;
        crate::backend::end(self.shared.db.shared(), conn, TxStep::Commit).await
    }

    /// Rolls back. Later operations on this transaction fail with
    /// [`Error::TransactionClosed`].
    pub async fn rollback(&self) -> Result<()> {
        let conn = self.lock().await.take().ok_or(Error::TransactionClosed)?;
        crate::backend::end(self.shared.db.shared(), conn, TxStep::Rollback).await
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Db {}
    impl Sealed for super::Tx {}
}

/// Something statements run on: a [`Db`] or a [`Tx`]. Every operation
/// takes either.
pub trait Executor: Send + Sync + sealed::Sealed {
    #[doc(hidden)]
    fn target(&self) -> Target<'_>;

    /// The SQL dialect statements are rendered in.
    fn dialect(&self) -> Dialect;

    /// Inserts `model` and returns it with its generated key.
    ///
    /// Runs the model's validators first; a rejected value is
    /// [`Error::Validation`] and nothing is sent.
    fn insert<M: Model>(&self, model: M) -> impl Future<Output = Result<M>> + Send {
        crate::query::insert::insert_one(self.target(), model)
    }

    /// Inserts `models` with multi-row INSERTs, chunked under the backend's
    /// bind limit, all in one transaction; returns them with their keys.
    fn insert_many<M: Model>(&self, models: Vec<M>) -> impl Future<Output = Result<Vec<M>>> + Send {
        crate::query::insert::insert_many(self.target(), models)
    }

    /// Inserts the rows of `models` and reads nothing back (SQLAlchemy's
    /// bulk `session.execute(insert(User), [...])`): one multi-row INSERT
    /// per chunk under the backend's bind limit, all in one transaction.
    /// Returns the number of rows inserted.
    ///
    /// Cheaper than [`Executor::insert_many`] when the generated keys are
    /// not needed. It writes rows only: a model holding new related rows is
    /// [`Error::Config`] (use `insert_many` for a graph).
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model)] #[model(table = "users")]
    /// # pub struct User { #[model(primary_key)] id: i64, name: String }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # let db = Db::connect("sqlite::memory:").await?;
    /// # db.create_all(&orm::models![User]).await?;
    /// let users: Vec<User> = (0..100).map(|i| User { id: 0, name: format!("user {i}") }).collect();
    /// assert_eq!(db.bulk_insert(&users).await?, 100);
    /// # Ok(()) }
    /// ```
    fn bulk_insert<'a, M: Model>(
        &'a self,
        models: &'a [M],
    ) -> impl Future<Output = Result<u64>> + Send + 'a {
        crate::query::insert::bulk_insert(self.target(), models)
    }

    /// Writes every non-key column of `model` to its row;
    /// [`Error::NotFound`] when no row has its key.
    ///
    /// Takes the model mutably because the update writes back into it
    /// what the row now holds: the key of a belongs_to target its slot
    /// holds, and the bumped `#[model(version)]`. A versioned row that
    /// someone else changed since it was read is [`Error::StaleData`], and
    /// nothing is written.
    fn update<'a, M: Model>(
        &'a self,
        model: &'a mut M,
    ) -> impl Future<Output = Result<()>> + Send + 'a {
        crate::query::update::update_one(self.target(), model)
    }

    /// Saves a loaded graph: new belongs_to targets are inserted, the row
    /// is updated, and each loaded collection is written — new rows
    /// inserted, existing ones updated or linked, rows removed since the
    /// ORM loaded it treated as orphans (`delete-orphan` deletes them, a
    /// nullable key is set to NULL, a NOT NULL one is
    /// [`Error::Relationship`]). One transaction; keys of inserted rows are
    /// written back into `model`.
    fn save<'a, M: Model>(
        &'a self,
        model: &'a mut M,
    ) -> impl Future<Output = Result<()>> + Send + 'a {
        crate::persist::save(self.target(), model)
    }

    /// Deletes `model`'s row; [`Error::NotFound`] when no row has its key.
    fn delete<'a, M: Model>(
        &'a self,
        model: &'a M,
    ) -> impl Future<Output = Result<()>> + Send + 'a {
        crate::query::delete::delete_one(self.target(), model)
    }

    /// Creates the schema's missing tables, in foreign-key order.
    fn create_all<'a>(
        &'a self,
        schema: &'a Schema,
    ) -> impl Future<Output = Result<()>> + Send + 'a {
        schema.create_all(self.target())
    }

    /// Runs a script of SQL statements separated by `;`, without bind
    /// parameters: a schema file or a data dump you trust. Values from users
    /// never belong here; use [`raw`](crate::raw()) with `bind`.
    fn execute_script<'a>(
        &'a self,
        script: &'a str,
    ) -> impl Future<Output = Result<()>> + Send + 'a {
        crate::backend::execute_script(self.target(), script)
    }

    /// Drops the schema's tables, dependents first.
    fn drop_all<'a>(&'a self, schema: &'a Schema) -> impl Future<Output = Result<()>> + Send + 'a {
        schema.drop_all(self.target())
    }
}

impl Executor for Db {
    fn target(&self) -> Target<'_> {
        Target::Db(self)
    }
    fn dialect(&self) -> Dialect {
        self.shared.dialect
    }
}

impl Executor for Tx {
    fn target(&self) -> Target<'_> {
        Target::Tx(self)
    }
    fn dialect(&self) -> Dialect {
        self.shared.db.shared.dialect
    }
}

/// The transaction an operation of several statements runs in: the
/// caller's, or one it opens on the pool and finishes itself.
pub(crate) enum Atomic<'a> {
    /// Already in the caller's transaction.
    Joined(&'a Tx),
    /// Opened here; committed or rolled back by [`Atomic::finish`].
    Own(Tx),
}

impl<'a> Atomic<'a> {
    /// Opens a transaction unless `target` is one.
    pub(crate) async fn begin(target: Target<'a>) -> Result<Atomic<'a>> {
        match target {
            Target::Tx(tx) => Ok(Atomic::Joined(tx)),
            Target::Db(db) => Ok(Atomic::Own(db.begin().await?)),
        }
    }

    /// Where the operation's statements run.
    pub(crate) fn target(&self) -> Target<'_> {
        match self {
            Atomic::Joined(tx) => Target::Tx(tx),
            Atomic::Own(tx) => Target::Tx(tx),
        }
    }

    /// Commits an own transaction when `outcome` is `Ok`, rolls it back
    /// otherwise (the operation's error is the one returned); a joined
    /// transaction is left to its owner.
    pub(crate) async fn finish<T>(self, outcome: Result<T>) -> Result<T> {
        let Atomic::Own(tx) = self else {
            return outcome;
        };
        match outcome {
            Ok(value) => {
                tx.commit().await?;
                Ok(value)
            }
            Err(err) => {
                if let Err(rollback) = tx.rollback().await {
                    tracing::warn!(target: "orm::sql", "rollback failed: {rollback}");
                }
                Err(err)
            }
        }
    }
}
