//! PostgreSQL: binding (with typed NULLs) and result reporting.

use sqlx::Arguments;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArguments, PgQueryResult, PgRow, Postgres};

use super::{Backend, Done};
use crate::value::{RowRef, SqlType, Value};

impl Backend for Postgres {
    fn bind(args: &mut PgArguments, value: Value) -> Result<(), BoxDynError> {
        match value {
            Value::Null(ty) => bind_null(args, ty),
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
            #[cfg(feature = "time")]
            Value::TimeOffset(v) => args.add(v),
            #[cfg(feature = "uuid")]
            Value::Uuid(v) => args.add(v),
            #[cfg(feature = "rust_decimal")]
            Value::Decimal(v) => args.add(v),
            #[cfg(feature = "json")]
            Value::Json(v) => args.add(sqlx::types::Json(v)),
            Value::Array(ty, items) => bind_array(args, ty, items),
        }
    }

    /// Timestamps travel as whole microseconds since 2000-01-01, cut
    /// toward that epoch: the same arithmetic as the driver's.
    fn stored(value: &Value) -> Option<Value> {
        #[cfg(feature = "time")]
        if let Some(cut) = super::cut_time(value, |t| {
            let epoch = time::PrimitiveDateTime::new(
                time::Date::from_calendar_date(2000, time::Month::January, 1).ok()?,
                time::Time::MIDNIGHT,
            );
            let micros = i64::try_from((t - epoch).whole_microseconds()).ok()?;
            Some(epoch + time::Duration::microseconds(micros))
        }) {
            return Some(cut);
        }
        #[cfg(feature = "chrono")]
        {
            let epoch = chrono::NaiveDate::from_ymd_opt(2000, 1, 1)?.and_hms_opt(0, 0, 0)?;
            super::cut_timestamps(value, |t| {
                let micros = (t - epoch).num_microseconds()?;
                Some(epoch + chrono::TimeDelta::microseconds(micros))
            })
        }
        #[cfg(not(feature = "chrono"))]
        {
            let _ = value;
            None
        }
    }

    fn row(row: &PgRow) -> RowRef<'_> {
        RowRef::Postgres(row)
    }

    fn done(result: &PgQueryResult) -> Done {
        Done {
            rows_affected: result.rows_affected(),
            last_insert_id: None,
        }
    }
}

/// A key list as one typed array parameter (`= ANY($1)`).
fn bind_array(args: &mut PgArguments, ty: SqlType, items: Vec<Value>) -> Result<(), BoxDynError> {
    macro_rules! typed {
        ($variant:ident, $t:ty) => {{
            let mut out: Vec<$t> = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::$variant(v) => out.push(v),
                    other => return Err(format!("{other:?} in a {ty:?} array").into()),
                }
            }
            args.add(out)
        }};
    }
    match ty {
        SqlType::SmallInt => typed!(I16, i16),
        SqlType::Int => typed!(I32, i32),
        SqlType::BigInt => typed!(I64, i64),
        SqlType::Text => typed!(String, String),
        #[cfg(feature = "uuid")]
        SqlType::Uuid => typed!(Uuid, uuid::Uuid),
        other => Err(format!("no array binding for {other:?}").into()),
    }
}

/// PostgreSQL types every parameter, NULLs included: a NULL is sent with
/// the column's own type so that no cast is needed.
fn bind_null(args: &mut PgArguments, ty: SqlType) -> Result<(), BoxDynError> {
    match ty {
        SqlType::SmallInt => args.add(None::<i16>),
        SqlType::Int => args.add(None::<i32>),
        SqlType::BigInt => args.add(None::<i64>),
        SqlType::Real => args.add(None::<f32>),
        SqlType::Double => args.add(None::<f64>),
        SqlType::Bool => args.add(None::<bool>),
        SqlType::Bytes => args.add(None::<Vec<u8>>),
        #[cfg(feature = "chrono")]
        SqlType::Date => args.add(None::<chrono::NaiveDate>),
        #[cfg(feature = "chrono")]
        SqlType::DateTime => args.add(None::<chrono::NaiveDateTime>),
        #[cfg(feature = "chrono")]
        SqlType::DateTimeUtc => args.add(None::<chrono::DateTime<chrono::Utc>>),
        #[cfg(all(feature = "time", not(feature = "chrono")))]
        SqlType::Date => args.add(None::<time::Date>),
        #[cfg(all(feature = "time", not(feature = "chrono")))]
        SqlType::DateTime => args.add(None::<time::PrimitiveDateTime>),
        #[cfg(all(feature = "time", not(feature = "chrono")))]
        SqlType::DateTimeUtc => args.add(None::<time::OffsetDateTime>),
        #[cfg(feature = "uuid")]
        SqlType::Uuid => args.add(None::<uuid::Uuid>),
        #[cfg(feature = "rust_decimal")]
        SqlType::Decimal => args.add(None::<rust_decimal::Decimal>),
        #[cfg(feature = "json")]
        SqlType::Json => args.add(None::<sqlx::types::Json<serde_json::Value>>),
        _ => args.add(None::<String>),
    }
}
