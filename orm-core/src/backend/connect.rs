//! Opening a pool: [`ConnectOptions`], the URL's scheme choosing the
//! backend, the per-backend settings (SQLite's journal, busy timeout and
//! functions; a probe connection and the server's version on the others),
//! and errors that never show a password.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::pool::{Invalidation, Pool, Replica, Server, Shared};
use crate::error::{Error, Result, redact_url, scrub, scrub_error};
use crate::sql::Dialect;

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
    replicas: Vec<String>,
    statement_cache: bool,
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
            .field("statement_cache", &self.statement_cache)
            .field(
                "replicas",
                &self
                    .replicas
                    .iter()
                    .map(|u| redact_url(u))
                    .collect::<Vec<_>>(),
            )
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
            replicas: Vec::new(),
            statement_cache: true,
        }
    }

    /// Off for a PostgreSQL server reached through a transaction-pooling
    /// proxy (PgBouncer's `pool_mode = transaction`), which hands each
    /// transaction whichever server connection is free: statements are
    /// then prepared unnamed, never kept on a connection, and every
    /// statement with parameters outside a transaction runs in one of its
    /// own (`BEGIN`, the statement, `COMMIT`; the recorder lists the
    /// statement alone), so that preparing and running it cannot land on
    /// two server connections; a statement without parameters goes in one
    /// message, outside any transaction (so `VACUUM` works). Each
    /// migration runs in one transaction on one server connection; one
    /// marked `-- no-transaction` must run against the server itself. On
    /// by default: each connection keeps its prepared statements. A URL
    /// with `statement-cache-capacity=0` (sqlx's parameter) means the
    /// same. Without it behind such a pooler, statements fail, the driver
    /// may panic, and queries may answer wrong without an error
    /// (docs/scaling.md).
    ///
    /// ```
    /// let opts = orm_core::ConnectOptions::new("postgres://app@127.0.0.1:6432/shop")
    ///     .statement_cache(false);
    /// ```
    pub fn statement_cache(mut self, on: bool) -> Self {
        self.statement_cache = on;
        self
    }

    /// Adds a read replica of the database, a URL of the same backend
    /// (any number, tried round robin): reads outside a transaction
    /// (statements that begin with `SELECT` and lock no rows) go to a
    /// replica; writes, transactions and streams go to the primary, and
    /// [`Db::primary`](crate::Db::primary) reads from it too (to read what
    /// was just written, which a replica may not have yet). A replica that
    /// cannot be reached is left out for five seconds and the read goes to
    /// the next one, or to the primary when none is up; one unreachable
    /// when connecting does not fail the connect.
    ///
    /// ```
    /// let opts = orm_core::ConnectOptions::new("postgres://app@primary/shop")
    ///     .replica("postgres://app@replica-1/shop")
    ///     .replica("postgres://app@replica-2/shop");
    /// ```
    pub fn replica(mut self, url: impl Into<String>) -> Self {
        self.replicas.push(url.into());
        self
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

    /// The most connections the pool opens. An in-memory SQLite database
    /// always has one: it lives in that connection.
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

/// A new server connection's socket gets `TCP_NODELAY` (see
/// `backend/nodelay.rs`); `None` for a Unix socket.
#[cfg(any(feature = "postgres", feature = "mysql"))]
async fn nodelay(port: Option<u16>) -> std::result::Result<(), sqlx::Error> {
    if let Some(port) = port {
        super::nodelay::set_for_server_port(port);
    }
    Ok(())
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
        sqlx::Error::PoolClosed => Error::Closed,
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

/// Opens the pools `opts` describes: the primary's, then its replicas'.
pub(crate) async fn connect_all(mut opts: ConnectOptions) -> Result<Shared> {
    let urls = std::mem::take(&mut opts.replicas);
    let scheme_of = |url: &str| match url.split(':').next().unwrap_or_default() {
        "postgresql" => "postgres".to_string(),
        "mariadb" => "mysql".to_string(),
        other => other.to_ascii_lowercase(),
    };
    let primary_scheme = scheme_of(&opts.url);
    for url in &urls {
        if primary_scheme == "sqlite" {
            return Err(config_error(
                url,
                "the primary is a SQLite file, which has no replicas: remove `replica(..)`",
            ));
        }
        let scheme = scheme_of(url);
        if scheme != primary_scheme {
            return Err(config_error(
                url,
                format!(
                    "this replica's scheme is `{scheme}:` but the primary's is `{primary_scheme}:`: a replica is a server of the primary's backend"
                ),
            ));
        }
    }
    let primary = connect(opts.clone()).await?;
    let mut replicas = Vec::with_capacity(urls.len());
    for (i, url) in urls.into_iter().enumerate() {
        let replica_opts = ConnectOptions {
            url,
            ..opts.clone()
        };
        let shared = match connect(replica_opts.clone()).await {
            Ok(shared) => Some(Arc::new(shared.into_replica(i + 1, primary.recorders()))),
            Err(err) => {
                tracing::warn!(target: "orm::sql", replica = i + 1, "read replica unreachable: {err}");
                None
            }
        };
        let reconnect: super::pool::Reconnect =
            Box::new(move || Box::pin(connect(replica_opts.clone())));
        replicas.push(Replica::new(reconnect, shared));
    }
    Ok(primary.with_replicas(replicas))
}

/// Whether a PostgreSQL URL turns sqlx's statement cache off
/// (`statement-cache-capacity=0`): the same as `statement_cache(false)`.
fn no_cache_in_url(url: &str) -> bool {
    url.split_once('?').is_some_and(|(_, query)| {
        query
            .split('&')
            .any(|p| p.eq_ignore_ascii_case("statement-cache-capacity=0"))
    })
}

/// Opens the pool `opts` describes; the URL's scheme picks the backend.
pub(crate) async fn connect(opts: ConnectOptions) -> Result<Shared> {
    let url = opts.url.as_str();
    let scheme = url
        .split(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let invalidation = Invalidation::new();
    let (pool, dialect, step, mut server) = match scheme.as_str() {
        "sqlite" => connect_sqlite(&opts).await?,
        "postgres" | "postgresql" => connect_postgres(&opts, invalidation.clone()).await?,
        "mysql" | "mariadb" => connect_mysql(&opts, invalidation.clone()).await?,
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
    let shared = Shared::new(
        pool,
        dialect,
        server,
        invalidation,
        opts.begin_immediate,
        redact_url(url),
        step,
    )
    .behind_pooler(dialect == Dialect::Postgres && (!opts.statement_cache || no_cache_in_url(url)));
    #[cfg(feature = "sqlite")]
    let shared = shared.sqlite_busy_timeout(opts.busy_timeout);
    Ok(shared)
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
        // The database lives as long as a connection to it does, and one
        // connection holds it: more would share its cache, where a read
        // beside a write fails at once ("database table is locked")
        // instead of waiting.
        pool = pool
            .max_connections(1)
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
    let mut conn =
        sqlx::postgres::PgConnectOptions::from_str(url).map_err(|e| config_error(url, e))?;
    if !opts.statement_cache {
        conn = conn.statement_cache_capacity(0);
    }
    probe::<sqlx::Postgres>(opts, &conn).await?;
    let port = conn.get_socket().is_none().then(|| conn.get_port());
    let pool = opts
        .pool_options::<sqlx::Postgres>(10, Some(invalidation))
        .after_connect(move |_, _| Box::pin(nodelay(port)))
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
    let (version, step, max_packet): (String, u64, u64) =
        sqlx::query_as(crate::sql::MYSQL_SERVER_PROBE)
            .fetch_one(&mut probe)
            .await
            .map_err(|e| connect_error(url, e))?;
    let port = conn.get_socket().is_none().then(|| conn.get_port());
    let pool = opts
        .pool_options::<sqlx::MySql>(10, Some(invalidation))
        .after_connect(move |_, _| Box::pin(nodelay(port)))
        .connect_lazy_with(conn);
    Ok((
        Pool::MySql(pool),
        Dialect::MySql,
        step.max(1),
        Server::mysql(&version, max_packet),
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
