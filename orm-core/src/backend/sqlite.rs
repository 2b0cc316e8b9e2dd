//! SQLite: binding and result reporting.

use sqlx::Arguments;
use sqlx::error::BoxDynError;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{Sqlite, SqliteArguments, SqliteQueryResult, SqliteRow};

use super::{Backend, Done};
use crate::value::{RowRef, Value};

impl Backend for Sqlite {
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
            let rollback =
                crate::dialect::transaction_sql(crate::dialect::TransactionSql::Rollback);
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
