//! SQLite: binding, result reporting, what becomes of an abandoned
//! connection, and the one-statement check of user-written SQL.

use std::borrow::Cow;
use std::ffi::{CString, c_char};
use std::future::Future;
use std::ptr::{NonNull, null, null_mut};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use libsqlite3_sys as ffi;
use sqlx::Arguments;
use sqlx::error::BoxDynError;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{Sqlite, SqliteArguments, SqliteConnection, SqliteQueryResult, SqliteRow};

use super::{Backend, Done, Hold, Lease, Route};
use crate::sql::SQLITE_CASEFOLD as CASEFOLD;
use crate::value::{Bind, Binds, RowRef, Value};

impl Backend for Sqlite {
    /// An offset date-time is written (and so read back) in UTC.
    fn stored(value: &Value) -> Option<Value> {
        if let Some(zero) = super::unsigned_zero(value) {
            return Some(zero);
        }
        #[cfg(feature = "time")]
        if let Value::TimeOffset(t) = value
            && !t.offset().is_utc()
        {
            return Some(Value::TimeOffset(t.to_offset(time::UtcOffset::UTC)));
        }
        let _ = value;
        None
    }

    const DRAIN_FIRST: bool = true;
    const FAILED_COMMIT_ENDS_TRANSACTION: bool = false;

    /// The worker thread runs the connection's commands in order: a
    /// ROLLBACK sent after the cancelled ones ends the transaction, and
    /// the connection (which may hold an in-memory database) stays.
    /// Without a transaction the connection is parked for the next lease
    /// (its commands run before that lease's, which first sees the worker
    /// back at its loop), not given to sqlx's pool on a task of the
    /// current runtime, which may never run it.
    fn abandon(mut conn: PoolConnection<Sqlite>, open: bool, hold: &mut Hold) {
        if !open {
            if let (Some(home), Some(since)) = (hold.sqlite.home.take(), hold.sqlite.since) {
                home.park(Parked {
                    locked: true,
                    handle: None,
                    conn: Some(conn),
                    since,
                    at: Instant::now(),
                });
            }
            return;
        }
        // A runtime is current: a lease dropped without one closes its
        // connection before it gets here.
        tokio::spawn(async move {
            let rollback = crate::sql::transaction(crate::sql::TransactionSql::Rollback);
            if let Err(e) = sqlx::raw_sql(rollback).execute(&mut *conn).await {
                // A COMMIT queued before the ROLLBACK already ended the
                // transaction; anything else leaves the connection unsure.
                if !e.to_string().contains("no transaction is active") {
                    drop(conn.detach());
                }
            }
        });
    }

    fn bind_str(args: &mut SqliteArguments, value: &str) -> Result<(), BoxDynError> {
        args.add(value)
    }

    fn bind_bytes(args: &mut SqliteArguments, value: &[u8]) -> Result<(), BoxDynError> {
        args.add(value)
    }

    fn bind(args: &mut SqliteArguments, value: Value) -> Result<(), BoxDynError> {
        match value {
            Value::String(v) => args.add(v),
            Value::Bytes(v) => args.add(v),
            value => match cell_of(&value)? {
                // SQLite values are dynamically typed: one NULL fits every column.
                Cell::Null => args.add(None::<i64>),
                Cell::Int(v) => args.add(v),
                Cell::Real(v) => args.add(v),
                Cell::Text(v) => args.add(v.into_owned()),
                Cell::Blob(v) => args.add(v.into_owned()),
            },
        }
    }

    async fn ensure_single(
        conn: &mut SqliteConnection,
        hold: &mut Hold,
        sql: &str,
    ) -> crate::Result<()> {
        let db = lock(conn, hold).await?;
        let several = statements_follow(db, sql);
        // A statement through sqlx's worker follows.
        hold.for_driver();
        if several {
            return Err(crate::Error::Config(super::several_statements()));
        }
        Ok(())
    }

    fn acquire<'a>(
        shared: &'a super::Shared,
        pool: &'a sqlx::SqlitePool,
    ) -> impl Future<Output = crate::Result<Lease<Sqlite>>> + Send + 'a {
        shared.parking().acquire(pool)
    }

    /// Parks the connection, locked or not: given back to sqlx's pool,
    /// it would go back on a task spawned on the current runtime, and a
    /// current-thread runtime dropped or no longer driven would never run
    /// it (an in-memory database would lose its only connection).
    fn release(conn: PoolConnection<Sqlite>, hold: &mut Hold) {
        let keep = &mut hold.sqlite;
        match (keep.home.take(), keep.since) {
            (Some(home), Some(since)) => home.park(Parked {
                locked: hold.locked || keep.handle.is_some(),
                handle: keep.handle.take(),
                conn: Some(conn),
                since,
                at: Instant::now(),
            }),
            // Unlocked first: the handle borrows from the connection.
            _ => {
                drop(keep.handle.take());
                drop(conn);
            }
        }
    }

    fn row(row: &SqliteRow) -> RowRef<'_> {
        RowRef::Sqlite(row)
    }

    fn route(conn: &mut SqliteConnection) -> Route<'_, SqliteConnection> {
        if direct_available() {
            Route::Direct(conn)
        } else {
            Route::Driver(conn)
        }
    }

    fn done(result: &SqliteQueryResult) -> Done {
        Done {
            rows_affected: result.rows_affected(),
            last_insert_id: u64::try_from(result.last_insert_rowid()).ok(),
        }
    }
}

/// A value as SQLite stores it. Both ways of running a statement bind
/// through this, so they store the same: dates and times as sqlx writes
/// them (text), an offset date-time in UTC, a UUID as its 16 bytes, a
/// decimal and JSON as text.
enum Cell<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(Cow<'a, str>),
    Blob(Cow<'a, [u8]>),
}

fn cell_of(value: &Value) -> Result<Cell<'_>, BoxDynError> {
    Ok(match value {
        Value::Null(_) => Cell::Null,
        Value::Bool(v) => Cell::Int((*v).into()),
        Value::I16(v) => Cell::Int((*v).into()),
        Value::I32(v) => Cell::Int((*v).into()),
        Value::I64(v) => Cell::Int(*v),
        Value::F32(v) => Cell::Real((*v).into()),
        Value::F64(v) => Cell::Real(*v),
        Value::String(v) => Cell::Text(Cow::Borrowed(v)),
        Value::Bytes(v) => Cell::Blob(Cow::Borrowed(v)),
        #[cfg(feature = "chrono")]
        Value::Date(v) => Cell::Text(v.format("%F").to_string().into()),
        #[cfg(feature = "chrono")]
        Value::DateTime(v) => Cell::Text(v.format("%F %T%.f").to_string().into()),
        #[cfg(feature = "chrono")]
        Value::DateTimeUtc(v) => Cell::Text(
            v.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
                .into(),
        ),
        #[cfg(feature = "time")]
        Value::TimeDate(v) => Cell::Text(
            v.format(time::macros::format_description!("[year]-[month]-[day]"))?
                .into(),
        ),
        #[cfg(feature = "time")]
        Value::TimeDateTime(v) => Cell::Text(
            v.format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second].[subsecond]"
            ))?
            .into(),
        ),
        // In UTC: SQLite compares the text, so every value must be written
        // with the same offset.
        #[cfg(feature = "time")]
        Value::TimeOffset(v) => Cell::Text(
            v.to_offset(time::UtcOffset::UTC)
                .format(&time::format_description::well_known::Rfc3339)?
                .into(),
        ),
        #[cfg(feature = "uuid")]
        Value::Uuid(v) => Cell::Blob(Cow::Borrowed(v.as_bytes())),
        #[cfg(feature = "rust_decimal")]
        Value::Decimal(v) => Cell::Text(v.to_string().into()),
        #[cfg(feature = "json")]
        Value::Json(v) => Cell::Text(v.to_string().into()),
        // Lists are spread into one placeholder each by the dialect.
        Value::Array(..) => return Err("an array parameter is PostgreSQL-only".into()),
    })
}

/// True when SQLite's parser finds a statement after the first one in
/// `sql` (whitespace, comments and empty statements do not count). When
/// the first statement does not parse, running it reports the error, so
/// this says no.
fn statements_follow(db: NonNull<ffi::sqlite3>, sql: &str) -> bool {
    let Ok(text) = CString::new(sql) else {
        // A NUL byte: SQLite would stop reading there.
        return true;
    };
    let mut rest: *const c_char = text.as_ptr();
    let mut first = true;
    loop {
        let mut stmt: *mut ffi::sqlite3_stmt = null_mut();
        let mut tail: *const c_char = null();
        // SAFETY: `db` is the open handle of a connection whose worker is
        // locked out for the duration (`lock_handle`); `rest` points into
        // `text`, a NUL-terminated string that outlives the call; the
        // statement prepared is finalized before the next iteration.
        let rc = unsafe { ffi::sqlite3_prepare_v2(db.as_ptr(), rest, -1, &mut stmt, &mut tail) };
        let found = !stmt.is_null();
        if found {
            // SAFETY: `stmt` was just prepared on `db` and is not used again.
            unsafe { ffi::sqlite3_finalize(stmt) };
        }
        if rc != ffi::SQLITE_OK {
            // The first statement does not parse: its own run says why.
            // Text after it that does not parse is another statement.
            return !first;
        }
        if found && !first {
            return true;
        }
        if found {
            first = false;
        }
        // SAFETY: SQLite sets `tail` to a position within `rest`'s string.
        if tail.is_null() || unsafe { *tail } == 0 || tail == rest {
            return false;
        }
        rest = tail;
    }
}

/// Registers the dialect's case-folding function on a new connection and
/// gives it the direct path's statement cache.
pub(crate) async fn register_functions(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle();
    install_cache(db)?;
    let name = CString::new(CASEFOLD).map_err(|e| sqlx::Error::Configuration(e.into()))?;
    // SAFETY: `db` is the connection's open handle, its worker locked out
    // (`lock_handle`); `name` outlives the call (SQLite copies it);
    // `casefold` matches the signature SQLite calls.
    let rc = unsafe {
        ffi::sqlite3_create_function_v2(
            db.as_ptr(),
            name.as_ptr(),
            1,
            ffi::SQLITE_UTF8 | ffi::SQLITE_DETERMINISTIC,
            null_mut(),
            Some(casefold),
            None,
            None,
            None,
        )
    };
    if rc != ffi::SQLITE_OK {
        return Err(sqlx::Error::Configuration(
            format!("registering {CASEFOLD} failed with SQLite code {rc}").into(),
        ));
    }
    drop(handle);
    // The worker back at its loop before the connection is lent (a lock
    // right after this one could hang; see `fetch_all_direct`).
    sqlx::Connection::ping(conn).await
}

/// The case-folding function: the text in Unicode lower case; NULL stays NULL.
unsafe extern "C" fn casefold(
    ctx: *mut ffi::sqlite3_context,
    argc: std::ffi::c_int,
    argv: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: SQLite calls this with `argc` (1, as registered) values in
    // `argv`; the text pointer and byte count describe one value's UTF-8
    // text, valid until the next call on that value; the result is copied
    // by SQLite (SQLITE_TRANSIENT).
    unsafe {
        if argc != 1 {
            ffi::sqlite3_result_null(ctx);
            return;
        }
        let value = *argv;
        if ffi::sqlite3_value_type(value) == ffi::SQLITE_NULL {
            ffi::sqlite3_result_null(ctx);
            return;
        }
        let text = ffi::sqlite3_value_text(value);
        let len = ffi::sqlite3_value_bytes(value);
        let bytes = if text.is_null() || len <= 0 {
            &[][..]
        } else {
            std::slice::from_raw_parts(text, len as usize)
        };
        let folded = String::from_utf8_lossy(bytes).to_lowercase();
        ffi::sqlite3_result_text(
            ctx,
            folded.as_ptr().cast::<c_char>(),
            folded.len() as std::ffi::c_int,
            ffi::SQLITE_TRANSIENT(),
        );
    }
}

// ---------------------------------------------------------------------------
// The direct path: a query's rows read on the caller's thread.
//
// sqlx runs each SQLite connection on a worker thread and sends every row
// across to the caller, copying each value out of SQLite first. The direct
// path locks the worker out (`lock_handle`, one hand-off), prepares (or
// finds in its cache) the statement on the connection's own handle, binds,
// steps and decodes each row straight from `sqlite3_column_*` into the
// caller's type, in slices of about 200 µs with a yield to the runtime
// between them. Nothing crosses threads per row. The connection stays
// locked after the statement, through its lease and, between leases, in
// the database's `Parking`: the next statement on it crosses no thread at
// all. Statements that go through sqlx (scripts, the migrator, a
// current-thread runtime) give the handle back to the worker first.
// ---------------------------------------------------------------------------

/// The name the statement cache is kept under on each connection.
const CACHE_NAME: &std::ffi::CStr = c"orm.direct.statements";

/// Statements the direct path prepared on one connection, by SQL text.
/// It lives on the connection (`sqlite3_set_clientdata`) and is emptied
/// when the connection closes (a `SQLITE_TRACE_CLOSE` hook runs before
/// SQLite checks for unfinalized statements), so sqlx's close finds none.
#[derive(Default)]
struct StatementCache {
    statements: rustc_hash::FxHashMap<Box<str>, Cached>,
}

/// A statement of the cache, with how many rows it returned last time, if
/// that was many ([`MANY_ROWS`]): a query that reads all its rows sizes
/// its result for that many before the first, so the result does not
/// grow by doubling, each time copying every row so far in one go (up to
/// several milliseconds for thousands of rows, between two yields).
#[derive(Clone, Copy)]
struct Cached {
    stmt: NonNull<ffi::sqlite3_stmt>,
    rows: u32,
}

/// From how many rows a statement's row count is kept.
const MANY_ROWS: usize = 1024;

/// The most rows a result is sized for before its first row.
const MOST_ROWS: usize = 1 << 16;

/// sqlx's own statement cache holds 100 per connection; ours holds as many.
const CACHE_CAPACITY: usize = 100;

impl StatementCache {
    fn finalize_all(&mut self) {
        for (_, Cached { stmt, .. }) in self.statements.drain() {
            // SAFETY: prepared by the direct path on this connection and
            // not in use (the connection is locked or closing).
            unsafe { ffi::sqlite3_finalize(stmt.as_ptr()) };
        }
    }
}

unsafe extern "C" fn close_hook(
    mask: std::ffi::c_uint,
    cache: *mut std::ffi::c_void,
    _db: *mut std::ffi::c_void,
    _unused: *mut std::ffi::c_void,
) -> std::ffi::c_int {
    if mask == ffi::SQLITE_TRACE_CLOSE as std::ffi::c_uint && !cache.is_null() {
        // SAFETY: `cache` is the connection's cache, registered with this
        // hook and freed only by the client data destructor, which SQLite
        // runs after this hook.
        unsafe { (*cache.cast::<StatementCache>()).finalize_all() };
    }
    0
}

unsafe extern "C" fn free_cache(cache: *mut std::ffi::c_void) {
    // SAFETY: the box made in `install_cache`, given to SQLite, freed once.
    let mut cache = unsafe { Box::from_raw(cache.cast::<StatementCache>()) };
    cache.finalize_all();
}

/// Gives a new connection its statement cache and the hook that empties it.
fn install_cache(db: NonNull<ffi::sqlite3>) -> Result<(), sqlx::Error> {
    let cache = Box::into_raw(Box::<StatementCache>::default()).cast::<std::ffi::c_void>();
    // SAFETY: `db` is the connection's open handle, its worker locked out;
    // SQLite owns `cache` from here and frees it with `free_cache` when the
    // connection closes; the hook reads it until then.
    let rc = unsafe {
        let rc =
            ffi::sqlite3_set_clientdata(db.as_ptr(), CACHE_NAME.as_ptr(), cache, Some(free_cache));
        if rc == ffi::SQLITE_OK {
            ffi::sqlite3_trace_v2(
                db.as_ptr(),
                ffi::SQLITE_TRACE_CLOSE as std::ffi::c_uint,
                Some(close_hook),
                cache,
            )
        } else {
            drop(Box::from_raw(cache.cast::<StatementCache>()));
            rc
        }
    };
    if rc != ffi::SQLITE_OK {
        return Err(sqlx::Error::Configuration(
            format!("setting up the statement cache failed with SQLite code {rc}").into(),
        ));
    }
    Ok(())
}

/// The connection's statement cache, if it has one.
fn cache_of<'a>(db: NonNull<ffi::sqlite3>) -> Option<&'a mut StatementCache> {
    // SAFETY: the pointer stored by `install_cache`, alive as long as the
    // connection; the caller holds the connection's lock, so no one else
    // touches it.
    unsafe {
        let cache = ffi::sqlite3_get_clientdata(db.as_ptr(), CACHE_NAME.as_ptr());
        cache.cast::<StatementCache>().as_mut()
    }
}

/// A SQLite error of the direct path, classified as sqlx's own.
#[derive(Debug)]
struct DirectError {
    code: std::ffi::c_int,
    message: String,
}

impl DirectError {
    /// The connection's last error.
    fn last(db: NonNull<ffi::sqlite3>) -> Self {
        // SAFETY: the connection's open handle, locked; the message is a
        // NUL-terminated string SQLite owns, copied before anything else
        // runs on the connection.
        unsafe {
            let code = ffi::sqlite3_extended_errcode(db.as_ptr());
            let text = ffi::sqlite3_errmsg(db.as_ptr());
            let message = if text.is_null() {
                String::new()
            } else {
                std::ffi::CStr::from_ptr(text)
                    .to_string_lossy()
                    .into_owned()
            };
            DirectError { code, message }
        }
    }
}

impl std::fmt::Display for DirectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "(code: {}) {}", self.code, self.message)
    }
}

impl std::error::Error for DirectError {}

impl sqlx::error::DatabaseError for DirectError {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
        Some(self.code.to_string().into())
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    /// As the rest of the crate reads SQLite's extended codes.
    fn kind(&self) -> sqlx::error::ErrorKind {
        crate::error::kind_from_code(&self.code.to_string(), &self.message)
    }
}

fn direct_error(db: NonNull<ffi::sqlite3>) -> crate::Error {
    crate::Error::from(sqlx::Error::Database(Box::new(DirectError::last(db))))
}

/// True when the direct path may run here: on a multi-threaded tokio
/// runtime, where other workers take over the tasks waiting on this
/// thread while it steps a slice (and a long single step, an aggregate,
/// holds one worker, not the runtime). Elsewhere (a current-thread
/// runtime) statements go through sqlx's worker thread, which keeps the
/// runtime's one thread free.
///
/// The slices run on the task's own thread rather than inside
/// `tokio::task::block_in_place`, which panics inside a `LocalSet` (and
/// nothing tells beforehand whether it would).
pub(super) fn direct_available() -> bool {
    tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread)
}

/// A statement of the direct path, reset (and its bindings cleared) when
/// dropped, or finalized when it was prepared for one use.
struct Running {
    stmt: NonNull<ffi::sqlite3_stmt>,
    cached: bool,
    /// The rows the cached statement returned last time, when many.
    rows: u32,
}

impl Drop for Running {
    fn drop(&mut self) {
        // SAFETY: the statement is ours until dropped, on a locked
        // connection; a reset statement holds no lock and no row.
        unsafe {
            if self.cached {
                ffi::sqlite3_reset(self.stmt.as_ptr());
                ffi::sqlite3_clear_bindings(self.stmt.as_ptr());
            } else {
                ffi::sqlite3_finalize(self.stmt.as_ptr());
            }
        }
    }
}

/// Prepares the first statement of `sql` on `db`, or takes it from the
/// connection's cache; with it, the text after it (empty when nothing but
/// spaces and semicolons follows). `None` for text without a statement
/// (only whitespace or comments). Only text holding one statement is
/// cached.
fn prepare(
    db: NonNull<ffi::sqlite3>,
    sql: &str,
    persistent: bool,
) -> crate::Result<(Option<Running>, &str)> {
    let mut cache = if persistent { cache_of(db) } else { None };
    if let Some(cache) = cache.as_deref_mut()
        && let Some(&Cached { stmt, rows }) = cache.statements.get(sql)
    {
        return Ok((
            Some(Running {
                stmt,
                cached: true,
                rows,
            }),
            "",
        ));
    }
    let len = std::ffi::c_int::try_from(sql.len())
        .map_err(|_| crate::Error::Config("the SQL text is longer than SQLite takes".into()))?;
    let flags = if cache.is_some() {
        ffi::SQLITE_PREPARE_PERSISTENT
    } else {
        0
    };
    let mut stmt: *mut ffi::sqlite3_stmt = null_mut();
    let mut tail: *const c_char = null();
    // SAFETY: `db` is locked for this thread; `sql` is read for `len`
    // bytes (it need not be NUL-terminated); the statement is owned by the
    // returned `Running` or the cache; `tail` points into `sql`.
    let rc = unsafe {
        ffi::sqlite3_prepare_v3(
            db.as_ptr(),
            sql.as_ptr().cast::<c_char>(),
            len,
            flags as std::ffi::c_uint,
            &mut stmt,
            &mut tail,
        )
    };
    if rc != ffi::SQLITE_OK {
        return Err(direct_error(db));
    }
    let used = if tail.is_null() {
        sql.len()
    } else {
        // SAFETY: SQLite sets `tail` within the `len` bytes it read.
        (unsafe { tail.offset_from(sql.as_ptr().cast::<c_char>()) }) as usize
    };
    // SQLite stops at a statement's end, a character boundary.
    let rest = sql.get(used..).unwrap_or_default();
    let rest = if rest
        .trim_start_matches(|c: char| c.is_whitespace() || c == ';')
        .is_empty()
    {
        ""
    } else {
        rest
    };
    let Some(stmt) = NonNull::new(stmt) else {
        return Ok((None, rest));
    };
    let cached = match cache {
        Some(cache) if rest.is_empty() => {
            if cache.statements.len() >= CACHE_CAPACITY {
                cache.finalize_all();
            }
            cache
                .statements
                .insert(sql.into(), Cached { stmt, rows: 0 });
            true
        }
        _ => false,
    };
    Ok((
        Some(Running {
            stmt,
            cached,
            rows: 0,
        }),
        rest,
    ))
}

/// Binds `binds` to the statement's parameters as sqlx does: `?NNN` and
/// `$NNN` by number, plain `?` in order; parameters beyond the values stay
/// NULL.
fn bind_all(
    db: NonNull<ffi::sqlite3>,
    stmt: NonNull<ffi::sqlite3_stmt>,
    binds: &Binds<'_>,
) -> crate::Result<()> {
    let s = stmt.as_ptr();
    // SAFETY: a prepared statement of the locked connection.
    let count = unsafe { ffi::sqlite3_bind_parameter_count(s) };
    let mut next = 0usize;
    for param in 1..=count {
        // SAFETY: as above; the name is a NUL-terminated string SQLite owns.
        let name = unsafe { ffi::sqlite3_bind_parameter_name(s, param) };
        let n = if name.is_null() {
            next += 1;
            next
        } else {
            // SAFETY: non-null, NUL-terminated, owned by the statement.
            let name = unsafe { std::ffi::CStr::from_ptr(name) }.to_string_lossy();
            let number = name
                .strip_prefix('?')
                .or_else(|| name.strip_prefix('$'))
                .and_then(|n| n.parse::<usize>().ok());
            match number {
                Some(n) => n,
                None => {
                    return Err(crate::Error::Database(sqlx::Error::Protocol(format!(
                        "unsupported SQL parameter format: {name}"
                    ))));
                }
            }
        };
        let Some(value) = n.checked_sub(1).and_then(|i| binds.get(i)) else {
            // SQLite treats unbound parameters as NULL (sqlx does too).
            break;
        };
        let cell = match value {
            Bind::Value(value) => {
                cell_of(value).map_err(|e| crate::Error::Database(sqlx::Error::Encode(e)))?
            }
            Bind::Str(v) => Cell::Text(Cow::Borrowed(v)),
            Bind::Bytes(v) => Cell::Blob(Cow::Borrowed(v)),
        };
        let rc = bind_one(s, param, &cell)?;
        if rc != ffi::SQLITE_OK {
            return Err(direct_error(db));
        }
    }
    Ok(())
}

fn too_big() -> crate::Error {
    crate::Error::Config("a bound value is larger than SQLite takes".into())
}

/// Binds one cell.
fn bind_one(
    s: *mut ffi::sqlite3_stmt,
    param: std::ffi::c_int,
    cell: &Cell,
) -> crate::Result<std::ffi::c_int> {
    // SAFETY (every call below): a prepared statement of the locked
    // connection, `param` one of its parameters; text and bytes are read
    // for their length and copied (SQLITE_TRANSIENT).
    Ok(match cell {
        Cell::Null => unsafe { ffi::sqlite3_bind_null(s, param) },
        Cell::Int(v) => unsafe { ffi::sqlite3_bind_int64(s, param, *v) },
        Cell::Real(v) => unsafe { ffi::sqlite3_bind_double(s, param, *v) },
        Cell::Text(v) => {
            let len = std::ffi::c_int::try_from(v.len()).map_err(|_| too_big())?;
            unsafe {
                ffi::sqlite3_bind_text(s, param, v.as_ptr().cast(), len, ffi::SQLITE_TRANSIENT())
            }
        }
        Cell::Blob(v) => {
            let len = std::ffi::c_int::try_from(v.len()).map_err(|_| too_big())?;
            unsafe {
                ffi::sqlite3_bind_blob(s, param, v.as_ptr().cast(), len, ffi::SQLITE_TRANSIENT())
            }
        }
    })
}

/// A statement of the direct path in progress, on a locked connection.
struct Stepping {
    db: NonNull<ffi::sqlite3>,
    running: Option<Running>,
    /// The statement was stepped at least once.
    stepped: bool,
}

// SAFETY: the connection is locked to the task holding this (its worker
// waits on the lock), and SQLite's handles may move between threads
// between calls; only one thread uses them at a time.
unsafe impl Send for Stepping {}

/// How long the direct path steps a statement before yielding: the task
/// can be cancelled then (a timeout around the query), and the runtime
/// gets its thread back for a moment. Measured with `benches/timer.rs` on
/// two cores, timing a 1 ms sleep from before it (which adds tokio's
/// rounding up to the next millisecond, about 1 ms of each figure): with
/// 2 ms slices a 1 ms timer beside 10,000-row queries was up to 2.7 ms late
/// at the 99th percentile, with 500 µs 2.1 ms, with 200 µs 1.5 ms (alone:
/// 1.2 ms); the queries took as long. Counted from the timer's schedule,
/// with 200 µs slices its 99th percentile beside the queries is no worse
/// than alone (docs/benchmarks.md).
const SLICE: std::time::Duration = std::time::Duration::from_micros(200);

/// What the direct path did with a statement.
pub(super) enum Direct<T> {
    /// It ran; what it returned.
    Ran(T),
    /// It did not run, and goes through sqlx's worker thread instead:
    /// another connection holds a lock it must wait for (the direct path
    /// never waits on the caller's thread), or the text holds several
    /// statements.
    Driver,
}

/// True for SQLite's "database is locked" (any of its extended codes).
fn is_busy(rc: std::ffi::c_int) -> bool {
    rc & 0xff == ffi::SQLITE_BUSY
}

impl Stepping {
    /// Prepares `sql` on the locked connection `db` and binds `binds`;
    /// with `single`, first refuses text holding several statements (as
    /// `ensure_single` does, under this lock); with `check`, refuses values
    /// no backend stores alike (a validated model's values skip that).
    /// Only the first statement of the text runs, unless `whole`: then
    /// text of several statements is left to the driver.
    fn start(
        db: NonNull<ffi::sqlite3>,
        sql: &str,
        binds: &Binds<'_>,
        persistent: bool,
        single: bool,
        check: bool,
        whole: bool,
    ) -> crate::Result<Direct<Self>> {
        if single && statements_follow(db, sql) {
            return Err(crate::Error::Config(super::several_statements()));
        }
        if check {
            binds.iter().try_for_each(super::check_bind)?;
        }
        let (running, rest) = match prepare(db, sql, persistent) {
            Ok(prepared) => prepared,
            // Reading the schema waits on a lock (a writer about to commit
            // in rollback-journal mode): the worker's busy handler waits.
            Err(_) if is_busy(unsafe_errcode(db)) => return Ok(Direct::Driver),
            Err(e) => return Err(e),
        };
        if whole && !rest.is_empty() {
            return Ok(Direct::Driver);
        }
        if let Some(running) = &running {
            bind_all(db, running.stmt, binds)?;
        }
        Ok(Direct::Ran(Stepping {
            db,
            running,
            stepped: false,
        }))
    }

    /// [`Stepping::start`] on the leased connection, locked for it.
    async fn locked(
        conn: &mut SqliteConnection,
        hold: &mut Hold,
        sql: &str,
        binds: &Binds<'_>,
        (persistent, single, check, whole): (bool, bool, bool, bool),
    ) -> crate::Result<Direct<Self>> {
        let db = lock(conn, hold).await?;
        Stepping::start(db, sql, binds, persistent, single, check, whole)
    }

    /// True when the statement returns rows (a `SELECT`, a `RETURNING`):
    /// it has result columns.
    fn returns_rows(&self) -> bool {
        self.running.as_ref().is_some_and(|running| {
            // SAFETY: a prepared statement of the locked connection.
            unsafe { ffi::sqlite3_column_count(running.stmt.as_ptr()) > 0 }
        })
    }

    /// How many rows to size a whole result for before its first row: as
    /// many as the cached statement returned last time, when many.
    fn expected_rows(&self) -> usize {
        self.running
            .as_ref()
            .map_or(0, |running| (running.rows as usize).min(MOST_ROWS))
    }

    /// Keeps how many rows the cached statement `sql` returned, when many
    /// then or the time before (one lookup; a small result after a small
    /// one pays nothing).
    fn returned(&self, sql: &str, rows: usize) {
        let Some(running) = self.running.as_ref().filter(|r| r.cached) else {
            return;
        };
        let rows = if rows < MANY_ROWS {
            0
        } else {
            u32::try_from(rows).unwrap_or(u32::MAX)
        };
        if rows == running.rows {
            return;
        }
        if let Some(cached) = cache_of(self.db).and_then(|c| c.statements.get_mut(sql)) {
            cached.rows = rows;
        }
    }

    /// Steps for about one [`SLICE`], or until `max_rows` rows, handing
    /// each row to `row`; true when the statement is done. A first step
    /// that finds the database locked by another connection is
    /// [`Direct::Driver`], nothing done.
    fn step_for(
        &mut self,
        max_rows: u32,
        row: &mut dyn FnMut(RowRef<'_>) -> crate::Result<()>,
    ) -> crate::Result<Direct<bool>> {
        let Some(running) = &self.running else {
            return Ok(Direct::Ran(true));
        };
        let started = std::time::Instant::now();
        let mut rows = 0u32;
        loop {
            // SAFETY: a prepared, bound statement of the locked connection.
            let rc = unsafe { ffi::sqlite3_step(running.stmt.as_ptr()) };
            let first = !std::mem::replace(&mut self.stepped, true);
            match rc {
                ffi::SQLITE_ROW => {
                    // SAFETY: the statement stands on a row until the next
                    // step, which waits for `row` to return.
                    let current = unsafe { crate::value::SqliteStmtRow::new(running.stmt) };
                    row(RowRef::SqliteStmt(current))?;
                    rows = rows.wrapping_add(1);
                    if rows == max_rows || (rows.is_multiple_of(64) && started.elapsed() >= SLICE) {
                        return Ok(Direct::Ran(false));
                    }
                }
                ffi::SQLITE_DONE => return Ok(Direct::Ran(true)),
                rc if first && is_busy(rc) => return Ok(Direct::Driver),
                _ => return Err(direct_error(self.db)),
            }
        }
    }
}

/// The connection's last error code.
fn unsafe_errcode(db: NonNull<ffi::sqlite3>) -> std::ffi::c_int {
    // SAFETY: the locked connection's open handle.
    unsafe { ffi::sqlite3_extended_errcode(db.as_ptr()) }
}

/// A connection's handle locked out of its worker thread (sqlx's
/// `LockedSqliteHandle`), kept past the statement that locked it: by the
/// lease, then, between leases, by the database's [`Parking`].
///
/// It holds the guard of the mutex sqlx keeps beside the connection (in
/// the connection's shared state, on the heap), not a reference into the
/// connection itself, so the connection may move while it is held. Whoever
/// holds one drops it before the connection it came from, and sends no
/// command to that connection's worker meanwhile (the worker waits for the
/// lock): both are kept by [`Hold::for_driver`], [`Parked`]'s field order
/// and `Lease`'s drop.
///
/// While locked the connection waits on no lock of the database (its busy
/// timeout is zero): a statement that finds the database locked goes to
/// the worker thread instead ([`Direct::Driver`]), whose busy handler waits
/// there rather than on the caller's thread. Unlocked, the connection's
/// busy timeout is what it was.
pub(crate) struct Locked {
    handle: sqlx::sqlite::LockedSqliteHandle<'static>,
    /// The connection's own busy timeout, in milliseconds.
    busy_ms: std::ffi::c_int,
}

impl Locked {
    /// The raw handle, for this thread until the next await.
    fn raw(&mut self) -> NonNull<ffi::sqlite3> {
        self.handle.as_raw_handle()
    }
}

impl Drop for Locked {
    fn drop(&mut self) {
        let db = self.raw();
        // SAFETY: the connection's open handle, still locked.
        unsafe { ffi::sqlite3_busy_timeout(db.as_ptr(), self.busy_ms) };
    }
}

/// What a lease of a SQLite connection keeps for the direct path.
#[derive(Default)]
pub(crate) struct Keep {
    /// The connection's handle, locked by an earlier statement.
    handle: Option<Locked>,
    /// Where the connection waits, still locked, for the next lease.
    home: Option<Arc<Parking>>,
    /// When the connection was taken from sqlx's pool.
    since: Option<Instant>,
}

impl Keep {
    /// True while the handle is locked.
    pub(super) fn holds(&self) -> bool {
        self.handle.is_some()
    }

    /// Gives the handle back to the connection's worker.
    pub(super) fn unlock(&mut self) -> bool {
        self.handle.take().is_some()
    }
}

/// A connection between leases, its handle still locked when the last
/// statement took the direct path.
pub(crate) struct Parked {
    // Dropped in this order: the handle before the connection.
    handle: Option<Locked>,
    /// The handle was locked since the worker last ran a command (see
    /// [`lock`]): `Hold::locked`.
    locked: bool,
    conn: Option<PoolConnection<Sqlite>>,
    since: Instant,
    /// When it was parked.
    at: Instant,
}

impl Drop for Parked {
    fn drop(&mut self) {
        drop(self.handle.take());
        if let Some(conn) = self.conn.take()
            && tokio::runtime::Handle::try_current().is_err()
        {
            super::close_without_runtime(conn);
        }
    }
}

/// The SQLite connections between statements, kept (those the direct path
/// locked, still locked) rather than returned to sqlx's pool.
///
/// A connection returned to sqlx's pool is pinged on its worker thread,
/// and the next statement's lock is another round trip to that thread:
/// together most of a one-row statement's time. Kept here, a connection
/// is taken, used on the caller's thread and put back without waking its
/// worker. It stays counted by sqlx's pool as in use, so:
/// - a lease that finds none here while the pool is at its size waits on
///   the pool, counted in `waiting`; a connection parked meanwhile goes
///   back to the pool for it;
/// - one parked longer than the pool's idle timeout, or taken from the
///   pool longer ago than its maximum lifetime, goes back to the pool (which
///   closes it as it would any) when next found here;
/// - closing the database returns them all first.
pub(crate) struct Parking {
    stack: Mutex<Vec<Parked>>,
    waiting: AtomicUsize,
    /// Wakes a waiting lease when a connection is parked.
    parked: tokio::sync::Notify,
    closed: AtomicBool,
    /// The connections' busy timeout (`ConnectOptions::busy_timeout`), in
    /// milliseconds.
    busy_ms: std::ffi::c_int,
}

/// sqlx's default busy timeout, and ours: 5 seconds.
const DEFAULT_BUSY_MS: std::ffi::c_int = 5_000;

impl Default for Parking {
    fn default() -> Self {
        Parking::new(std::time::Duration::from_millis(DEFAULT_BUSY_MS as u64))
    }
}

/// A connection found parked, or taken from sqlx's pool.
enum Got {
    Parked(Parked),
    Pooled(PoolConnection<Sqlite>),
}

/// Counts a lease waiting for a connection while it waits. One that stops
/// waiting (dropped, or served by the pool) after a connection was parked
/// for it passes the wake-up on.
struct Waiting<'a>(&'a Parking);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let left = self.0.waiting.fetch_sub(1, Ordering::SeqCst) - 1;
        if left > 0 && !self.0.stack().is_empty() {
            self.0.parked.notify_one();
        }
    }
}

impl Parking {
    /// Parking for connections opened with `busy_timeout`.
    pub(crate) fn new(busy_timeout: std::time::Duration) -> Parking {
        Parking {
            stack: Mutex::default(),
            waiting: AtomicUsize::new(0),
            parked: tokio::sync::Notify::new(),
            closed: AtomicBool::new(false),
            busy_ms: std::ffi::c_int::try_from(busy_timeout.as_millis())
                .unwrap_or(std::ffi::c_int::MAX),
        }
    }

    fn stack(&self) -> std::sync::MutexGuard<'_, Vec<Parked>> {
        self.stack.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The most recently parked connection still fit to lend.
    fn take(&self, pool: &sqlx::SqlitePool) -> Option<Parked> {
        let options = pool.options();
        let idle = options.get_idle_timeout();
        let lifetime = options.get_max_lifetime();
        let expired = |p: &Parked| {
            idle.is_some_and(|t| p.at.elapsed() > t)
                || lifetime.is_some_and(|t| p.since.elapsed() > t)
        };
        loop {
            let mut parked = self.stack().pop()?;
            if !expired(&parked) {
                return Some(parked);
            }
            // Closed: back in the pool it would be lent again at once (the
            // pool looks at idle time only in its background reaper).
            if let Some(conn) = &mut parked.conn {
                conn.close_on_drop();
            }
            drop(parked);
        }
    }

    /// A connection for one operation or transaction: a parked one, or one
    /// from sqlx's pool.
    pub(crate) async fn acquire(
        self: &Arc<Self>,
        pool: &sqlx::SqlitePool,
    ) -> crate::Result<Lease<Sqlite>> {
        Ok(match self.get(pool).await? {
            Got::Parked(mut parked) => Lease {
                conn: parked.conn.take(),
                busy: false,
                open: false,
                aborted: None,
                ended: false,
                hold: Hold {
                    locked: parked.locked,
                    unread: false,
                    max_packet: None,
                    sqlite: Keep {
                        handle: parked.handle.take(),
                        home: Some(self.clone()),
                        since: Some(parked.since),
                    },
                },
            },
            Got::Pooled(conn) => Lease {
                conn: Some(conn),
                busy: false,
                open: false,
                aborted: None,
                ended: false,
                // sqlx pings a connection it takes back, and a new one is
                // pinged once set up: either is at its worker's loop.
                hold: Hold {
                    locked: false,
                    unread: false,
                    max_packet: None,
                    sqlite: Keep {
                        handle: None,
                        home: Some(self.clone()),
                        since: Some(Instant::now()),
                    },
                },
            },
        })
    }

    /// A connection for sqlx's own use (the migrator), its handle given
    /// back to its worker.
    pub(crate) async fn acquire_unlocked(
        &self,
        pool: &sqlx::SqlitePool,
    ) -> Result<PoolConnection<Sqlite>, sqlx::Error> {
        loop {
            match self.get(pool).await? {
                Got::Parked(mut parked) => {
                    drop(parked.handle.take());
                    if let Some(conn) = parked.conn.take() {
                        return Ok(conn);
                    }
                }
                Got::Pooled(conn) => return Ok(conn),
            }
        }
    }

    async fn get(&self, pool: &sqlx::SqlitePool) -> Result<Got, sqlx::Error> {
        if pool.is_closed() {
            return Err(sqlx::Error::PoolClosed);
        }
        if let Some(parked) = self.take(pool) {
            return Ok(Got::Parked(parked));
        }
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let _waiting = Waiting(self);
        let acquire = pool.acquire();
        tokio::pin!(acquire);
        loop {
            // Registered before the look: a connection parked after it
            // wakes this lease.
            let parked = self.parked.notified();
            tokio::pin!(parked);
            parked.as_mut().enable();
            if let Some(parked) = self.take(pool) {
                return Ok(Got::Parked(parked));
            }
            let next = futures_util::future::select(parked.as_mut(), acquire.as_mut());
            if let futures_util::future::Either::Right((conn, _)) = next.await {
                return conn.map(Got::Pooled);
            }
        }
    }

    /// Keeps `parked` for the next lease, and wakes one that waits: handed
    /// over here rather than through sqlx's pool, whose return runs on a
    /// task of the current runtime (which a current-thread runtime about to
    /// be dropped, or no longer driven, would never run). Unless the
    /// database is closing.
    fn park(&self, parked: Parked) {
        if self.closed.load(Ordering::SeqCst) {
            return;
        }
        self.stack().push(parked);
        if self.waiting.load(Ordering::SeqCst) > 0 {
            self.parked.notify_one();
        }
    }

    /// Returns every parked connection to the pool, and those parked from
    /// now on: the database is closing.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        let all = std::mem::take(&mut *self.stack());
        drop(all);
    }
}

/// The raw handle of the leased connection, locked for the direct path:
/// the one an earlier statement locked, or locked now (one hand-off to
/// the worker).
///
/// sqlx's worker can miss a wake-up when its handle is locked again before
/// it has taken its lock back from the previous unlock (two `lock_handle`
/// calls in a row hang after about fifty), so after an unlock the worker is
/// first seen back at its command loop (`hold.locked`; a connection from the
/// pool is: sqlx pings each one it takes back, and a new one once set up).
async fn lock(
    conn: &mut SqliteConnection,
    hold: &mut Hold,
) -> crate::Result<NonNull<ffi::sqlite3>> {
    if let Some(handle) = &mut hold.sqlite.handle {
        return Ok(handle.raw());
    }
    if hold.locked {
        sqlx::Connection::ping(&mut *conn).await?;
        hold.locked = false;
    }
    let handle = conn.lock_handle().await?;
    let busy_ms = hold
        .sqlite
        .home
        .as_ref()
        .map_or(DEFAULT_BUSY_MS, |home| home.busy_ms);
    // SAFETY: the guard points into the connection's shared state, not the
    // connection (see `Locked`); the lease drops it before the connection.
    let mut handle = Locked {
        handle: unsafe {
            std::mem::transmute::<
                sqlx::sqlite::LockedSqliteHandle<'_>,
                sqlx::sqlite::LockedSqliteHandle<'static>,
            >(handle)
        },
        busy_ms,
    };
    hold.locked = true;
    let db = handle.raw();
    // SAFETY: the connection's open handle, locked.
    unsafe { ffi::sqlite3_busy_timeout(db.as_ptr(), 0) };
    hold.sqlite.handle = Some(handle);
    Ok(db)
}

/// Runs a query by the direct path and decodes every row.
///
/// The rows are read in slices of about [`SLICE`]; between slices the
/// task yields, so that dropping the
/// query's future (a timeout) stops it at a row boundary, the statement
/// reset. One step that runs long (an aggregate over millions of rows)
/// finishes before that.
pub(super) async fn fetch_all_direct<T>(
    conn: &mut SqliteConnection,
    hold: &mut Hold,
    sql: &str,
    binds: &Binds<'_>,
    persistent: bool,
    single: bool,
    decode: &mut (impl FnMut(RowRef<'_>) -> crate::Result<T> + Send),
) -> crate::Result<Direct<Vec<T>>> {
    let flags = (persistent, single, true, false);
    let Direct::Ran(mut stepping) = Stepping::locked(conn, hold, sql, binds, flags).await? else {
        return Ok(Direct::Driver);
    };
    let mut out = Vec::with_capacity(stepping.expected_rows());
    loop {
        let step = stepping.step_for(u32::MAX, &mut |row| {
            out.push(decode(row)?);
            Ok(())
        })?;
        match step {
            Direct::Ran(true) => {
                stepping.returned(sql, out.len());
                if out.len() < out.capacity() / 2 {
                    out.shrink_to_fit();
                }
                return Ok(Direct::Ran(out));
            }
            Direct::Ran(false) => tokio::task::yield_now().await,
            Direct::Driver => return Ok(Direct::Driver),
        }
    }
}

/// Runs a query by the direct path and decodes its first row; the
/// statement is reset after it.
pub(super) async fn fetch_first_direct<T>(
    conn: &mut SqliteConnection,
    hold: &mut Hold,
    sql: &str,
    binds: &Binds<'_>,
    persistent: bool,
    single: bool,
    decode: &mut (impl FnMut(RowRef<'_>) -> crate::Result<T> + Send),
) -> crate::Result<Direct<Option<T>>> {
    let flags = (persistent, single, true, false);
    let Direct::Ran(mut stepping) = Stepping::locked(conn, hold, sql, binds, flags).await? else {
        return Ok(Direct::Driver);
    };
    let mut first = None;
    let step = stepping.step_for(1, &mut |row| {
        first = Some(decode(row)?);
        Ok(())
    })?;
    Ok(match step {
        Direct::Ran(_) => Direct::Ran(first),
        Direct::Driver => Direct::Driver,
    })
}

/// Runs a statement by the direct path: what it reports (the rows it
/// changed, the last row id inserted, as sqlx reads them). Text of several
/// statements is left to the driver, which runs them all.
pub(super) async fn execute_direct(
    conn: &mut SqliteConnection,
    hold: &mut Hold,
    sql: &str,
    binds: &Binds<'_>,
    persistent: bool,
    single: bool,
    check: bool,
) -> crate::Result<Direct<Done>> {
    let flags = (persistent, single, check, true);
    let Direct::Ran(mut stepping) = Stepping::locked(conn, hold, sql, binds, flags).await? else {
        return Ok(Direct::Driver);
    };
    // Rows a statement returns here are counted, not read (an INSERT ..
    // RETURNING run for its effect).
    let returns_rows = stepping.returns_rows();
    let mut rows = 0u64;
    loop {
        match stepping.step_for(u32::MAX, &mut |_| {
            rows += 1;
            Ok(())
        })? {
            Direct::Ran(true) => break,
            Direct::Ran(false) => {}
            Direct::Driver => return Ok(Direct::Driver),
        }
    }
    let db = stepping.db;
    // SAFETY: the locked connection's handle.
    let (changes, rowid) = unsafe {
        (
            ffi::sqlite3_changes64(db.as_ptr()),
            ffi::sqlite3_last_insert_rowid(db.as_ptr()),
        )
    };
    let changes = u64::try_from(changes).unwrap_or(0);
    Ok(Direct::Ran(Done {
        rows_affected: super::rows_affected(changes, rows, returns_rows),
        last_insert_id: u64::try_from(rowid).ok(),
    }))
}

/// How many rows a stream on the direct path decodes ahead of its reader
/// at a time: few enough that the rows held ahead stay below what sqlx's
/// worker would buffer.
const STREAM_AHEAD: u32 = 32;

/// Streams a query's rows by the direct path: the connection stays
/// locked until the stream ends or is dropped, rows are stepped and
/// decoded [`STREAM_AHEAD`] at a time, and the
/// task yields to the runtime after each [`SLICE`] of stepping. Dropped
/// early, the statement is reset and the connection unlocked.
pub(super) fn stream_direct<'e, T, F>(
    conn: &'e mut SqliteConnection,
    sql: sqlx::SqlStr,
    binds: Vec<Value>,
    persistent: bool,
    hold: &'e mut Hold,
    mut decode: F,
) -> futures_util::stream::BoxStream<'e, crate::Result<T>>
where
    T: Send + 'e,
    F: FnMut(RowRef<'_>) -> crate::Result<T> + Send + 'e,
{
    let binds = Binds::Values(binds);
    Box::pin(async_stream::try_stream! {
        let flags = (persistent, false, true, false);
        let mut stepping = match Stepping::locked(conn, hold, sql.as_str(), &binds, flags).await? {
            Direct::Ran(stepping) => Some(stepping),
            Direct::Driver => None,
        };
        let mut ahead = std::collections::VecDeque::with_capacity(STREAM_AHEAD as usize);
        let mut stepped = std::time::Duration::ZERO;
        while let Some(running) = &mut stepping {
            let started = std::time::Instant::now();
            let step = running.step_for(STREAM_AHEAD, &mut |row| {
                ahead.push_back(decode(row)?);
                Ok(())
            });
            stepped += started.elapsed();
            // Rows decoded before an error are still the reader's.
            while let Some(item) = ahead.pop_front() {
                yield item;
            }
            match step? {
                Direct::Ran(true) => break,
                Direct::Ran(false) => {}
                Direct::Driver => stepping = None,
            }
            if stepped >= SLICE {
                tokio::task::yield_now().await;
                stepped = std::time::Duration::ZERO;
            }
        }
        if stepping.is_none() {
            // The database is locked by another connection: the rows come
            // through sqlx's worker, which waits for it.
            hold.for_driver();
            let mut rows = super::stream_generic::<Sqlite, _, _, _>(
                &mut *conn, sql, binds, persistent, None, decode,
            );
            while let Some(item) = futures_util::StreamExt::next(&mut rows).await {
                yield item?;
            }
        }
    })
}
