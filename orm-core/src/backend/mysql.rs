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
