//! MySQL and MariaDB: binding and result reporting.

use sqlx::Arguments;
use sqlx::error::BoxDynError;
use sqlx::mysql::{MySql, MySqlArguments, MySqlQueryResult, MySqlRow};

use super::{Backend, Done};
use crate::value::{RowRef, Value};

impl Backend for MySql {
    fn bind_str(args: &mut MySqlArguments, value: &str) -> Result<(), BoxDynError> {
        args.add(value)
    }

    fn bind_bytes(args: &mut MySqlArguments, value: &[u8]) -> Result<(), BoxDynError> {
        args.add(value)
    }

    fn bind(args: &mut MySqlArguments, value: Value) -> Result<(), BoxDynError> {
        match value {
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
            // Sent as DATETIME: a TIMESTAMP parameter into a DATETIME column
            // is stored as NULL by MariaDB.
            #[cfg(feature = "chrono")]
            Value::DateTimeUtc(v) => args.add(v.naive_utc()),
            #[cfg(feature = "time")]
            Value::TimeDate(v) => args.add(v),
            #[cfg(feature = "time")]
            Value::TimeDateTime(v) => args.add(v),
            // As DATETIME in UTC, as a chrono time is.
            #[cfg(feature = "time")]
            Value::TimeOffset(v) => {
                let utc = v.to_offset(time::UtcOffset::UTC);
                args.add(time::PrimitiveDateTime::new(utc.date(), utc.time()))
            }
            #[cfg(feature = "uuid")]
            Value::Uuid(v) => args.add(v),
            #[cfg(feature = "rust_decimal")]
            Value::Decimal(v) => args.add(v),
            #[cfg(feature = "json")]
            Value::Json(v) => args.add(sqlx::types::Json(v)),
            // Lists are spread into one placeholder each by the dialect.
            Value::Array(..) => Err("an array parameter is PostgreSQL-only".into()),
        }
    }

    /// Timestamps travel with whole microseconds: the nanoseconds below
    /// them are dropped, as the driver does. A zero keeps no sign.
    fn stored(value: &Value) -> Option<Value> {
        if let Some(zero) = super::unsigned_zero(value) {
            return Some(zero);
        }
        #[cfg(feature = "time")]
        if let Some(cut) = super::cut_time(value, |t| {
            t.replace_nanosecond(t.nanosecond() / 1000 * 1000).ok()
        }) {
            return Some(cut);
        }
        #[cfg(feature = "chrono")]
        {
            use chrono::Timelike;
            super::cut_timestamps(value, |t| t.with_nanosecond(t.nanosecond() / 1000 * 1000))
        }
        #[cfg(not(feature = "chrono"))]
        {
            let _ = value;
            None
        }
    }

    const LIMITS_COMMANDS: bool = true;

    /// A deadlock (SQLSTATE 40001, error 1213; a Galera certification
    /// failure too): InnoDB rolls the whole transaction back.
    fn ends_transaction(error: &crate::Error) -> bool {
        error.has_server_code("40001")
    }

    #[inline]
    fn value_bytes(value: &Value) -> usize {
        value_size(value)
    }

    /// The statement's text when it is prepared, or the `COM_STMT_EXECUTE`
    /// carrying the values: command, statement id, flags and iteration
    /// count; the NULL bitmap, the "types follow" flag, two bytes of type
    /// per value and the values, text and bytes led by their length (at
    /// most 9 bytes).
    fn command_bytes(sql: usize, n: usize, bytes: usize) -> usize {
        let text = 1 + sql;
        if n == 0 {
            return text;
        }
        let execute = 10 + n.div_ceil(8) + 1 + 2 * n + 9 * n;
        text.max(execute.saturating_add(bytes))
    }

    fn row(row: &MySqlRow) -> RowRef<'_> {
        RowRef::MySql(row)
    }

    fn done(result: &MySqlQueryResult) -> Done {
        Done {
            rows_affected: result.rows_affected(),
            last_insert_id: Some(result.last_insert_id()),
        }
    }
}

/// The most bytes `value` takes in a `COM_STMT_EXECUTE`, but for the
/// length that leads text and bytes.
#[inline]
fn value_size(value: &Value) -> usize {
    match value {
        Value::Null(_) => 0,
        Value::Bool(_) => 1,
        Value::I16(_) => 2,
        Value::I32(_) | Value::F32(_) => 4,
        Value::I64(_) | Value::F64(_) => 8,
        Value::String(s) => s.len(),
        Value::Bytes(b) => b.len(),
        #[cfg(feature = "json")]
        Value::Json(v) => json_len(v),
        // Dates and times (at most 12 bytes), UUIDs (17), decimals as
        // text (at most 32).
        _ => 40,
    }
}

/// The length of `value` as JSON text, counted without keeping it.
#[cfg(feature = "json")]
fn json_len(value: &serde_json::Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing into a counter fails only for a map with non-text keys,
    // which binding refuses as well.
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}
