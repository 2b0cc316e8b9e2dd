//! The facade: the database handle [`Db`], transactions [`Tx`], the
//! operations of [`Executor`] both carry, and the statement [`Recorder`].
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
use std::sync::{Arc, Mutex};

use futures_util::FutureExt;

use crate::backend::{self, ConnectOptions, Executor, Shared, Target, TxState, sealed};
use crate::error::{Error, Result};
use crate::model::{Model, Schema};
use crate::persist::{Upsert, UpsertMany};
use crate::sql::{Dialect, Isolation};

/// How [`Db::transaction_with_retry`] retries: at most `attempts` runs
/// (10 by default), waiting between them a random time up to a delay that
/// doubles from `base` (2 ms) to `max` (250 ms) — "full jitter", so that
/// transactions that collided do not collide again in step; optionally at
/// an isolation level. It counts the retries it made, across every
/// transaction run with it ([`Retry::retries`]); clones share the count.
///
/// ```
/// use std::time::Duration;
/// let retry = orm_core::Retry::default()
///     .attempts(5)
///     .backoff(Duration::from_millis(1), Duration::from_millis(50))
///     .isolation(orm_core::Isolation::Serializable);
/// assert_eq!(retry.retries(), 0);
/// ```
#[derive(Debug, Clone)]
pub struct Retry {
    attempts: u32,
    base: std::time::Duration,
    max: std::time::Duration,
    isolation: Option<Isolation>,
    retried: Arc<std::sync::atomic::AtomicU64>,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            attempts: 10,
            base: std::time::Duration::from_millis(2),
            max: std::time::Duration::from_millis(250),
            isolation: None,
            retried: Arc::default(),
        }
    }
}

impl Retry {
    /// At most `attempts` runs of the transaction (at least one).
    pub fn attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts.max(1);
        self
    }

    /// The backoff: the delay ceiling starts at `base` and doubles up to
    /// `max`; each wait is a random time below it.
    pub fn backoff(mut self, base: std::time::Duration, max: std::time::Duration) -> Self {
        self.base = base;
        self.max = max.max(base);
        self
    }

    /// Runs each attempt at `isolation`.
    pub fn isolation(mut self, isolation: Isolation) -> Self {
        self.isolation = Some(isolation);
        self
    }

    /// How many times a transaction run with this policy (or a clone) was
    /// run again.
    pub fn retries(&self) -> u64 {
        self.retried.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The wait after failed attempt `attempt` (1-based).
    fn delay(&self, attempt: u32) -> std::time::Duration {
        let ceiling = self
            .base
            .saturating_mul(1u32 << (attempt - 1).min(16))
            .min(self.max);
        ceiling.mul_f64(fastrand::f64())
    }
}

/// A connection pool to one database. The backend is chosen from the URL.
///
/// Cloning is cheap and shares the pool.
#[derive(Clone)]
pub struct Db {
    shared: Arc<Shared>,
    /// Reads go to the primary even when there are replicas
    /// ([`Db::primary`]).
    primary_only: bool,
}

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Db")
            .field("dialect", &self.shared.dialect())
            .field("url", &self.shared.url())
            .finish()
    }
}

impl fmt::Display for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.shared.url())
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
        Ok(Db {
            shared: Arc::new(backend::connect_all(opts).await?),
            primary_only: false,
        })
    }

    /// A handle to the same pools whose reads go to the primary, for
    /// reading what was just written (a replica may lag behind it). The
    /// same as `self` without replicas.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm_core::Result<()> {
    /// # let db = orm_core::Db::connect("sqlite::memory:").await?;
    /// let n = orm_core::raw("SELECT 1").scalar::<i32>(&db.primary()).await?;
    /// assert_eq!(n, 1);
    /// # Ok(()) }
    /// ```
    pub fn primary(&self) -> Db {
        Db {
            shared: self.shared.clone(),
            primary_only: true,
        }
    }

    /// The SQL dialect of this database.
    pub fn dialect(&self) -> Dialect {
        self.shared.dialect()
    }

    /// Starts a transaction. Prefer [`Db::transaction`], which cannot forget
    /// to commit; a `Tx` dropped without [`Tx::commit`] rolls back.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(Tx {
            state: Arc::new(TxState::begin(&self.shared).await?),
        })
    }

    /// Starts a transaction at `isolation` (SQLite ignores the level: its
    /// transactions are serializable).
    pub async fn begin_with(&self, isolation: Isolation) -> Result<Tx> {
        self.begin_isolated(Some(isolation)).await
    }

    /// Runs `f` in a transaction as [`Db::transaction`] does, and runs it
    /// again, in a new transaction, when the server gives the transaction
    /// up for another's sake ([`Error::is_retryable`]: a serialization
    /// failure, a deadlock, a Galera certification failure, SQLite busy),
    /// whether in `f` or at COMMIT: each failed attempt is rolled back
    /// before the next, after a jittered backoff, up to the policy's
    /// attempts; other errors return at once. `f` must do the whole unit of
    /// work from the database's state each time (read, then write), as it
    /// may run several times.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm_core::Result<()> {
    /// # let db = orm_core::Db::connect("sqlite::memory:").await?;
    /// use orm_core::{Isolation, Retry};
    /// let retry = Retry::default().isolation(Isolation::Serializable);
    /// let n = db
    ///     .transaction_with_retry(&retry, async |tx| orm_core::raw("SELECT 41 + 1").scalar::<i32>(&tx).await)
    ///     .await?;
    /// assert_eq!(n, 42);
    /// assert_eq!(retry.retries(), 0);
    /// # Ok(()) }
    /// ```
    pub async fn transaction_with_retry<T, F, Fut>(&self, policy: &Retry, mut f: F) -> Result<T>
    where
        F: FnMut(Tx) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let mut attempt = 1;
        loop {
            let tx = match self.begin_isolated(policy.isolation).await {
                Ok(tx) => tx,
                Err(err) if err.is_retryable() && attempt < policy.attempts => {
                    attempt = self.back_off(policy, attempt, &err).await;
                    continue;
                }
                Err(err) => return Err(err),
            };
            let outcome = self.attempt(tx.clone(), f(tx)).await;
            match outcome {
                Err(err) if err.is_retryable() && attempt < policy.attempts => {
                    attempt = self.back_off(policy, attempt, &err).await;
                }
                other => return other,
            }
        }
    }

    async fn begin_isolated(&self, isolation: Option<Isolation>) -> Result<Tx> {
        Ok(Tx {
            state: Arc::new(TxState::begin_with(&self.shared, isolation).await?),
        })
    }

    /// Counts and waits out failed attempt `attempt`; the next attempt's
    /// number.
    async fn back_off(&self, policy: &Retry, attempt: u32, err: &Error) -> u32 {
        policy
            .retried
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let delay = policy.delay(attempt);
        tracing::debug!(
            target: "orm::sql",
            attempt,
            delay_ms = delay.as_millis() as u64,
            "transaction retried: {err}"
        );
        tokio::time::sleep(delay).await;
        attempt + 1
    }

    /// Runs `run` in `tx`: COMMIT when it returns `Ok`, ROLLBACK when it
    /// returns `Err` or panics (the panic then continues). One attempt of
    /// [`Db::transaction_with_retry`], the whole of [`Db::transaction`].
    async fn attempt<T, E, Fut>(&self, tx: Tx, run: Fut) -> std::result::Result<T, E>
    where
        Fut: Future<Output = std::result::Result<T, E>>,
        E: From<Error>,
    {
        let outcome = AssertUnwindSafe(run).catch_unwind().await;
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
        self.attempt(tx.clone(), f(tx)).await
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
        self.shared.add_recorder(&log);
        Recorder {
            log,
            shared: self.shared.clone(),
        }
    }

    /// Closes every connection of the pool. New statements, on this handle
    /// or a clone of it, fail at once with [`Error::Closed`](crate::Error::Closed);
    /// the call returns when every connection lent out has come back, so
    /// an open transaction or a stream still being read holds it: end
    /// them first (awaiting `close` while holding a [`Tx`](crate::Tx) in
    /// the same task never returns).
    pub async fn close(&self) {
        self.shared.close().await;
    }
}

/// Captures the SQL text of statements as they run. See [`Db::recorder`].
///
/// Bound values are not captured, only the statement text.
pub struct Recorder {
    log: crate::backend::Log,
    shared: Arc<Shared>,
}

impl Recorder {
    /// The statements run so far, oldest first.
    pub fn statements(&self) -> Vec<String> {
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        log.iter().map(|(sql, _)| sql.clone()).collect()
    }

    /// The server that ran each statement so far, oldest first: `primary`,
    /// or `replica 1`, `replica 2`, .. in the order of
    /// [`ConnectOptions::replica`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm_core::Result<()> {
    /// # let db = orm_core::Db::connect("sqlite::memory:").await?;
    /// let rec = db.recorder();
    /// orm_core::raw("SELECT 1").execute(&db).await?;
    /// assert_eq!(rec.servers(), ["primary"]);
    /// # Ok(()) }
    /// ```
    pub fn servers(&self) -> Vec<String> {
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        log.iter().map(|(_, server)| server.to_string()).collect()
    }

    /// How many statements ran so far.
    pub fn count(&self) -> usize {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Returns the statements so far and starts over.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.log.lock().unwrap_or_else(|e| e.into_inner()))
            .into_iter()
            .map(|(sql, _)| sql)
            .collect()
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
        self.shared.remove_recorder(&self.log);
    }
}

/// An open transaction. Every operation that takes a `&Db` takes a `&Tx`.
///
/// Cloning gives another handle to the same transaction.
#[derive(Clone)]
pub struct Tx {
    state: Arc<TxState>,
}

impl fmt::Debug for Tx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tx")
            .field("url", &self.state.shared().url())
            .finish()
    }
}

impl Tx {
    /// Commits. Later operations on this transaction fail with
    /// [`Error::TransactionClosed`].
    ///
    /// On PostgreSQL, after a statement of the transaction failed (which
    /// aborts it there), this rolls back instead and returns
    /// [`Error::TransactionAborted`] naming that statement's error: nothing
    /// of the transaction is written.
    pub async fn commit(&self) -> Result<()> {
        self.state.commit().await
    }

    /// Rolls back. Later operations on this transaction fail with
    /// [`Error::TransactionClosed`].
    pub async fn rollback(&self) -> Result<()> {
        self.state.rollback().await
    }
}

impl sealed::Sealed for Db {}
impl sealed::Sealed for Tx {}

/// The operations of [`Executor`], the same for a pool and a transaction.
macro_rules! executor {
    ($handle:ty, |$this:ident| $target:expr) => {
        impl Executor for $handle {
            fn target(&self) -> Target<'_> {
                let $this = self;
                $target
            }

            fn dialect(&self) -> Dialect {
                self.target().dialect()
            }

            fn insert<M: Model>(&self, model: M) -> impl Future<Output = Result<M>> + Send {
                crate::persist::insert(self.target(), model)
            }

            fn insert_many<M: Model>(
                &self,
                models: Vec<M>,
            ) -> impl Future<Output = Result<Vec<M>>> + Send {
                crate::persist::insert_many(self.target(), models)
            }

            fn bulk_insert<'a, M: Model>(
                &'a self,
                models: &'a [M],
            ) -> impl Future<Output = Result<u64>> + Send + 'a {
                crate::persist::bulk_insert(self.target(), models)
            }

            fn update<'a, M: Model>(
                &'a self,
                model: &'a mut M,
            ) -> impl Future<Output = Result<()>> + Send + 'a {
                crate::persist::update(self.target(), model)
            }

            fn save<'a, M: Model>(
                &'a self,
                model: &'a mut M,
            ) -> impl Future<Output = Result<()>> + Send + 'a {
                crate::persist::save(self.target(), model)
            }

            fn delete<'a, M: Model>(
                &'a self,
                model: &'a M,
            ) -> impl Future<Output = Result<()>> + Send + 'a {
                crate::persist::delete(self.target(), model)
            }

            fn create_all<'a>(
                &'a self,
                schema: &'a Schema,
            ) -> impl Future<Output = Result<()>> + Send + 'a {
                crate::schema::create_all(schema, self.target())
            }

            fn drop_all<'a>(
                &'a self,
                schema: &'a Schema,
            ) -> impl Future<Output = Result<()>> + Send + 'a {
                crate::schema::drop_all(schema, self.target())
            }

            fn execute_script<'a>(
                &'a self,
                script: &'a str,
            ) -> impl Future<Output = Result<()>> + Send + 'a {
                backend::execute_script(self.target(), script)
            }
        }
    };
}

executor!(Db, |db| if db.primary_only || !db.shared.has_replicas() {
    Target::Pool(&db.shared)
} else {
    Target::Reads(&db.shared)
});
executor!(Tx, |tx| Target::Tx(&tx.state));

macro_rules! upserts {
    ($handle:ty) => {
        impl $handle {
            /// Inserts `model`, or meets the row already holding its
            /// values in a unique constraint's columns: see [`Upsert`].
            /// `db.upsert(tag).on_conflict(Tag::NAME).do_nothing().await?`.
            pub fn upsert<M: Model>(&self, model: M) -> Upsert<'_, M> {
                Upsert::new(self.target(), vec![model])
            }

            /// [`upsert`](Self::upsert) of several models, one statement
            /// per chunk under the bind limit, all or nothing.
            pub fn upsert_many<M: Model>(&self, models: Vec<M>) -> UpsertMany<'_, M> {
                UpsertMany::new(self.target(), models)
            }
        }
    };
}

upserts!(Db);
upserts!(Tx);
