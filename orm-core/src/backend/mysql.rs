//! MySQL and MariaDB: binding and result reporting.

use sqlx::Arguments;
use sqlx::error::BoxDynError;
use sqlx::mysql::{MySql, MySqlArguments, MySqlQueryResult, MySqlRow};

use super::{Backend, Done};
use crate::value::{Bind, RowRef, Value};

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

/// The size, in bytes, of the largest command that runs `sql` with
/// the `n` values of `binds` (the statement's text when it is prepared, or the
/// `COM_STMT_EXECUTE` carrying the values), as the server compares it with
/// its `max_allowed_packet`. An upper bound: every value is counted at the
/// most its encoding takes.
pub(super) fn command_size<'b>(
    sql: &str,
    n: usize,
    binds: impl Iterator<Item = Bind<'b>>,
) -> usize {
    let text = 1 + sql.len();
    if n == 0 {
        return text;
    }
    // Command, statement id, flags and iteration count; the NULL bitmap,
    // the "types follow" flag and two bytes of type per value.
    let mut execute = 10 + n.div_ceil(8) + 1 + 2 * n;
    for bind in binds {
        execute = execute.saturating_add(bind_size(bind));
    }
    text.max(execute)
}

/// The most bytes `bind` takes in a `COM_STMT_EXECUTE`.
fn bind_size(bind: Bind<'_>) -> usize {
    // A length-encoded string: its length (1, 3, 4 or 9 bytes), then itself.
    let counted = |len: usize| {
        len + match len {
            0..251 => 1,
            251..0x1_0000 => 3,
            0x1_0000..0x100_0000 => 4,
            _ => 9,
        }
    };
    match bind {
        Bind::Str(s) => counted(s.len()),
        Bind::Bytes(b) => counted(b.len()),
        Bind::Value(value) => match value {
            Value::Null(_) => 0,
            Value::Bool(_) => 1,
            Value::I16(_) => 2,
            Value::I32(_) | Value::F32(_) => 4,
            Value::I64(_) | Value::F64(_) => 8,
            Value::String(s) => counted(s.len()),
            Value::Bytes(b) => counted(b.len()),
            #[cfg(feature = "json")]
            Value::Json(v) => counted(json_len(v)),
            // Dates and times (at most 12 bytes), UUIDs (17), decimals as
            // text (at most 32).
            _ => 40,
        },
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
