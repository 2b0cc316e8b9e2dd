//! The pool of one database and the state every handle to it shares
//! ([`Shared`]): the dialect and what the server can do, the disconnect
//! invalidation, and the statement recorder's log.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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
    /// MySQL's `max_allowed_packet`: the largest command, in bytes, the
    /// server reads (a larger one ends the connection).
    #[cfg_attr(not(feature = "mysql"), allow(dead_code))]
    pub max_packet: Option<usize>,
}

impl Server {
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    pub(crate) const FULL: Server = Server {
        mariadb: false,
        insert_returning: true,
        max_packet: None,
    };

    /// Reads a MySQL-family `VERSION()` (`10.11.6-MariaDB-0+deb12u1`,
    /// `8.0.36`) and `@@max_allowed_packet`.
    #[cfg(feature = "mysql")]
    pub(crate) fn mysql(version: &str, max_packet: u64) -> Server {
        let mariadb = version.contains("MariaDB");
        let mut parts = version
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|p| p.parse::<u32>().ok());
        let major = parts.next().unwrap_or(0);
        let minor = parts.next().unwrap_or(0);
        Server {
            mariadb,
            insert_returning: mariadb && (major, minor) >= (10, 5),
            max_packet: Some(usize::try_from(max_packet).unwrap_or(usize::MAX)),
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
    /// The statement recorders, shared with the replicas.
    recorders: Arc<Recorders>,
    /// Which server this is, as the recorder and tracing name it:
    /// `primary`, `replica 1`, ..
    label: Arc<str>,
    /// The read replicas (`ConnectOptions::replica`), in the order given.
    replicas: Vec<Replica>,
    next_replica: AtomicUsize,
    /// Behind a transaction-pooling proxy (`statement_cache(false)`): every
    /// statement runs in a transaction and is prepared unnamed.
    pooled: bool,
    /// SQLite: connections kept locked for the direct path between
    /// statements (see `backend/sqlite.rs`).
    #[cfg(feature = "sqlite")]
    parking: Arc<super::sqlite::Parking>,
}

/// The statements a recorder kept: each one's text and the server that
/// ran it.
pub(crate) type Entries = Mutex<Vec<(String, Arc<str>)>>;

/// What a statement recorder keeps.
pub(crate) type Log = Arc<Entries>;

/// The recorders listening to a database and its replicas.
#[derive(Default)]
pub(crate) struct Recorders {
    recording: AtomicBool,
    list: Mutex<Vec<Weak<Entries>>>,
}

/// Opens a replica's pool again (after it could not be reached).
pub(crate) type Reconnect = Box<
    dyn Fn() -> std::pin::Pin<
            Box<dyn std::future::Future<Output = crate::error::Result<Shared>> + Send>,
        > + Send
        + Sync,
>;

/// A read replica: connected when first reached, skipped for a while
/// after it fails.
pub(crate) struct Replica {
    reconnect: Reconnect,
    shared: std::sync::RwLock<Option<Arc<Shared>>>,
    down_until: Mutex<Option<std::time::Instant>>,
}

/// How long a replica that failed is left out before it is tried again.
pub(crate) const REPLICA_RETRY_AFTER: Duration = Duration::from_secs(5);

impl Replica {
    pub(crate) fn new(reconnect: Reconnect, shared: Option<Arc<Shared>>) -> Replica {
        let down = shared
            .is_none()
            .then(|| std::time::Instant::now() + REPLICA_RETRY_AFTER);
        Replica {
            reconnect,
            shared: std::sync::RwLock::new(shared),
            down_until: Mutex::new(down),
        }
    }

    fn is_down(&self) -> bool {
        self.down_until
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some_and(|until| std::time::Instant::now() < until)
    }

    /// Leaves the replica out for [`REPLICA_RETRY_AFTER`].
    pub(crate) fn mark_down(&self) {
        *self.down_until.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(std::time::Instant::now() + REPLICA_RETRY_AFTER);
    }

    fn connected(&self) -> Option<Arc<Shared>> {
        self.shared
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
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
            recorders: Arc::default(),
            label: Arc::from("primary"),
            replicas: Vec::new(),
            next_replica: AtomicUsize::new(0),
            pooled: false,
            #[cfg(feature = "sqlite")]
            parking: Arc::default(),
        }
    }

    /// SQLite: the busy timeout its connections were opened with.
    #[cfg(feature = "sqlite")]
    pub(crate) fn sqlite_busy_timeout(mut self, timeout: Duration) -> Shared {
        self.parking = Arc::new(super::sqlite::Parking::new(timeout));
        self
    }

    /// Marks the pool as behind a transaction-pooling proxy.
    pub(crate) fn behind_pooler(mut self, on: bool) -> Shared {
        self.pooled = on;
        self
    }

    /// True behind a transaction-pooling proxy (`statement_cache(false)`).
    pub(crate) fn pooled(&self) -> bool {
        self.pooled
    }

    /// This pool as replica `n` (1-based) of a primary whose recorders it
    /// shares.
    pub(crate) fn into_replica(mut self, n: usize, recorders: Arc<Recorders>) -> Shared {
        self.label = Arc::from(format!("replica {n}"));
        self.recorders = recorders;
        self
    }

    /// The recorders, for the replicas to share.
    pub(crate) fn recorders(&self) -> Arc<Recorders> {
        self.recorders.clone()
    }

    /// Which server this is: `primary`, `replica 1`, ..
    pub(crate) fn label(&self) -> &str {
        &self.label
    }

    /// Gives the primary its read replicas.
    pub(crate) fn with_replicas(mut self, replicas: Vec<Replica>) -> Shared {
        self.replicas = replicas;
        self
    }

    /// True when reads may go to replicas.
    pub(crate) fn has_replicas(&self) -> bool {
        !self.replicas.is_empty()
    }

    /// The replicas a read may try, round robin from the next one, each
    /// with its position: those up, connected first when they were not.
    pub(crate) async fn replicas_up(&self) -> Vec<(usize, Arc<Shared>)> {
        let n = self.replicas.len();
        let start = self.next_replica.fetch_add(1, Ordering::Relaxed);
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let at = (start + i) % n;
            let replica = &self.replicas[at];
            if replica.is_down() {
                continue;
            }
            if let Some(shared) = replica.connected() {
                out.push((at, shared));
                continue;
            }
            match (replica.reconnect)().await {
                Ok(shared) => {
                    let shared = Arc::new(shared.into_replica(at + 1, self.recorders()));
                    *replica.shared.write().unwrap_or_else(|e| e.into_inner()) =
                        Some(shared.clone());
                    *replica.down_until.lock().unwrap_or_else(|e| e.into_inner()) = None;
                    out.push((at, shared));
                }
                Err(err) => {
                    tracing::warn!(target: "orm::sql", replica = at + 1, "read replica unreachable: {err}");
                    replica.mark_down();
                }
            }
        }
        out
    }

    /// Leaves replica `at` out for a while: a read on it failed.
    pub(crate) fn replica_failed(&self, at: usize, err: &Error) {
        tracing::warn!(target: "orm::sql", replica = at + 1, "read replica failed, reading elsewhere: {err}");
        self.replicas[at].mark_down();
    }

    pub(crate) fn pool(&self) -> &Pool {
        &self.pool
    }

    /// SQLite's connections kept locked between statements.
    #[cfg(feature = "sqlite")]
    pub(crate) fn parking(&self) -> &Arc<super::sqlite::Parking> {
        &self.parking
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
    pub(crate) fn add_recorder(&self, log: &Log) {
        let mut recorders = self
            .recorders
            .list
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        recorders.push(Arc::downgrade(log));
        self.recorders.recording.store(true, Ordering::Relaxed);
    }

    /// Stops giving statements to `log`.
    pub(crate) fn remove_recorder(&self, log: &Log) {
        let mut recorders = self
            .recorders
            .list
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        recorders.retain(|w| w.strong_count() > 0 && !std::ptr::eq(w.as_ptr(), Arc::as_ptr(log)));
        self.recorders
            .recording
            .store(!recorders.is_empty(), Ordering::Relaxed);
    }

    /// Closes every connection of the pool.
    pub(crate) async fn close(&self) {
        for replica in &self.replicas {
            if let Some(shared) = replica.connected() {
                Box::pin(shared.close()).await;
            }
        }
        match &self.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => {
                self.parking.close();
                p.close().await
            }
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

    /// True while a statement recorder listens.
    pub(crate) fn recording(&self) -> bool {
        self.recorders.recording.load(Ordering::Relaxed)
    }

    /// Takes back the latest recording of `sql`: a statement refused
    /// before it was sent.
    pub(crate) fn unrecord(&self, sql: &str) {
        self.each_recorder(|entries| {
            if let Some(at) = entries
                .iter()
                .rposition(|(text, server)| text == sql && *server == self.label)
            {
                entries.remove(at);
            }
        });
    }

    /// Runs `f` on the entries of each live recorder.
    fn each_recorder(&self, mut f: impl FnMut(&mut Vec<(String, Arc<str>)>)) {
        let recorders = self
            .recorders
            .list
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        for rec in recorders.iter().filter_map(Weak::upgrade) {
            f(&mut rec.lock().unwrap_or_else(|e| e.into_inner()));
        }
    }

    pub(crate) fn record(&self, sql: &str) {
        if !self.recording() {
            return;
        }
        self.each_recorder(|entries| entries.push((sql.to_owned(), self.label.clone())));
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
