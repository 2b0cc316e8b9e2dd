//! Statement execution over the three sqlx backends.
//!
//! ```text
//!   Target::Db(&Db) ──► pool ─┐
//!                             ├─► generic sqlx code (one copy per backend) ─► RowRef ─► decode
//!   Target::Tx(&Tx) ──► lock ─┘
//! ```
//!
//! The generic functions here are written once over [`Backend`], a private
//! trait bundling what differs per backend (how a [`Value`] binds, how a
//! row is wrapped, what an execution reports). The `with_conn!` macro picks
//! the concrete pool or transaction connection and instantiates the generic
//! code for it. Every statement passes [`DbShared::observe`], which feeds the
//! statement recorder and the `orm::sql` tracing target.

#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

use std::time::Instant;

use futures_core::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use sqlx::error::BoxDynError;
use sqlx::{Arguments, IntoArguments, SqlSafeStr, SqlStr};

use crate::db::{DbShared, Pool, Tx, TxConn};
use crate::error::{Error, Result};
use crate::value::{RowRef, Value};

/// Where a statement runs: the pool, or an open transaction.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub enum Target<'a> {
    /// Any pooled connection.
    Db(&'a crate::Db),
    /// The transaction's connection.
    Tx(&'a Tx),
}

impl<'a> Target<'a> {
    pub(crate) fn shared(self) -> &'a DbShared {
        match self {
            Target::Db(db) => db.shared(),
            Target::Tx(tx) => tx.db().shared(),
        }
    }
}

/// SQL text: a model's cached statement, or one rendered for this call.
pub(crate) enum Sql {
    Static(&'static str),
    Owned(String),
}

impl Sql {
    fn as_str(&self) -> &str {
        match self {
            Sql::Static(s) => s,
            Sql::Owned(s) => s,
        }
    }

    fn into_sql_str(self) -> SqlStr {
        match self {
            Sql::Static(s) => s.into_sql_str(),
            // Only text rendered by the dialect layer reaches here; values
            // travel as binds.
            Sql::Owned(s) => sqlx::AssertSqlSafe(s).into_sql_str(),
        }
    }
}

/// What an executed statement reports.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Done {
    pub rows_affected: u64,
    pub last_insert_id: Option<u64>,
}

/// What differs between the sqlx backends, bundled once.
pub(crate) trait Backend: sqlx::Database {
    /// Drain a result before decoding it. SQLite reads rows on a worker
    /// thread that hands them over in batches: draining first keeps that
    /// thread from waiting on decoding. The network backends decode rows
    /// as they arrive.
    const DRAIN_FIRST: bool = false;
    fn bind(args: &mut Self::Arguments, value: Value) -> Result<(), BoxDynError>;
    fn row(row: &Self::Row) -> RowRef<'_>;
    fn done(result: &Self::QueryResult) -> Done;
}

fn arguments<DB: Backend>(binds: Vec<Value>) -> Result<DB::Arguments> {
    let mut args = DB::Arguments::default();
    args.reserve(binds.len(), binds.len() * 8);
    for value in binds {
        DB::bind(&mut args, value).map_err(|e| Error::Database(sqlx::Error::Encode(e)))?;
    }
    Ok(args)
}

async fn fetch_generic<'e, DB, E, T>(
    exec: E,
    sql: SqlStr,
    binds: Vec<Value>,
    decode: &mut (impl FnMut(RowRef<'_>) -> Result<T> + Send),
) -> Result<Vec<T>>
where
    DB: Backend,
    E: sqlx::Executor<'e, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
{
    let args = arguments::<DB>(binds)?;
    let query = sqlx::query_with(sql, args);
    if DB::DRAIN_FIRST {
        let rows = query.fetch_all(exec).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(decode(DB::row(row))?);
        }
        return Ok(out);
    }
    let mut rows = query.fetch(exec);
    let mut out = Vec::new();
    while let Some(row) = rows.try_next().await? {
        out.push(decode(DB::row(&row))?);
    }
    Ok(out)
}

async fn fetch_optional_generic<'e, DB, E, T>(
    exec: E,
    sql: SqlStr,
    binds: Vec<Value>,
    decode: &mut (impl FnMut(RowRef<'_>) -> Result<T> + Send),
) -> Result<Option<T>>
where
    DB: Backend,
    E: sqlx::Executor<'e, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
{
    let args = arguments::<DB>(binds)?;
    match sqlx::query_with(sql, args).fetch_optional(exec).await? {
        Some(row) => decode(DB::row(&row)).map(Some),
        None => Ok(None),
    }
}

async fn execute_generic<'e, DB, E>(exec: E, sql: SqlStr, binds: Vec<Value>) -> Result<Done>
where
    DB: Backend,
    E: sqlx::Executor<'e, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
{
    let args = arguments::<DB>(binds)?;
    let result = sqlx::query_with(sql, args).execute(exec).await?;
    Ok(DB::done(&result))
}

fn stream_generic<'e, DB, E, T, F>(
    exec: E,
    sql: SqlStr,
    binds: Vec<Value>,
    mut decode: F,
) -> BoxStream<'e, Result<T>>
where
    DB: Backend,
    E: sqlx::Executor<'e, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    T: Send + 'e,
    F: FnMut(RowRef<'_>) -> Result<T> + Send + 'e,
{
    match arguments::<DB>(binds) {
        Ok(args) => sqlx::query_with(sql, args)
            .fetch(exec)
            .map(move |row| decode(DB::row(&row?)))
            .boxed(),
        Err(e) => futures_util::stream::once(async move { Err(e) }).boxed(),
    }
}

/// Runs `$body` with `$conn` bound to the concrete sqlx executor of
/// `$target`: the pool, or the transaction's connection (locked for the
/// duration of the body).
macro_rules! with_conn {
    ($target:expr, |$conn:ident| $body:expr) => {
        match $target {
            // A connection is taken from the pool for the whole statement:
            // reading rows from it directly avoids the pool executor's
            // per-row forwarding.
            Target::Db(db) => match db.pool() {
                #[cfg(feature = "sqlite")]
                Pool::Sqlite(pool) => {
                    let mut pooled = pool.acquire().await?;
                    let $conn = &mut *pooled;
                    $body
                }
                #[cfg(feature = "postgres")]
                Pool::Postgres(pool) => {
                    let mut pooled = pool.acquire().await?;
                    let $conn = &mut *pooled;
                    $body
                }
                #[cfg(feature = "mysql")]
                Pool::MySql(pool) => {
                    let mut pooled = pool.acquire().await?;
                    let $conn = &mut *pooled;
                    $body
                }
            },
            Target::Tx(tx) => {
                let mut guard = tx.lock().await;
                match guard.as_mut().ok_or(Error::TransactionClosed)? {
                    #[cfg(feature = "sqlite")]
                    TxConn::Sqlite(t) => {
                        let $conn = &mut **t;
                        $body
                    }
                    #[cfg(feature = "postgres")]
                    TxConn::Postgres(t) => {
                        let $conn = &mut **t;
                        $body
                    }
                    #[cfg(feature = "mysql")]
                    TxConn::MySql(t) => {
                        let $conn = &mut **t;
                        $body
                    }
                }
            }
        }
    };
}

/// Runs a query and decodes every row.
pub(crate) async fn fetch_all<T>(
    target: Target<'_>,
    sql: Sql,
    binds: Vec<Value>,
    mut decode: impl FnMut(RowRef<'_>) -> Result<T> + Send,
) -> Result<Vec<T>> {
    let shared = target.shared();
    let started = shared.before(sql.as_str());
    let text = started.map(|_| sql.as_str().to_owned());
    let sql = sql.into_sql_str();
    let result = with_conn!(target, |conn| fetch_generic(conn, sql, binds, &mut decode)
        .await);
    shared.after(started, text.as_deref());
    result.map_err(|e| shared.failed(e))
}

/// Runs a query expected to return at most one row (a lookup by key) and
/// decodes the first; the driver stops reading after it.
pub(crate) async fn fetch_optional<T>(
    target: Target<'_>,
    sql: Sql,
    binds: Vec<Value>,
    mut decode: impl FnMut(RowRef<'_>) -> Result<T> + Send,
) -> Result<Option<T>> {
    let shared = target.shared();
    let started = shared.before(sql.as_str());
    let text = started.map(|_| sql.as_str().to_owned());
    let sql = sql.into_sql_str();
    let result = with_conn!(target, |conn| fetch_optional_generic(
        conn,
        sql,
        binds,
        &mut decode
    )
    .await);
    shared.after(started, text.as_deref());
    result.map_err(|e| shared.failed(e))
}

/// Runs a statement that returns no rows.
pub(crate) async fn execute(target: Target<'_>, sql: Sql, binds: Vec<Value>) -> Result<Done> {
    let shared = target.shared();
    let started = shared.before(sql.as_str());
    let text = started.map(|_| sql.as_str().to_owned());
    let sql = sql.into_sql_str();
    let result = with_conn!(target, |conn| execute_generic(conn, sql, binds).await);
    shared.after(started, text.as_deref());
    result.map_err(|e| shared.failed(e))
}

/// Runs a script of several statements without parameters (schema files,
/// data dumps), as the driver's simple query protocol allows.
pub(crate) async fn execute_script(target: Target<'_>, script: &str) -> Result<()> {
    let shared = target.shared();
    shared.record(script);
    let sql = sqlx::AssertSqlSafe(script.to_owned());
    let result: Result<()> = with_conn!(target, |conn| {
        sqlx::raw_sql(sql).execute(conn).await?;
        Ok(())
    });
    result.map_err(|e| shared.failed(e))
}

/// Runs a query and yields decoded rows as they arrive.
///
/// On a transaction, its connection stays locked until the stream is
/// dropped.
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
    let started = shared.before(sql.as_str());
    shared.after(started, Some(sql.as_str()));
    let sql = sql.into_sql_str();
    let rows = match target {
        Target::Db(db) => match db.pool() {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => stream_generic(p, sql, binds, decode),
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => stream_generic(p, sql, binds, decode),
            #[cfg(feature = "mysql")]
            Pool::MySql(p) => stream_generic(p, sql, binds, decode),
        },
        Target::Tx(tx) => Box::pin(async_stream::try_stream! {
            let mut guard = tx.lock().await;
            let mut rows = match guard.as_mut().ok_or(Error::TransactionClosed)? {
                #[cfg(feature = "sqlite")]
                TxConn::Sqlite(t) => stream_generic(&mut **t, sql, binds, decode),
                #[cfg(feature = "postgres")]
                TxConn::Postgres(t) => stream_generic(&mut **t, sql, binds, decode),
                #[cfg(feature = "mysql")]
                TxConn::MySql(t) => stream_generic(&mut **t, sql, binds, decode),
            };
            while let Some(item) = rows.next().await {
                yield item?;
            }
        }),
    };
    rows.map(move |row| row.map_err(|e| shared.failed(e)))
        .boxed()
}

impl DbShared {
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
                "{sql}"
            );
        }
    }
}
