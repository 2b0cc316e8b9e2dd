//! SQLite: binding, result reporting, what becomes of an abandoned
//! connection, and the one-statement check of user-written SQL.

use std::ffi::{CString, c_char};
use std::ptr::{NonNull, null, null_mut};

use libsqlite3_sys as ffi;
use sqlx::Arguments;
use sqlx::error::BoxDynError;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{Sqlite, SqliteArguments, SqliteConnection, SqliteQueryResult, SqliteRow};

use super::{Backend, Done};
use crate::sql::SQLITE_CASEFOLD as CASEFOLD;
use crate::value::{RowRef, Value};

impl Backend for Sqlite {
    /// An offset date-time is written (and so read back) in UTC.
    fn stored(value: &Value) -> Option<Value> {
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
    fn abandon(mut conn: PoolConnection<Sqlite>, open: bool) {
        if !open {
            // Back to the pool once the queued commands have run.
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // No runtime to finish on: closing the connection rolls back.
            drop(conn.detach());
            return;
        };
        runtime.spawn(async move {
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

    fn bind(args: &mut SqliteArguments, value: Value) -> Result<(), BoxDynError> {
        match value {
            // SQLite values are dynamically typed: one NULL fits every column.
            Value::Null(_) => args.add(None::<i64>),
            Value::Bool(v) => args.add(v),
            Value::I16(v) => args.add(v),
            Value::I32(v) => args.add(v),
            Value::I64(v) => args.add(v),
            Value::F32(v) => args.add(v),
            Value::F64(v) => args.add(v),
            Value::String(v) => args.add(v),
            Value::Bytes(v) => args.add(v),
            #[cfg(feature = "chrono")]
            Value::Date(v) => args.add(v),
            #[cfg(feature = "chrono")]
            Value::DateTime(v) => args.add(v),
            #[cfg(feature = "chrono")]
            Value::DateTimeUtc(v) => args.add(v),
            #[cfg(feature = "time")]
            Value::TimeDate(v) => args.add(v),
            #[cfg(feature = "time")]
            Value::TimeDateTime(v) => args.add(v),
            // In UTC: SQLite compares the text, so every value must be
            // written with the same offset.
            #[cfg(feature = "time")]
            Value::TimeOffset(v) => args.add(v.to_offset(time::UtcOffset::UTC)),
            #[cfg(feature = "uuid")]
            Value::Uuid(v) => args.add(v),
            #[cfg(feature = "rust_decimal")]
            Value::Decimal(v) => args.add(v.to_string()),
            #[cfg(feature = "json")]
            Value::Json(v) => args.add(sqlx::types::Json(v)),
            // Lists are spread into one placeholder each by the dialect.
            Value::Array(..) => Err("an array parameter is PostgreSQL-only".into()),
        }
    }

    async fn ensure_single(conn: &mut SqliteConnection, sql: &str) -> crate::Result<()> {
        let mut handle = conn.lock_handle().await?;
        let several = statements_follow(handle.as_raw_handle(), sql);
        drop(handle);
        if several {
            return Err(crate::Error::Config(super::several_statements()));
        }
        Ok(())
    }

    fn row(row: &SqliteRow) -> RowRef<'_> {
        RowRef::Sqlite(row)
    }

    fn done(result: &SqliteQueryResult) -> Done {
        Done {
            rows_affected: result.rows_affected(),
            last_insert_id: u64::try_from(result.last_insert_rowid()).ok(),
        }
    }
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

/// Registers the dialect's case-folding function on a new connection.
pub(crate) async fn register_functions(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle();
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
    Ok(())
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
