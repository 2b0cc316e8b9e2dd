//! Statement execution over the three sqlx backends.
//!
//! ```text
//!   Target::Pool(&Shared) ──► Lease (a pooled connection for one operation) ─┐
//!                                                                            ├─► generic sqlx code ─► RowRef ─► decode
//!   Target::Tx(&TxState) ──► its Lease, locked for the statement ────────────┘     (one copy per backend)
//! ```
//!
//! The generic functions here are written once over [`Backend`], a private
//! trait bundling what differs per backend (how a [`Value`] binds, how a
//! row is wrapped, what an execution reports, what becomes of a connection
//! abandoned mid-statement). The `with_conn!` macro picks the concrete
//! connection and instantiates the generic code for it. Every statement
//! passes `Shared::before`/`after`, which feed the statement recorder and the
//! `orm::sql` tracing target.
//!
//! A [`Lease`] knows whether a statement is in flight on its connection and
//! whether a transaction is open. Dropped in either state (the operation's
//! future was cancelled), a PostgreSQL or MySQL connection is closed, not
//! returned to the pool: its protocol state is unknown, and bytes the
//! driver had not yet sent (a COMMIT still in its write buffer) must never
//! reach the server. The server rolls back what the closed connection had
//! open. A SQLite connection runs its commands in order on its worker
//! thread, so a ROLLBACK queued after the cancelled ones ends the
//! transaction instead (an in-memory database lives in its connection).

mod connect;
pub(crate) mod migrate;
#[cfg(feature = "mysql")]
mod mysql;
#[cfg(any(feature = "postgres", feature = "mysql"))]
mod nodelay;
mod pool;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

pub(crate) use connect::connect_all;
pub use connect::{ConnectOptions, JournalMode};
pub(crate) use pool::{Log, Pool, Shared};

use std::time::Instant;

use futures_core::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use sqlx::error::BoxDynError;
use sqlx::pool::PoolConnection;
use sqlx::{Arguments, IntoArguments, SqlSafeStr, SqlStr};

use std::future::Future;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::model::{Model, Schema};
use crate::sql::{Dialect, SavepointSql};
use crate::value::{Bind, Binds, RowRef, Value, ValueRef};

/// The connection of an open transaction.
pub(crate) enum TxConn {
    #[cfg(feature = "sqlite")]
    Sqlite(Lease<sqlx::Sqlite>),
    #[cfg(feature = "postgres")]
    Postgres(Lease<sqlx::Postgres>),
    #[cfg(feature = "mysql")]
    MySql(Lease<sqlx::MySql>),
}

impl TxConn {
    /// A statement of the transaction was cancelled mid-flight.
    fn interrupted(&self) -> bool {
        match self {
            #[cfg(feature = "sqlite")]
            TxConn::Sqlite(l) => l.busy,
            #[cfg(feature = "postgres")]
            TxConn::Postgres(l) => l.busy,
            #[cfg(feature = "mysql")]
            TxConn::MySql(l) => l.busy,
        }
    }

    /// The statement that aborted the transaction, if one did (see
    /// `Lease::aborted`).
    fn aborted(&self) -> Option<(Option<String>, String)> {
        match self {
            #[cfg(feature = "sqlite")]
            TxConn::Sqlite(l) => l.aborted.clone(),
            #[cfg(feature = "postgres")]
            TxConn::Postgres(l) => l.aborted.clone(),
            #[cfg(feature = "mysql")]
            TxConn::MySql(l) => l.aborted.clone(),
        }
    }
}

/// A pooled connection lent to one operation or one transaction; see the
/// module documentation for what its drop does.
pub(crate) struct Lease<DB: Backend> {
    conn: Option<PoolConnection<DB>>,
    /// A statement was sent and its outcome not yet read.
    busy: bool,
    /// A transaction is open on the connection.
    open: bool,
    /// A statement of the open transaction failed on a server that then
    /// aborts the transaction (PostgreSQL): the failed statement's SQLSTATE
    /// and message. Cleared by a rollback to a savepoint set before it.
    aborted: Option<(Option<String>, String)>,
    /// The server ended the transaction by itself at the error in
    /// `aborted` (a deadlock on MySQL): a statement sent now would run
    /// outside it, so none is.
    ended: bool,
    hold: Hold,
}

/// What a lease keeps for SQLite's direct path (see `backend/sqlite.rs`).
#[derive(Default)]
pub(crate) struct Hold {
    /// The connection's SQLite handle was locked by the last statement, or
    /// is now: a lock after it gave the handle back waits until sqlx's
    /// worker is seen back at its command loop.
    locked: bool,
    /// The statement failed with its result partly read (a row that did
    /// not decode): the server may still be sending the rest.
    unread: bool,
    /// The largest command the server reads (MySQL's
    /// `max_allowed_packet`): a larger statement is refused before it is
    /// sent (see [`arguments`]).
    max_packet: Option<usize>,
    /// The locked handle itself, and where the connection is parked.
    #[cfg(feature = "sqlite")]
    sqlite: sqlite::Keep,
}

impl Hold {
    /// True while a SQLite handle is locked for the direct path.
    fn holds_handle(&self) -> bool {
        #[cfg(feature = "sqlite")]
        return self.sqlite.holds();
        #[cfg(not(feature = "sqlite"))]
        false
    }

    /// A statement through the driver follows: a SQLite handle locked for
    /// the direct path goes back to the connection's worker first.
    fn for_driver(&mut self) {
        #[cfg(feature = "sqlite")]
        if self.sqlite.unlock() {
            self.locked = true;
        }
    }
}

impl<DB: Backend> Lease<DB> {
    async fn acquire(shared: &Shared, pool: &sqlx::Pool<DB>) -> Result<Self> {
        Ok(Lease {
            conn: Some(pool.acquire().await?),
            busy: false,
            open: false,
            aborted: None,
            ended: false,
            hold: Hold {
                max_packet: shared.server.max_packet,
                ..Hold::default()
            },
        })
    }

    /// The connection, marked busy until [`Lease::settle`], for a
    /// statement through sqlx.
    fn start(&mut self) -> &mut DB::Connection {
        let (conn, hold) = self.start_marked();
        hold.for_driver();
        conn
    }

    /// The connection, marked busy until [`Lease::settle`], with what the
    /// lease keeps for SQLite's direct path.
    fn start_marked(&mut self) -> (&mut DB::Connection, &mut Hold) {
        self.busy = true;
        match self.conn.as_deref_mut() {
            Some(conn) => (conn, &mut self.hold),
            // Taken only by drop.
            None => unreachable!("a lease holds its connection until dropped"),
        }
    }

    /// The statement finished: the connection is in a known state again,
    /// unless it was lost. One that went through sqlx's worker leaves it
    /// at its command loop.
    ///
    /// A result left partly read outside a transaction leaves the lease
    /// busy, so that the connection is closed rather than given back to
    /// the pool, which would read the rest first (millions of rows, maybe).
    /// In a transaction the rest is read before the next statement, which
    /// keeps the transaction.
    fn settle<T>(&mut self, outcome: &Result<T>) {
        let unread = std::mem::take(&mut self.hold.unread);
        self.busy = matches!(outcome, Err(e) if e.is_disconnected()) || (unread && !self.open);
        if self.open
            && self.aborted.is_none()
            && let Err(e) = outcome
            && (DB::FAILURE_ABORTS_TRANSACTION || DB::ends_transaction(e))
        {
            self.aborted = e.server_failure();
            self.ended = DB::ends_transaction(e);
        } else if outcome.is_ok() && !self.ended {
            // A server that refuses every statement of an aborted
            // transaction ran this one: the transaction was recovered (a
            // rollback to a savepoint, the ORM's or the caller's own).
            self.aborted = None;
        }
        if outcome.is_ok() && !self.hold.holds_handle() {
            self.hold.locked = false;
        }
    }
}

impl<DB: Backend> Lease<DB> {
    /// [`Lease::settle`], then `outcome`; a statement PostgreSQL refused
    /// because an earlier one aborted the transaction (SQLSTATE `25P02`)
    /// becomes [`Error::TransactionAborted`] naming that earlier one.
    /// [`Error::TransactionAborted`] when the server ended the
    /// transaction by itself (see `Lease::ended`): nothing more is sent.
    fn refuse_if_ended(&self) -> Result<()> {
        match &self.aborted {
            Some((code, message)) if self.ended => Err(Error::TransactionAborted {
                code: code.clone(),
                message: message.clone(),
            }),
            _ => Ok(()),
        }
    }

    fn settled<T>(&mut self, outcome: Result<T>) -> Result<T> {
        self.settle(&outcome);
        match outcome {
            Err(e) if DB::FAILURE_ABORTS_TRANSACTION && e.has_server_code("25P02") => {
                match self.aborted.clone() {
                    Some((code, message)) => Err(Error::TransactionAborted { code, message }),
                    None => Err(e),
                }
            }
            other => other,
        }
    }
}

impl<DB: Backend> Drop for Lease<DB> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        if tokio::runtime::Handle::try_current().is_err() {
            // Dropped after its runtime (a stream or transaction outliving
            // it): closing the connection rolls back what it had open.
            self.hold.for_driver();
            close_without_runtime(conn);
            return;
        }
        if self.busy || self.open {
            self.hold.for_driver();
            DB::abandon(conn, self.open, &mut self.hold);
        } else {
            DB::release(conn, &mut self.hold);
        }
    }
}

/// Closes a pooled connection where no runtime is current (a database,
/// transaction or stream dropped after its runtime). sqlx returns a
/// connection to its pool, or with `min_connections` replaces it, on a task
/// it spawns, and panics when there is no runtime to spawn on: the
/// connection is dropped inside a runtime made for the purpose, whose tasks
/// never run.
pub(crate) fn close_without_runtime<DB: sqlx::Database>(conn: PoolConnection<DB>) {
    match tokio::runtime::Builder::new_current_thread().build() {
        Ok(runtime) => {
            let _entered = runtime.enter();
            drop(conn.detach());
        }
        // Kept open rather than panicking in a destructor.
        Err(_) => std::mem::forget(conn),
    }
}

/// Where a statement runs: the pool, or an open transaction.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub enum Target<'a> {
    /// Any pooled connection.
    Pool(&'a Arc<Shared>),
    /// Any pooled connection of the primary, or for a read, of one of its
    /// replicas.
    Reads(&'a Arc<Shared>),
    /// The transaction's connection. A statement waits for an operation
    /// of several statements running on the transaction to finish.
    Tx(&'a TxState),
    /// The transaction's connection, for a statement of an operation of
    /// several statements, which holds the transaction's turn.
    Nested(&'a TxState),
}

impl<'a> Target<'a> {
    pub(crate) fn shared(self) -> &'a Shared {
        match self {
            Target::Pool(shared) | Target::Reads(shared) => shared,
            Target::Tx(tx) | Target::Nested(tx) => &tx.shared,
        }
    }

    /// The dialect statements are rendered in.
    pub(crate) fn dialect(self) -> Dialect {
        self.shared().dialect()
    }
}

/// An open transaction: its connection (taken when it ends) and the pool
/// it came from. A `Tx` of the facade is a handle to one.
pub struct TxState {
    shared: Arc<Shared>,
    conn: tokio::sync::Mutex<Option<TxConn>>,
    /// Opened by the ORM around one statement behind a pooler: its BEGIN
    /// and COMMIT are not the user's statements and are not recorded.
    implicit: bool,
    /// Savepoints set and not yet released (see [`Atomic`]).
    savepoints: std::sync::atomic::AtomicU64,
    /// Held by an operation of several statements for its length, and by
    /// each statement and the commit or rollback: statements of other
    /// tasks (or of futures joined in one) wait for the operation, whose
    /// rollback to its savepoint would otherwise undo them too.
    turn: tokio::sync::Mutex<()>,
}

impl TxState {
    /// Opens a transaction on a connection of `shared`'s pool.
    pub(crate) async fn begin(shared: &Arc<Shared>) -> Result<TxState> {
        Self::begin_with(shared, None).await
    }

    /// Opens a transaction at `isolation` (the server's default when
    /// `None`) on a connection of `shared`'s pool.
    pub(crate) async fn begin_with(
        shared: &Arc<Shared>,
        isolation: Option<crate::sql::Isolation>,
    ) -> Result<TxState> {
        let conn = begin(shared, shared.begin_immediate(), isolation, true).await?;
        Ok(TxState {
            shared: shared.clone(),
            conn: tokio::sync::Mutex::new(Some(conn)),
            implicit: false,
            savepoints: Default::default(),
            turn: Default::default(),
        })
    }

    /// The transaction one statement runs in behind a transaction-pooling
    /// proxy, so that its unnamed prepared statement and its execution
    /// reach the same server connection; not recorded.
    async fn around_statement(shared: &Arc<Shared>) -> Result<TxState> {
        let conn = begin(shared, false, None, false).await?;
        Ok(TxState {
            shared: shared.clone(),
            conn: tokio::sync::Mutex::new(Some(conn)),
            implicit: true,
            savepoints: Default::default(),
            turn: Default::default(),
        })
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// The transaction's connection, for a statement or the commit. One
    /// whose statement was cancelled (a stream dropped before its end, a
    /// timeout) is in an unknown state: the transaction ends there, its
    /// connection abandoned (rolled back), and the slot is left empty
    /// ([`Error::TransactionClosed`]).
    async fn lock(&self) -> tokio::sync::MutexGuard<'_, Option<TxConn>> {
        let mut guard = self.conn.lock().await;
        if guard.as_ref().is_some_and(TxConn::interrupted) {
            *guard = None;
        }
        guard
    }

    /// Waits for an operation of several statements on the transaction to
    /// finish, when `target` is the transaction itself (a statement of the
    /// operation, `Target::Nested`, goes on).
    async fn turn<'t>(target: Target<'t>) -> Option<tokio::sync::MutexGuard<'t, ()>> {
        match target {
            Target::Tx(tx) => Some(tx.turn.lock().await),
            _ => None,
        }
    }

    /// Commits; later statements fail with [`Error::TransactionClosed`].
    pub(crate) async fn commit(&self) -> Result<()> {
        let _turn = self.turn.lock().await;
        // An interrupted transaction is never committed: `lock` ended it.
        let conn = self.lock().await.take().ok_or(Error::TransactionClosed)?;
        if let Some((code, message)) = conn.aborted() {
            // PostgreSQL would answer COMMIT by rolling back, without an
            // error: the caller is told instead.
            end(&self.shared, conn, TxStep::Rollback, !self.implicit).await?;
            return Err(Error::TransactionAborted { code, message });
        }
        end(&self.shared, conn, TxStep::Commit, !self.implicit).await
    }

    /// Sets a savepoint; its depth, for [`TxState::release`] or
    /// [`TxState::rollback_to`].
    async fn savepoint(&self) -> Result<u64> {
        use std::sync::atomic::Ordering;
        let depth = self.savepoints.fetch_add(1, Ordering::SeqCst);
        let out = self.savepoint_step(SavepointSql::Set, depth).await;
        if out.is_err() {
            self.savepoints.fetch_sub(1, Ordering::SeqCst);
        }
        out.map(|()| depth)
    }

    /// Keeps what was done since the savepoint at `depth`.
    async fn release(&self, depth: u64) -> Result<()> {
        let out = self.savepoint_step(SavepointSql::Release, depth).await;
        self.savepoints
            .fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        out
    }

    /// Undoes what was done since the savepoint at `depth`, then lets it go.
    async fn rollback_to(&self, depth: u64) -> Result<()> {
        let out = match self.savepoint_step(SavepointSql::RollbackTo, depth).await {
            Ok(()) => self.savepoint_step(SavepointSql::Release, depth).await,
            Err(e) => Err(e),
        };
        self.savepoints
            .fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        out
    }

    /// Runs one statement of the savepoint at `depth` on the transaction's
    /// connection. A rollback to it clears what aborted the transaction
    /// since: PostgreSQL takes statements again after it.
    async fn savepoint_step(&self, which: SavepointSql, depth: u64) -> Result<()> {
        async fn run<DB: Backend>(
            lease: &mut Lease<DB>,
            sql: SqlStr,
            which: SavepointSql,
        ) -> Result<()>
        where
            for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
        {
            lease.refuse_if_ended()?;
            let out = control(lease, sql).await;
            let out = lease.settled(out);
            if out.is_ok() && which == SavepointSql::RollbackTo {
                lease.aborted = None;
            }
            out
        }
        let sql = crate::sql::savepoint(self.shared.dialect(), which, depth);
        if !self.implicit {
            self.shared.record(&sql);
        }
        let sql = sqlx::AssertSqlSafe(sql).into_sql_str();
        let mut guard = self.lock().await;
        let out = match guard.as_mut().ok_or(Error::TransactionClosed)? {
            #[cfg(feature = "sqlite")]
            TxConn::Sqlite(l) => run(l, sql, which).await,
            #[cfg(feature = "postgres")]
            TxConn::Postgres(l) => run(l, sql, which).await,
            #[cfg(feature = "mysql")]
            TxConn::MySql(l) => run(l, sql, which).await,
        };
        out.map_err(|e| self.shared.failed(e))
    }

    /// Commits after `out` succeeded, rolls back after it failed; `out`
    /// (or the commit's error).
    pub(crate) async fn finish_with<T>(&self, out: Result<T>) -> Result<T> {
        match out {
            Ok(value) => self.commit().await.map(|()| value),
            Err(err) => {
                if let Err(rollback) = self.rollback().await {
                    tracing::warn!(target: "orm::sql", "rollback failed: {rollback}");
                }
                Err(err)
            }
        }
    }

    /// Rolls back; later statements fail with [`Error::TransactionClosed`].
    pub(crate) async fn rollback(&self) -> Result<()> {
        let _turn = self.turn.lock().await;
        let conn = self
            .conn
            .lock()
            .await
            .take()
            .ok_or(Error::TransactionClosed)?;
        end(&self.shared, conn, TxStep::Rollback, !self.implicit).await
    }
}

/// The transaction an operation of several statements runs in: the
/// caller's, or one it opens on the pool and finishes itself.
pub(crate) enum Atomic<'a> {
    /// In the caller's transaction, from a savepoint (its depth), holding
    /// the transaction's turn: a failure undoes the operation alone, and
    /// leaves the transaction usable on PostgreSQL too.
    Joined(&'a TxState, u64, tokio::sync::MutexGuard<'a, ()>),
    /// Inside another operation, whose savepoint or transaction covers it.
    Nested(&'a TxState),
    /// Opened here; committed or rolled back by [`Atomic::finish`].
    Own(Box<TxState>),
}

impl<'a> Atomic<'a> {
    /// Opens a transaction unless `target` is one; in the caller's, sets a
    /// savepoint once its turn comes.
    pub(crate) async fn begin(target: Target<'a>) -> Result<Atomic<'a>> {
        match target {
            Target::Tx(tx) => {
                let turn = tx.turn.lock().await;
                Ok(Atomic::Joined(tx, tx.savepoint().await?, turn))
            }
            Target::Nested(tx) => Ok(Atomic::Nested(tx)),
            Target::Pool(shared) | Target::Reads(shared) => {
                Ok(Atomic::Own(Box::new(TxState::begin(shared).await?)))
            }
        }
    }

    /// Where the operation's statements run.
    pub(crate) fn target(&self) -> Target<'_> {
        match self {
            Atomic::Joined(tx, ..) | Atomic::Nested(tx) => Target::Nested(tx),
            Atomic::Own(tx) => Target::Nested(tx),
        }
    }

    /// Commits an own transaction when `outcome` is `Ok`, rolls it back
    /// otherwise (the operation's error is the one returned, a failed
    /// rollback is logged); in a joined transaction, releases the savepoint
    /// or rolls back to it.
    pub(crate) async fn finish<T>(self, outcome: Result<T>) -> Result<T> {
        let tx = match self {
            Atomic::Own(tx) => tx,
            Atomic::Nested(_) => return outcome,
            Atomic::Joined(tx, depth, _turn) => {
                return match outcome {
                    Ok(value) => tx.release(depth).await.map(|()| value),
                    Err(err) => {
                        if let Err(rollback) = tx.rollback_to(depth).await {
                            tracing::warn!(target: "orm::sql", "rollback to a savepoint failed: {rollback}");
                        }
                        Err(err)
                    }
                };
            }
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

pub(crate) mod sealed {
    /// Only this crate's handles run statements.
    pub trait Sealed {}
}

/// Something statements run on: a [`Db`](crate::Db) or a
/// [`Tx`](crate::Tx). Every operation takes either.
pub trait Executor: Send + Sync + sealed::Sealed {
    #[doc(hidden)]
    fn target(&self) -> Target<'_>;

    /// The SQL dialect statements are rendered in.
    fn dialect(&self) -> Dialect;

    /// Inserts `model` and returns it as its row now is: with its generated
    /// key, the keys of the targets its belongs_to slots hold, the columns
    /// SQL defaults filled in; a graph (slots holding new related rows) is
    /// written whole, in one transaction.
    ///
    /// Runs the model's validators first; a rejected value is
    /// [`Error::Validation`] and nothing is sent.
    fn insert<M: Model>(&self, model: M) -> impl Future<Output = Result<M>> + Send;

    /// Inserts `models` with multi-row INSERTs, chunked under the backend's
    /// bind limit, all in one transaction; returns them as
    /// [`Executor::insert`] does. On PostgreSQL, 2,000 rows or more go by
    /// `COPY`: keys drawn from the key's sequence first, or through a
    /// staging table and one `INSERT .. SELECT .. RETURNING` when defaults
    /// are read back (in order; the same validation and constraint errors;
    /// docs/saving.md).
    fn insert_many<M: Model>(&self, models: Vec<M>) -> impl Future<Output = Result<Vec<M>>> + Send;

    /// Inserts the rows of `models` and reads nothing back (SQLAlchemy's
    /// bulk `session.execute(insert(User), [...])`): one multi-row INSERT
    /// per chunk under the backend's bind limit, all in one transaction
    /// (on PostgreSQL from 2,000 rows, one `COPY` straight into the
    /// table). Returns the number of rows inserted.
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
    ) -> impl Future<Output = Result<u64>> + Send + 'a;

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
    ) -> impl Future<Output = Result<()>> + Send + 'a;

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
    ) -> impl Future<Output = Result<()>> + Send + 'a;

    /// Deletes `model`'s row with the rules of its relationships;
    /// [`Error::NotFound`] when no row has its key.
    fn delete<'a, M: Model>(&'a self, model: &'a M)
    -> impl Future<Output = Result<()>> + Send + 'a;

    /// Creates the schema's missing tables, in foreign-key order.
    fn create_all<'a>(&'a self, schema: &'a Schema)
    -> impl Future<Output = Result<()>> + Send + 'a;

    /// Drops the schema's tables, dependents first.
    fn drop_all<'a>(&'a self, schema: &'a Schema) -> impl Future<Output = Result<()>> + Send + 'a;

    /// Runs a script of SQL statements separated by `;`, without bind
    /// parameters: a schema file or a data dump you trust. Values from users
    /// never belong here; use [`raw`](crate::raw()) with `bind`.
    fn execute_script<'a>(
        &'a self,
        script: &'a str,
    ) -> impl Future<Output = Result<()>> + Send + 'a;
}

/// SQL text: a model's cached statement, one rendered for this call, or
/// one a user wrote (which must be a single statement).
#[derive(Clone)]
pub(crate) enum Sql {
    Static(&'static str),
    Owned(String),
    Raw(String),
}

impl Sql {
    fn as_str(&self) -> &str {
        match self {
            Sql::Static(s) => s,
            Sql::Owned(s) | Sql::Raw(s) => s,
        }
    }

    /// The text and, for user-written SQL, a copy to check that it holds
    /// one statement.
    fn into_parts(self) -> (SqlStr, Option<String>) {
        match self {
            Sql::Static(s) => (s.into_sql_str(), None),
            // Only text rendered by the dialect layer reaches here; values
            // travel as binds.
            Sql::Owned(s) => (sqlx::AssertSqlSafe(s).into_sql_str(), None),
            // Written by the application, with its values bound.
            Sql::Raw(s) => (sqlx::AssertSqlSafe(s.clone()).into_sql_str(), Some(s)),
        }
    }
}

/// What an executed statement reports.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Done {
    pub rows_affected: u64,
    pub last_insert_id: Option<u64>,
}

/// Where a query runs: on SQLite's direct path, or through the driver.
#[cfg(feature = "sqlite")]
pub(crate) enum Route<'c, C> {
    Direct(&'c mut sqlx::SqliteConnection),
    Driver(&'c mut C),
}

/// What differs between the sqlx backends, bundled once.
pub(crate) trait Backend: sqlx::Database + sqlx::database::HasStatementCache {
    /// Drain a result before decoding it. SQLite reads rows on a worker
    /// thread that hands them over in batches: draining first keeps that
    /// thread from waiting on decoding. The network backends decode rows
    /// as they arrive.
    const DRAIN_FIRST: bool = false;
    /// A failed COMMIT leaves no transaction open (PostgreSQL and MySQL
    /// end it); SQLite keeps it open (a busy COMMIT can be retried).
    const FAILED_COMMIT_ENDS_TRANSACTION: bool = true;
    /// A statement that fails inside a transaction aborts the transaction:
    /// later statements fail and COMMIT rolls back (PostgreSQL). SQLite and
    /// MySQL undo the failed statement alone.
    const FAILURE_ABORTS_TRANSACTION: bool = false;
    /// An error that makes the server end the open transaction by itself
    /// (MySQL rolls a transaction back at a deadlock, and runs what follows
    /// outside any transaction): later statements of the `Tx` must not be
    /// sent at all.
    fn ends_transaction(error: &Error) -> bool {
        let _ = error;
        false
    }
    /// The server reads no command over a limit (MySQL's
    /// `max_allowed_packet`, `Hold::max_packet`): [`arguments`] counts the
    /// bytes of the values it binds.
    const LIMITS_COMMANDS: bool = false;
    /// The most bytes `value` takes in a command, where
    /// [`Backend::LIMITS_COMMANDS`].
    fn value_bytes(value: &Value) -> usize {
        let _ = value;
        0
    }
    /// The size of the largest command that runs a statement of `sql`
    /// bytes of text with `n` values taking `bytes` (text and bytes
    /// counted by their length alone), where [`Backend::LIMITS_COMMANDS`].
    fn command_bytes(sql: usize, n: usize, bytes: usize) -> usize {
        let _ = (n, bytes);
        sql
    }
    fn bind(args: &mut Self::Arguments, value: Value) -> Result<(), BoxDynError>;
    /// Binds borrowed text, as [`Backend::bind`] binds a `Value::String`.
    fn bind_str(args: &mut Self::Arguments, value: &str) -> Result<(), BoxDynError>;
    /// Binds borrowed bytes, as [`Backend::bind`] binds a `Value::Bytes`.
    fn bind_bytes(args: &mut Self::Arguments, value: &[u8]) -> Result<(), BoxDynError>;
    fn row(row: &Self::Row) -> RowRef<'_>;
    /// Where queries on `conn` go here: SQLite's direct path (see
    /// `backend/sqlite.rs`) or the driver.
    #[cfg(feature = "sqlite")]
    fn route(conn: &mut Self::Connection) -> Route<'_, Self::Connection> {
        Route::Driver(conn)
    }
    fn done(result: &Self::QueryResult) -> Done;
    /// Refuses user-written SQL that holds more than one statement before
    /// any of it runs, on the driver's path (SQLite's direct path checks
    /// under its own lock). The servers refuse it themselves in a prepared
    /// statement; SQLite would run them all.
    fn ensure_single<'c>(
        conn: &'c mut Self::Connection,
        hold: &'c mut Hold,
        sql: &'c str,
    ) -> impl std::future::Future<Output = Result<()>> + Send + 'c {
        let _ = (conn, hold, sql);
        std::future::ready(Ok(()))
    }
    /// A connection for one operation or transaction.
    fn acquire<'a>(
        shared: &'a Shared,
        pool: &'a sqlx::Pool<Self>,
    ) -> impl std::future::Future<Output = Result<Lease<Self>>> + Send + 'a {
        Lease::acquire(shared, pool)
    }
    /// What becomes of the connection of a lease that ended with nothing
    /// in flight and no transaction open: back to the pool (SQLite keeps a
    /// connection locked for its direct path, see `backend/sqlite.rs`).
    fn release(conn: PoolConnection<Self>, hold: &mut Hold) {
        let _ = hold;
        drop(conn);
    }
    /// The value the database will hold for `value` once the driver has
    /// encoded it, when that differs (sub-microsecond timestamps on
    /// PostgreSQL and MySQL); `None` when it is stored as given.
    fn stored(value: &Value) -> Option<Value> {
        let _ = value;
        None
    }
    /// What becomes of a connection dropped mid-statement or with a
    /// transaction open: closed, so the server rolls back and nothing
    /// buffered is ever sent.
    fn abandon(conn: PoolConnection<Self>, open: bool, hold: &mut Hold) {
        let _ = (open, hold);
        drop(conn.detach());
    }
}

/// A negative zero as SQLite and MySQL keep it: `0.0`, without its sign
/// (PostgreSQL keeps the sign). `None` for any other value.
pub(super) fn unsigned_zero(value: &Value) -> Option<Value> {
    match value {
        Value::F32(v) if *v == 0.0 && v.is_sign_negative() => Some(Value::F32(0.0)),
        Value::F64(v) if *v == 0.0 && v.is_sign_negative() => Some(Value::F64(0.0)),
        _ => None,
    }
}

/// A `time` timestamp as the server keeps it: its time passed through
/// `cut`, an offset date-time in UTC (as it reads back); `None` when that
/// is the value as given, or it holds no `time` timestamp.
#[cfg(feature = "time")]
pub(super) fn cut_time(
    value: &Value,
    cut: impl Fn(time::PrimitiveDateTime) -> Option<time::PrimitiveDateTime>,
) -> Option<Value> {
    match value {
        Value::TimeDateTime(t) => cut(*t).filter(|c| c != t).map(Value::TimeDateTime),
        Value::TimeOffset(t) => {
            let utc = t.to_offset(time::UtcOffset::UTC);
            let plain = time::PrimitiveDateTime::new(utc.date(), utc.time());
            let stored = cut(plain).unwrap_or(plain).assume_utc();
            (stored != *t || !t.offset().is_utc()).then_some(Value::TimeOffset(stored))
        }
        _ => None,
    }
}

/// `value` with the time of its timestamps passed through `cut`, when that
/// changes it: what a backend's [`Backend::stored`] reports.
#[cfg(feature = "chrono")]
pub(super) fn cut_timestamps(
    value: &Value,
    cut: impl Fn(chrono::NaiveDateTime) -> Option<chrono::NaiveDateTime>,
) -> Option<Value> {
    let changed = |t: chrono::NaiveDateTime| cut(t).filter(|stored| *stored != t);
    match value {
        Value::DateTime(t) => changed(*t).map(Value::DateTime),
        Value::DateTimeUtc(t) => changed(t.naive_utc()).map(|n| Value::DateTimeUtc(n.and_utc())),
        _ => None,
    }
}

/// Refuses a value no backend stores alike (see `Value::check_portable`),
/// as binding it would.
#[inline]
pub(crate) fn check_bound(value: &Value) -> Result<()> {
    check_bind(Bind::Value(value))
}

/// [`check_bound`] of a parameter looked at in place.
#[inline]
pub(crate) fn check_bind(bind: Bind<'_>) -> Result<()> {
    bind.check_portable()
        .map_err(|why| Error::Config(format!("a bound value is refused: {why}")))
}

/// How far under MySQL's `max_allowed_packet` a statement is kept: the
/// server's own count of a command may add to the protocol's.
const PACKET_MARGIN: usize = 1024;

/// [`Error::StatementTooLarge`] for a command of `bytes` past `limit`
/// (less [`PACKET_MARGIN`]).
fn fits_packet(bytes: usize, limit: usize) -> Result<()> {
    if bytes > limit.saturating_sub(PACKET_MARGIN) {
        return Err(Error::StatementTooLarge { bytes, limit });
    }
    Ok(())
}

/// The driver's arguments of `binds`; with `check`, each value is first
/// refused if no backend stores it alike (values a model's validation
/// already checked skip that). A statement larger than the server's
/// `max_packet` (MySQL's `max_allowed_packet`, past which the server ends
/// the connection) is refused with [`Error::StatementTooLarge`] before it
/// is sent: `sql` is its text.
fn arguments<DB: Backend>(
    binds: Binds<'_>,
    check: bool,
    max_packet: Option<usize>,
    sql: &str,
) -> Result<DB::Arguments> {
    let n = binds.len();
    let mut args = DB::Arguments::default();
    args.reserve(n, n * 8);
    let encode = |e| Error::Database(sqlx::Error::Encode(e));
    // The values are in memory: their lengths add up without overflow.
    let mut bytes = 0usize;
    match binds {
        Binds::Values(values) => {
            for value in values {
                if check {
                    check_bound(&value)?;
                }
                if DB::LIMITS_COMMANDS {
                    bytes += DB::value_bytes(&value);
                }
                DB::bind(&mut args, value).map_err(encode)?;
            }
        }
        Binds::Refs(values) => {
            for value in values {
                if check {
                    check_bind(Bind::of(&value))?;
                }
                match value {
                    ValueRef::Str(v) => {
                        if DB::LIMITS_COMMANDS {
                            bytes += v.len();
                        }
                        DB::bind_str(&mut args, v)
                    }
                    ValueRef::Bytes(v) => {
                        if DB::LIMITS_COMMANDS {
                            bytes += v.len();
                        }
                        DB::bind_bytes(&mut args, v)
                    }
                    ValueRef::Value(v) => {
                        if DB::LIMITS_COMMANDS {
                            bytes += DB::value_bytes(&v);
                        }
                        DB::bind(&mut args, v)
                    }
                }
                .map_err(encode)?;
            }
        }
    }
    if DB::LIMITS_COMMANDS
        && let Some(limit) = max_packet
    {
        fits_packet(DB::command_bytes(sql.len(), n, bytes), limit)?;
    }
    Ok(args)
}

async fn fetch_generic<C, T>(
    exec: &mut C,
    hold: &mut Hold,
    sql: SqlStr,
    single: Option<String>,
    binds: Binds<'_>,
    persistent: bool,
    decode: &mut (impl FnMut(RowRef<'_>) -> Result<T> + Send),
) -> Result<Vec<T>>
where
    C: sqlx::Connection,
    C::Database: Backend<Connection = C>,
    for<'c> &'c mut C: sqlx::Executor<'c, Database = C::Database>,
    <C::Database as sqlx::Database>::Arguments: IntoArguments<C::Database>,
{
    type DB<C> = <C as sqlx::Connection>::Database;
    #[cfg(feature = "sqlite")]
    if let Route::Direct(conn) = <DB<C> as Backend>::route(&mut *exec) {
        let direct = sqlite::fetch_all_direct(
            conn,
            hold,
            sql.as_str(),
            &binds,
            persistent,
            single.is_some(),
            decode,
        );
        if let sqlite::Direct::Ran(rows) = direct.await? {
            return Ok(rows);
        }
    }
    to_driver(&mut *exec, hold, &single).await?;
    let args = arguments::<DB<C>>(binds, true, hold.max_packet, sql.as_str())?;
    let query = sqlx::query_with(sql, args).persistent(persistent);
    if <DB<C> as Backend>::DRAIN_FIRST {
        let rows = query.fetch_all(exec).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(decode(<DB<C> as Backend>::row(row))?);
        }
        return Ok(out);
    }
    let mut rows = Yielding::new(query.fetch(exec));
    let mut out = Vec::new();
    while let Some(row) = rows.try_next().await? {
        match decode(<DB<C> as Backend>::row(&row)) {
            Ok(item) => out.push(item),
            Err(e) => {
                hold.unread = true;
                return Err(e);
            }
        }
    }
    Ok(out)
}

/// Readies the connection for a statement through the driver: a SQLite
/// handle locked for the direct path goes back to its worker, and
/// user-written SQL (`single`) is checked to hold one statement.
async fn to_driver<C>(exec: &mut C, hold: &mut Hold, single: &Option<String>) -> Result<()>
where
    C: sqlx::Connection,
    C::Database: Backend<Connection = C>,
{
    hold.for_driver();
    if let Some(text) = single {
        <C::Database as Backend>::ensure_single(exec, hold, text).await?;
    }
    Ok(())
}

/// How long reading a large result runs before the task yields.
const YIELD_EVERY: std::time::Duration = std::time::Duration::from_millis(1);

async fn fetch_optional_generic<C, T>(
    exec: &mut C,
    hold: &mut Hold,
    sql: SqlStr,
    single: Option<String>,
    binds: Binds<'_>,
    persistent: bool,
    decode: &mut (impl FnMut(RowRef<'_>) -> Result<T> + Send),
) -> Result<Option<T>>
where
    C: sqlx::Connection,
    C::Database: Backend<Connection = C>,
    for<'c> &'c mut C: sqlx::Executor<'c, Database = C::Database>,
    <C::Database as sqlx::Database>::Arguments: IntoArguments<C::Database>,
{
    type DB<C> = <C as sqlx::Connection>::Database;
    #[cfg(feature = "sqlite")]
    if let Route::Direct(conn) = <DB<C> as Backend>::route(&mut *exec) {
        let direct = sqlite::fetch_first_direct(
            conn,
            hold,
            sql.as_str(),
            &binds,
            persistent,
            single.is_some(),
            decode,
        );
        if let sqlite::Direct::Ran(row) = direct.await? {
            return Ok(row);
        }
    }
    to_driver(&mut *exec, hold, &single).await?;
    let args = arguments::<DB<C>>(binds, true, hold.max_packet, sql.as_str())?;
    match sqlx::query_with(sql, args)
        .persistent(persistent)
        .fetch_optional(exec)
        .await?
    {
        Some(row) => decode(<DB<C> as Backend>::row(&row)).map(Some),
        None => Ok(None),
    }
}

/// Runs a statement that returns no rows; `check` as in [`arguments`].
async fn execute_generic<C>(
    exec: &mut C,
    hold: &mut Hold,
    sql: SqlStr,
    single: Option<String>,
    binds: Binds<'_>,
    persistent: bool,
    check: bool,
) -> Result<Done>
where
    C: sqlx::Connection,
    C::Database: Backend<Connection = C>,
    for<'c> &'c mut C: sqlx::Executor<'c, Database = C::Database>,
    <C::Database as sqlx::Database>::Arguments: IntoArguments<C::Database>,
{
    type DB<C> = <C as sqlx::Connection>::Database;
    #[cfg(feature = "sqlite")]
    if let Route::Direct(conn) = <DB<C> as Backend>::route(&mut *exec) {
        let direct = sqlite::execute_direct(
            conn,
            hold,
            sql.as_str(),
            &binds,
            persistent,
            single.is_some(),
            check,
        );
        if let sqlite::Direct::Ran(done) = direct.await? {
            return Ok(done);
        }
    }
    to_driver(&mut *exec, hold, &single).await?;
    let args = arguments::<DB<C>>(binds, check, hold.max_packet, sql.as_str())?;
    // Whether a statement that returns no rows is a read (a prefix test
    // for a write), asked before the text moves into the query.
    let read = crate::sql::is_read(sql.as_str());
    let query = sqlx::query_with(sql, args).persistent(persistent);
    let mut steps = sqlx::Executor::fetch_many(exec, query);
    let mut result = <DB<C> as sqlx::Database>::QueryResult::default();
    let mut rows = 0u64;
    while let Some(step) = steps.try_next().await? {
        match step {
            sqlx::Either::Left(done) => result.extend(Some(done)),
            sqlx::Either::Right(_) => rows += 1,
        }
    }
    let mut done = <DB<C> as Backend>::done(&result);
    done.rows_affected = rows_affected(done.rows_affected, rows, read);
    Ok(done)
}

/// What `execute` returns for a statement that the server reports as
/// `reported` rows affected and that returned `rows` rows: the rows it
/// returned when it returned any (an `INSERT .. RETURNING`, which MySQL
/// reports as 0 rows affected; a `SELECT`, as PostgreSQL counts it), none
/// for a read that returned none (SQLite reports the changes of the last
/// write before it), else what the server reports.
pub(crate) fn rows_affected(reported: u64, rows: u64, read: bool) -> u64 {
    if rows > 0 {
        rows
    } else if read {
        0
    } else {
        reported
    }
}

/// Runs text without parameters in one message (the simple protocol),
/// through the driver.
async fn execute_simple<C>(exec: &mut C, hold: &mut Hold, sql: SqlStr) -> Result<Done>
where
    C: sqlx::Connection,
    C::Database: Backend<Connection = C>,
    for<'c> &'c mut C: sqlx::Executor<'c, Database = C::Database>,
{
    hold.for_driver();
    let result = sqlx::raw_sql(sql).execute(exec).await?;
    Ok(<C::Database as Backend>::done(&result))
}

fn stream_generic<'e, DB, E, T, F>(
    exec: E,
    sql: SqlStr,
    binds: Binds<'_>,
    persistent: bool,
    max_packet: Option<usize>,
    mut decode: F,
) -> BoxStream<'e, Result<T>>
where
    DB: Backend,
    E: sqlx::Executor<'e, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    T: Send + 'e,
    F: FnMut(RowRef<'_>) -> Result<T> + Send + 'e,
{
    match arguments::<DB>(binds, true, max_packet, sql.as_str()) {
        Ok(args) => Yielding::new(
            sqlx::query_with(sql, args)
                .persistent(persistent)
                .fetch(exec)
                .map(move |row| decode(DB::row(&row?))),
        )
        .boxed(),
        Err(e) => futures_util::stream::once(async move { Err(e) }).boxed(),
    }
}

/// A stream of rows that lets its task yield after each [`YIELD_EVERY`]
/// of reading: the driver hands out rows it has already received without
/// yielding, so a reader of a large result would hold its thread (and a
/// timeout around it) until the end.
struct Yielding<S> {
    rows: S,
    read: u32,
    since: Instant,
}

impl<S> Yielding<S> {
    fn new(rows: S) -> Self {
        Yielding {
            rows,
            read: 0,
            since: Instant::now(),
        }
    }
}

impl<S: futures_core::Stream + Unpin> futures_core::Stream for Yielding<S> {
    type Item = S::Item;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<S::Item>> {
        let this = &mut *self;
        this.read = this.read.wrapping_add(1);
        if this.read.is_multiple_of(64) && this.since.elapsed() >= YIELD_EVERY {
            this.since = Instant::now();
            cx.waker().wake_by_ref();
            return std::task::Poll::Pending;
        }
        this.rows.poll_next_unpin(cx)
    }
}

/// The rows of a query on the leased connection, by SQLite's direct path
/// where it runs here.
fn lease_rows<'e, DB, T, F>(
    lease: &'e mut Lease<DB>,
    sql: SqlStr,
    binds: Vec<Value>,
    persistent: bool,
    decode: F,
) -> BoxStream<'e, Result<T>>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    T: Send + 'e,
    F: FnMut(RowRef<'_>) -> Result<T> + Send + 'e,
{
    let (conn, hold) = lease.start_marked();
    #[cfg(feature = "sqlite")]
    let conn = match DB::route(conn) {
        Route::Direct(conn) => {
            return sqlite::stream_direct(conn, sql, binds, persistent, hold, decode);
        }
        Route::Driver(conn) => conn,
    };
    hold.for_driver();
    let max_packet = hold.max_packet;
    stream_generic(conn, sql, binds.into(), persistent, max_packet, decode)
}

/// Runs `$body` with `$conn` bound to the concrete sqlx connection of
/// `$target` (one leased from the pool, or the transaction's, locked for
/// the duration of the body) and `$hold` to what its lease keeps for
/// SQLite's direct path. The lease is marked busy while the body runs.
macro_rules! with_conn {
    (@run $db:ty, $lease:expr, |$conn:ident, $hold:ident| $body:expr) => {{
        let lease = $lease;
        match lease.refuse_if_ended() {
            Err(e) => Err(e),
            Ok(()) => {
                let (conn, hold) = lease.start_marked();
                let ($conn, $hold) = (conn, hold);
                let out = async { $body }.await;
                lease.settled(out)
            }
        }
    }};
    ($target:expr, |$conn:ident, $hold:ident| $body:expr) => {
        match $target {
            Target::Pool(shared) | Target::Reads(shared) => match shared.pool() {
                #[cfg(feature = "sqlite")]
                Pool::Sqlite(pool) => {
                    with_conn!(@run sqlx::Sqlite, &mut <sqlx::Sqlite as Backend>::acquire(shared, pool).await?, |$conn, $hold| $body)
                }
                #[cfg(feature = "postgres")]
                Pool::Postgres(pool) => {
                    with_conn!(@run sqlx::Postgres, &mut <sqlx::Postgres as Backend>::acquire(shared, pool).await?, |$conn, $hold| $body)
                }
                #[cfg(feature = "mysql")]
                Pool::MySql(pool) => {
                    with_conn!(@run sqlx::MySql, &mut <sqlx::MySql as Backend>::acquire(shared, pool).await?, |$conn, $hold| $body)
                }
            },
            target @ (Target::Tx(tx) | Target::Nested(tx)) => {
                let _turn = TxState::turn(target).await;
                let mut guard = tx.lock().await;
                match guard.as_mut().ok_or(Error::TransactionClosed)? {
                    #[cfg(feature = "sqlite")]
                    TxConn::Sqlite(lease) => with_conn!(@run sqlx::Sqlite, lease, |$conn, $hold| $body),
                    #[cfg(feature = "postgres")]
                    TxConn::Postgres(lease) => with_conn!(@run sqlx::Postgres, lease, |$conn, $hold| $body),
                    #[cfg(feature = "mysql")]
                    TxConn::MySql(lease) => with_conn!(@run sqlx::MySql, lease, |$conn, $hold| $body),
                }
            }
        }
    };
}

/// A statement on its way: recorded, timed for tracing when enabled, and
/// its error checked for a disconnect.
struct Observed<'a> {
    shared: &'a Shared,
    started: Option<Instant>,
    text: Option<String>,
}

impl<'a> Observed<'a> {
    #[inline]
    fn start(shared: &'a Shared, sql: &Sql) -> Self {
        let started = shared.before(sql.as_str());
        Observed {
            shared,
            started,
            text: (started.is_some() || shared.recording()).then(|| sql.as_str().to_owned()),
        }
    }

    #[inline]
    fn finish<T>(self, result: Result<T>) -> Result<T> {
        // Refused before it was sent: not a statement that ran. (On MySQL a
        // transaction the server ended is refused so; PostgreSQL's answer
        // to a statement of an aborted one is its own.)
        let unsent = match &result {
            Err(Error::StatementTooLarge { .. }) => true,
            Err(Error::TransactionAborted { .. }) => self.shared.dialect() == Dialect::MySql,
            _ => false,
        };
        if let (true, Some(text)) = (unsent, &self.text) {
            self.shared.unrecord(text);
            return result;
        }
        self.shared.after(self.started, self.text.as_deref());
        result.map_err(|e| self.shared.failed(e))
    }
}

/// Refuses, before it is sent, a statement of more bound values than the
/// database takes in one (the server or the driver would refuse it with
/// an error of its own).
#[inline]
fn refuse_too_many(target: Target<'_>, values: usize) -> Result<()> {
    let limit = target.dialect().max_binds();
    if values > limit {
        return Err(Error::TooManyValues { values, limit });
    }
    Ok(())
}

/// Runs a query and decodes every row.
pub(crate) async fn fetch_all<T>(
    target: Target<'_>,
    sql: Sql,
    binds: impl Into<Binds<'_>>,
    mut decode: impl FnMut(RowRef<'_>) -> Result<T> + Send,
) -> Result<Vec<T>> {
    let binds = binds.into();
    if let Some(shared) = read_of(target, &sql) {
        for (at, replica) in shared.replicas_up().await {
            let on = Target::Pool(&replica);
            match fetch_all_on(on, sql.clone(), binds.clone(), &mut decode).await {
                Err(err) if unreachable(&err) => shared.replica_failed(at, &err),
                other => return other,
            }
        }
        return fetch_all_on(Target::Pool(shared), sql, binds, decode).await;
    }
    fetch_all_on(target, sql, binds, decode).await
}

/// The primary whose replicas may run `sql`: a read outside a transaction
/// through a handle with replicas.
fn read_of<'a>(target: Target<'a>, sql: &Sql) -> Option<&'a Arc<Shared>> {
    match target {
        Target::Reads(shared) if crate::sql::is_read(sql.as_str()) => Some(shared),
        _ => None,
    }
}

/// An error that says the server is out of reach (rather than that the
/// statement is wrong): a read may go elsewhere.
fn unreachable(err: &Error) -> bool {
    matches!(
        err,
        Error::Disconnected { .. } | Error::Connect { .. } | Error::PoolTimedOut
    )
}

/// [`fetch_all`] on the server of `target`.
async fn fetch_all_on<T>(
    target: Target<'_>,
    sql: Sql,
    binds: Binds<'_>,
    mut decode: impl FnMut(RowRef<'_>) -> Result<T> + Send,
) -> Result<Vec<T>> {
    if let Target::Pool(shared) = target
        && shared.pooled()
    {
        let tx = TxState::around_statement(shared).await?;
        let out = Box::pin(fetch_all_on(Target::Tx(&tx), sql, binds, decode)).await;
        return tx.finish_with(out).await;
    }
    refuse_too_many(target, binds.len())?;
    let observed = Observed::start(target.shared(), &sql);
    let persistent = !target.shared().pooled();
    let (sql, single) = sql.into_parts();
    let result = with_conn!(target, |conn, hold| fetch_generic(
        conn,
        hold,
        sql,
        single,
        binds,
        persistent,
        &mut decode
    )
    .await);
    observed.finish(result)
}

/// Runs a query expected to return at most one row (a lookup by key) and
/// decodes the first; the driver stops reading after it.
pub(crate) async fn fetch_optional<T>(
    target: Target<'_>,
    sql: Sql,
    binds: impl Into<Binds<'_>>,
    mut decode: impl FnMut(RowRef<'_>) -> Result<T> + Send,
) -> Result<Option<T>> {
    let binds = binds.into();
    if let Some(shared) = read_of(target, &sql) {
        for (at, replica) in shared.replicas_up().await {
            let on = Target::Pool(&replica);
            match fetch_optional_on(on, sql.clone(), binds.clone(), &mut decode).await {
                Err(err) if unreachable(&err) => shared.replica_failed(at, &err),
                other => return other,
            }
        }
        return fetch_optional_on(Target::Pool(shared), sql, binds, decode).await;
    }
    fetch_optional_on(target, sql, binds, decode).await
}

/// [`fetch_optional`] on the server of `target`.
async fn fetch_optional_on<T>(
    target: Target<'_>,
    sql: Sql,
    binds: Binds<'_>,
    mut decode: impl FnMut(RowRef<'_>) -> Result<T> + Send,
) -> Result<Option<T>> {
    if let Target::Pool(shared) = target
        && shared.pooled()
    {
        let tx = TxState::around_statement(shared).await?;
        let out = Box::pin(fetch_optional_on(Target::Tx(&tx), sql, binds, decode)).await;
        return tx.finish_with(out).await;
    }
    refuse_too_many(target, binds.len())?;
    let observed = Observed::start(target.shared(), &sql);
    let persistent = !target.shared().pooled();
    let (sql, single) = sql.into_parts();
    let result = with_conn!(target, |conn, hold| fetch_optional_generic(
        conn,
        hold,
        sql,
        single,
        binds,
        persistent,
        &mut decode
    )
    .await);
    observed.finish(result)
}

/// Runs a statement that returns no rows.
pub(crate) async fn execute(target: Target<'_>, sql: Sql, binds: Vec<Value>) -> Result<Done> {
    execute_binds(target, sql, binds.into(), true).await
}

/// [`execute`] of a statement whose binds are a validated model's values
/// (`Model::validate` ran `ColumnType::check` on each), which are bound
/// without checking them again.
pub(crate) async fn execute_validated(
    target: Target<'_>,
    sql: Sql,
    binds: impl Into<Binds<'_>>,
) -> Result<Done> {
    execute_binds(target, sql, binds.into(), false).await
}

async fn execute_binds(
    target: Target<'_>,
    sql: Sql,
    binds: Binds<'_>,
    check: bool,
) -> Result<Done> {
    let target = match target {
        Target::Reads(shared) => Target::Pool(shared),
        other => other,
    };
    if let Target::Pool(shared) = target
        && shared.pooled()
        && !binds.is_empty()
    {
        let tx = TxState::around_statement(shared).await?;
        let out = Box::pin(execute_binds(Target::Tx(&tx), sql, binds, check)).await;
        return tx.finish_with(out).await;
    }
    refuse_too_many(target, binds.len())?;
    let observed = Observed::start(target.shared(), &sql);
    let pooled = target.shared().pooled();
    let (sql, single) = sql.into_parts();
    let result = if pooled && binds.is_empty() {
        // Behind a pooler a statement without parameters goes in one
        // message (the simple protocol), which needs no transaction around
        // it: statements that cannot run in one (`CREATE DATABASE`,
        // `VACUUM`) work too.
        with_conn!(target, |conn, hold| execute_simple(conn, hold, sql).await)
    } else {
        with_conn!(target, |conn, hold| execute_generic(
            conn, hold, sql, single, binds, !pooled, check
        )
        .await)
    };
    observed.finish(result)
}

/// The rows of a bulk insert in PostgreSQL's binary COPY format (see
/// [`copy_insert`]): `columns` values per row, each row led by its
/// ordinal.
#[cfg(feature = "postgres")]
pub(crate) fn copy_data(values: Vec<Value>, columns: usize) -> Result<Vec<u8>> {
    postgres::copy_data(values, columns).map_err(|e| Error::Database(sqlx::Error::Encode(e)))
}

/// The rows of a bulk insert in PostgreSQL's text COPY format, `columns`
/// values per row, each led by its key from `keys` when given; `None`
/// when a value has no faithful text form.
#[cfg(feature = "postgres")]
pub(crate) fn copy_text(values: &[Value], columns: usize, keys: Option<&[i64]>) -> Option<Vec<u8>> {
    postgres::copy_text(values, columns, keys)
}

/// Runs PostgreSQL's bulk insert `plan` on the connection of `target`:
/// the staging table is made, `data` copied into it, its rows inserted
/// into the model's table (each row read back passed to `decode`, in the
/// input's order), the staging table dropped — in the transaction
/// `target` must be; or, for a copy straight into the table, the copy
/// alone, on a connection of the pool or in a transaction. Returns the
/// rows inserted.
#[cfg(feature = "postgres")]
pub(crate) async fn copy_insert(
    target: Target<'_>,
    plan: &crate::sql::CopyInsert,
    data: Vec<u8>,
    mut decode: impl FnMut(RowRef<'_>) -> Result<()> + Send,
) -> Result<u64> {
    let elsewhere = || Error::Config("a bulk copy runs on PostgreSQL only".to_string());
    let shared = target.shared();
    // A copy alone is one statement, atomic by itself: it runs on a
    // connection of the pool. With a staging table it needs the
    // transaction it is given.
    let mut own = None;
    let _turn = TxState::turn(target).await;
    let mut guard = None;
    let lease = match target {
        Target::Pool(shared) | Target::Reads(shared) if plan.create.is_none() => {
            match shared.pool() {
                Pool::Postgres(pool) => own.insert(Lease::acquire(shared, pool).await?),
                #[allow(unreachable_patterns)]
                _ => return Err(elsewhere()),
            }
        }
        Target::Pool(_) | Target::Reads(_) => {
            return Err(Error::Config(
                "a bulk copy through a staging table runs in a transaction".to_string(),
            ));
        }
        Target::Tx(tx) | Target::Nested(tx) => {
            let guard = guard.insert(tx.lock().await);
            match guard.as_mut().ok_or(Error::TransactionClosed)? {
                TxConn::Postgres(lease) => lease,
                #[allow(unreachable_patterns)]
                _ => return Err(elsewhere()),
            }
        }
    };
    let conn = lease.start();
    let step = async |sql: &str, conn: &mut sqlx::PgConnection| -> Result<u64> {
        let started = shared.before(sql);
        let out = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(conn)
            .await
            .map(|done| done.rows_affected())
            .map_err(Error::from);
        shared.after(started, Some(sql));
        out
    };
    let mut mid_copy = false;
    let out = async {
        if let Some(create) = &plan.create {
            step(create, &mut *conn).await?;
        }
        let started = shared.before(&plan.copy);
        let mut copy = conn.copy_in_raw(&plan.copy).await?;
        // A failure while the rows are sent leaves the connection
        // mid-copy: the lease stays busy and the connection is closed.
        mid_copy = true;
        copy.send(data).await?;
        // The server's answer to the rows (after which the connection is
        // in order again, its transaction failed if they were refused).
        let finished = copy.finish().await;
        mid_copy = false;
        let copied = finished?;
        shared.after(started, Some(&plan.copy));
        let Some(insert) = &plan.insert else {
            return Ok(copied);
        };
        let inserted = if plan.reads_back() {
            let started = shared.before(insert);
            let mut rows = sqlx::query(sqlx::AssertSqlSafe(insert.as_str()))
                .persistent(false)
                .fetch(&mut *conn);
            let mut count = 0;
            while let Some(row) = rows.try_next().await? {
                count += 1;
                decode(<sqlx::Postgres as Backend>::row(&row))?;
            }
            drop(rows);
            shared.after(started, Some(insert));
            count
        } else {
            step(insert, &mut *conn).await?
        };
        if let Some(drop) = &plan.drop {
            step(drop, &mut *conn).await?;
        }
        Ok(inserted)
    }
    .await;
    let out = if mid_copy { out } else { lease.settled(out) };
    out.map_err(|e| shared.failed(e))
}

/// Runs a script of several statements without parameters (schema files,
/// data dumps), as the driver's simple query protocol allows.
pub(crate) async fn execute_script(target: Target<'_>, script: &str) -> Result<()> {
    let shared = target.shared();
    // MySQL reads the script as one command (`COM_QUERY`).
    if let Some(limit) = shared.server.max_packet {
        fits_packet(script.len() + 1, limit)?;
    }
    shared.record(script);
    let sql = sqlx::AssertSqlSafe(script.to_owned());
    let result: Result<()> = with_conn!(target, |conn, hold| {
        hold.for_driver();
        sqlx::raw_sql(sql).execute(conn).await?;
        Ok(())
    });
    result.map_err(|e| shared.failed(e))
}

/// Runs a query and yields decoded rows as they arrive.
///
/// The connection (the pool's, or the transaction's, locked) is held
/// until the stream ends or is dropped; dropped early, it is abandoned
/// like any interrupted statement.
pub(crate) fn stream<'a, T, F>(
    target: Target<'a>,
    sql: Sql,
    binds: Vec<Value>,
    decode: F,
) -> BoxStream<'a, Result<T>>
where
    T: Send + 'a,
    F: FnMut(RowRef<'_>) -> Result<T> + Send + 'a,
{
    let shared = target.shared();
    if let Err(e) = refuse_too_many(target, binds.len()) {
        return futures_util::stream::once(async { Err(e) }).boxed();
    }
    let started = shared.before(sql.as_str());
    shared.after(started, Some(sql.as_str()));
    let (sql, _) = sql.into_parts();
    let pooled = shared.pooled();
    let persistent = !pooled;
    let rows: BoxStream<'a, Result<T>> = match target {
        // A stream reads from the primary: a replica lost mid-stream could
        // not be replaced without repeating rows.
        Target::Pool(shared) | Target::Reads(shared) => match shared.pool() {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => pool_stream(shared, p, sql, binds, pooled, decode),
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => pool_stream(shared, p, sql, binds, pooled, decode),
            #[cfg(feature = "mysql")]
            Pool::MySql(p) => pool_stream(shared, p, sql, binds, pooled, decode),
        },
        target @ (Target::Tx(tx) | Target::Nested(tx)) => Box::pin(async_stream::try_stream! {
            let _turn = TxState::turn(target).await;
            let mut guard = tx.lock().await;
            let conn = guard.as_mut().ok_or(Error::TransactionClosed)?;
            // A transaction a failed statement aborted takes no query
            // (PostgreSQL refuses it, MySQL would run it outside): said
            // here, so that the stream's error does not end the
            // transaction as an interrupted read does.
            if let Some((code, message)) = conn.aborted() {
                Err(Error::TransactionAborted { code, message })?;
            }
            match conn {
                #[cfg(feature = "sqlite")]
                TxConn::Sqlite(lease) => {
                    let mut rows = lease_rows(lease, sql, binds, persistent, decode);
                    while let Some(item) = rows.next().await {
                        yield item?;
                    }
                    drop(rows);
                    lease.busy = false;
                }
                #[cfg(feature = "postgres")]
                TxConn::Postgres(lease) => {
                    let mut rows = lease_rows(lease, sql, binds, persistent, decode);
                    while let Some(item) = rows.next().await {
                        yield item?;
                    }
                    drop(rows);
                    lease.busy = false;
                }
                #[cfg(feature = "mysql")]
                TxConn::MySql(lease) => {
                    let mut rows = lease_rows(lease, sql, binds, persistent, decode);
                    while let Some(item) = rows.next().await {
                        yield item?;
                    }
                    drop(rows);
                    lease.busy = false;
                }
            }
        }),
    };
    rows.map(move |row| row.map_err(|e| shared.failed(e)))
        .boxed()
}

/// The rows of a query on a connection leased from `pool` for the life of
/// the stream.
fn pool_stream<'a, DB, T, F>(
    shared: &'a Shared,
    pool: &'a sqlx::Pool<DB>,
    sql: SqlStr,
    binds: Vec<Value>,
    pooled: bool,
    decode: F,
) -> BoxStream<'a, Result<T>>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    T: Send + 'a,
    F: FnMut(RowRef<'_>) -> Result<T> + Send + 'a,
{
    Box::pin(async_stream::try_stream! {
        // The futures awaited before and after the rows are boxed, so that
        // the stream's own state while rows flow is only what reads them.
        let mut lease = Box::pin(DB::acquire(shared, pool)).await?;
        // Behind a transaction-pooling proxy the stream runs in a
        // transaction, so that its statement keeps one server connection.
        if pooled {
            lease.open = true;
            let begin = crate::sql::transaction(crate::sql::TransactionSql::Begin { immediate: false });
            let out = Box::pin(sqlx::raw_sql(begin).execute(lease.start())).await.map(drop).map_err(Error::from);
            lease.settle(&out);
            out?;
        }
        let mut rows = lease_rows(&mut lease, sql, binds, !pooled, decode);
        while let Some(item) = rows.next().await {
            yield item?;
        }
        drop(rows);
        lease.busy = false;
        if pooled {
            let commit = crate::sql::transaction(crate::sql::TransactionSql::Commit);
            let out = Box::pin(sqlx::raw_sql(commit).execute(lease.start())).await.map(drop).map_err(Error::from);
            lease.settle(&out);
            out?;
            lease.open = false;
        }
    })
}

/// Makes the fields of `model` listed in `columns` hold what the database
/// will store for them (see [`Backend::stored`]), so that a write returns
/// what its row holds.
pub(crate) fn store_as_written<M: crate::model::Model>(
    target: Target<'_>,
    model: &mut M,
    columns: &[usize],
) -> Result<()> {
    if columns.is_empty() {
        return Ok(());
    }
    let stored: fn(&Value) -> Option<Value> = match target.shared().pool() {
        #[cfg(feature = "sqlite")]
        Pool::Sqlite(_) => <sqlx::Sqlite as Backend>::stored,
        #[cfg(feature = "postgres")]
        Pool::Postgres(_) => <sqlx::Postgres as Backend>::stored,
        #[cfg(feature = "mysql")]
        Pool::MySql(_) => <sqlx::MySql as Backend>::stored,
    };
    for &i in columns {
        if let Some(v) = stored(&model.column_value(i)?) {
            model.set_column_value(i, v)?;
        }
    }
    Ok(())
}

/// Why user-written SQL holding several statements is refused.
pub(crate) fn several_statements() -> String {
    "raw SQL holds more than one statement, and raw() runs exactly one: nothing ran; send each statement on its own, or a trusted script with execute_script".into()
}

/// Registers the SQL functions the dialect relies on, on a new SQLite
/// connection.
#[cfg(feature = "sqlite")]
pub(crate) async fn sqlite_functions(conn: &mut sqlx::SqliteConnection) -> Result<(), sqlx::Error> {
    sqlite::register_functions(conn).await
}

/// Runs a transaction's BEGIN, COMMIT or ROLLBACK on the lease: on
/// SQLite's direct path where it runs (the connection stays locked), else
/// through the driver in one simple message.
async fn control<DB: Backend>(lease: &mut Lease<DB>, sql: SqlStr) -> Result<()>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let (conn, hold) = lease.start_marked();
    #[cfg(feature = "sqlite")]
    if let Route::Direct(conn) = DB::route(&mut *conn) {
        let none = Binds::Values(Vec::new());
        let direct = sqlite::execute_direct(conn, hold, sql.as_str(), &none, true, false, false);
        if let sqlite::Direct::Ran(_) = direct.await? {
            return Ok(());
        }
    }
    hold.for_driver();
    sqlx::raw_sql(sql)
        .execute(conn)
        .await
        .map(drop)
        .map_err(Error::from)
}

/// Which part of a transaction's life a statement is.
#[derive(Clone, Copy)]
enum TxStep {
    Commit,
    Rollback,
}

/// Opens a transaction on a connection of `shared`'s pool: `BEGIN` (`BEGIN
/// IMMEDIATE` on SQLite when `immediate`; the other backends have no such
/// thing).
async fn begin(
    shared: &Shared,
    immediate: bool,
    isolation: Option<crate::sql::Isolation>,
    record: bool,
) -> Result<TxConn> {
    async fn open<DB: Backend>(
        shared: &Shared,
        pool: &sqlx::Pool<DB>,
        sql: &'static str,
    ) -> Result<Lease<DB>>
    where
        for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    {
        let mut lease = DB::acquire(shared, pool).await?;
        // Open from the moment BEGIN may run: cancelled before its answer,
        // the lease rolls back (or closes) what BEGIN may have opened.
        lease.open = true;
        let out = control(&mut lease, sql.into_sql_str()).await;
        lease.settle(&out);
        if out.is_err() {
            lease.open = false;
        }
        out?;
        Ok(lease)
    }
    let begin = crate::sql::begin(shared.dialect(), immediate, isolation);
    if record {
        shared.record(begin);
    }
    let conn = match shared.pool() {
        #[cfg(feature = "sqlite")]
        Pool::Sqlite(p) => open(shared, p, begin).await.map(TxConn::Sqlite),
        #[cfg(feature = "postgres")]
        Pool::Postgres(p) => open(shared, p, begin).await.map(TxConn::Postgres),
        #[cfg(feature = "mysql")]
        Pool::MySql(p) => open(shared, p, begin).await.map(TxConn::MySql),
    };
    conn.map_err(|e| shared.failed(e))
}

/// Ends a transaction with COMMIT or ROLLBACK; its connection goes back to
/// the pool (or is abandoned, when the end could not be confirmed).
async fn end(shared: &Shared, conn: TxConn, step: TxStep, record: bool) -> Result<()> {
    async fn finish<DB: Backend>(mut lease: Lease<DB>, step: TxStep) -> Result<()>
    where
        for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    {
        let sql = crate::sql::transaction(match step {
            TxStep::Commit => crate::sql::TransactionSql::Commit,
            TxStep::Rollback => crate::sql::TransactionSql::Rollback,
        });
        let out = control(&mut lease, sql.into_sql_str()).await;
        lease.settle(&out);
        let ended = match (&out, step) {
            (Ok(()), _) => true,
            (Err(e), _) if e.is_disconnected() => false,
            (Err(_), TxStep::Commit) => DB::FAILED_COMMIT_ENDS_TRANSACTION,
            (Err(_), TxStep::Rollback) => false,
        };
        if ended {
            lease.open = false;
        }
        out
    }
    if record {
        shared.record(crate::sql::transaction(match step {
            TxStep::Commit => crate::sql::TransactionSql::Commit,
            TxStep::Rollback => crate::sql::TransactionSql::Rollback,
        }));
    }
    let out = match conn {
        #[cfg(feature = "sqlite")]
        TxConn::Sqlite(l) => finish(l, step).await,
        #[cfg(feature = "postgres")]
        TxConn::Postgres(l) => finish(l, step).await,
        #[cfg(feature = "mysql")]
        TxConn::MySql(l) => finish(l, step).await,
    };
    out.map_err(|e| shared.failed(e))
}

impl Shared {
    /// Records the statement for any live recorder; starts the clock when
    /// the `orm::sql` tracing target is enabled at debug level.
    fn before(&self, sql: &str) -> Option<Instant> {
        self.record(sql);
        tracing::enabled!(target: "orm::sql", tracing::Level::DEBUG).then(Instant::now)
    }

    fn after(&self, started: Option<Instant>, sql: Option<&str>) {
        if let (Some(started), Some(sql)) = (started, sql) {
            tracing::debug!(
                target: "orm::sql",
                elapsed_us = started.elapsed().as_micros() as u64,
                server = self.label(),
                "{sql}"
            );
        }
    }
}
