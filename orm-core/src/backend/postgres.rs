//! PostgreSQL: binding (with typed NULLs) and result reporting.

use sqlx::Arguments;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgArguments, PgQueryResult, PgRow, Postgres};

use super::{Backend, Done};
use crate::value::{RowRef, SqlType, Value};

impl Backend for Postgres {
    const FAILURE_ABORTS_TRANSACTION: bool = true;

    fn bind_str(args: &mut PgArguments, value: &str) -> Result<(), BoxDynError> {
        args.add(value)
    }

    fn bind_bytes(args: &mut PgArguments, value: &[u8]) -> Result<(), BoxDynError> {
        args.add(value)
    }

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
        SqlType::Real => typed!(F32, f32),
        SqlType::Double => typed!(F64, f64),
        SqlType::Bool => typed!(Bool, bool),
        SqlType::Text => typed!(String, String),
        SqlType::Bytes => typed!(Bytes, Vec<u8>),
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

/// The rows of a bulk insert in COPY's binary format: each row is its
/// ordinal (`BIGINT`) then its values, encoded by the same encoders that
/// bind them to an INSERT (so what is stored is alike byte for byte).
/// `values` holds `columns` values per row.
pub(crate) fn copy_data(values: Vec<Value>, columns: usize) -> Result<Vec<u8>, BoxDynError> {
    let mut buf = PgArgumentBuffer::default();
    buf.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
    buf.extend_from_slice(&0i32.to_be_bytes());
    buf.extend_from_slice(&0i32.to_be_bytes());
    let fields = i16::try_from(columns + 1)?;
    for (n, value) in values.into_iter().enumerate() {
        if n % columns.max(1) == 0 {
            buf.extend_from_slice(&fields.to_be_bytes());
            field(&mut buf, &((n / columns.max(1)) as i64))?;
        }
        match value {
            Value::Null(_) => buf.extend_from_slice(&(-1i32).to_be_bytes()),
            Value::Bool(v) => field(&mut buf, &v)?,
            Value::I16(v) => field(&mut buf, &v)?,
            Value::I32(v) => field(&mut buf, &v)?,
            Value::I64(v) => field(&mut buf, &v)?,
            Value::F32(v) => field(&mut buf, &v)?,
            Value::F64(v) => field(&mut buf, &v)?,
            Value::String(v) => field(&mut buf, &v)?,
            Value::Bytes(v) => field(&mut buf, &v)?,
            #[cfg(feature = "chrono")]
            Value::Date(v) => field(&mut buf, &v)?,
            #[cfg(feature = "chrono")]
            Value::DateTime(v) => field(&mut buf, &v)?,
            #[cfg(feature = "chrono")]
            Value::DateTimeUtc(v) => field(&mut buf, &v)?,
            #[cfg(feature = "time")]
            Value::TimeDate(v) => field(&mut buf, &v)?,
            #[cfg(feature = "time")]
            Value::TimeDateTime(v) => field(&mut buf, &v)?,
            #[cfg(feature = "time")]
            Value::TimeOffset(v) => field(&mut buf, &v)?,
            #[cfg(feature = "uuid")]
            Value::Uuid(v) => field(&mut buf, &v)?,
            #[cfg(feature = "rust_decimal")]
            Value::Decimal(v) => field(&mut buf, &v)?,
            #[cfg(feature = "json")]
            Value::Json(v) => field(&mut buf, &sqlx::types::Json(v))?,
            Value::Array(..) => return Err("an array value has no place in a bulk copy".into()),
        }
    }
    buf.extend_from_slice(&(-1i16).to_be_bytes());
    Ok(std::mem::take(&mut *buf))
}

/// One field of a binary COPY row: its length, then its bytes.
fn field<'q, T: sqlx::Encode<'q, Postgres>>(
    buf: &mut PgArgumentBuffer,
    value: &T,
) -> Result<(), BoxDynError> {
    let at = buf.len();
    buf.extend_from_slice(&[0; 4]);
    let len = match value.encode_by_ref(buf)? {
        sqlx::encode::IsNull::No => i32::try_from(buf.len() - at - 4)?,
        sqlx::encode::IsNull::Yes => {
            buf.truncate(at + 4);
            -1
        }
    };
    buf[at..at + 4].copy_from_slice(&len.to_be_bytes());
    Ok(())
}

/// The rows of a bulk insert in COPY's text format, `columns` values per
/// row: what the server reads with each column's own input function, as
/// it reads an untyped literal (so the column's type need not be the
/// value's). With `keys`, each row is led by its key. `None` when a value
/// has no text form here that stores as its bind would (an array, a year
/// before 1 or after 9999): such rows take the INSERT path.
pub(crate) fn copy_text(values: &[Value], columns: usize, keys: Option<&[i64]>) -> Option<Vec<u8>> {
    use std::io::Write as _;
    let columns = columns.max(1);
    let mut out = Vec::with_capacity(values.len() * 12);
    for (n, value) in values.iter().enumerate() {
        if n % columns == 0 {
            if n > 0 {
                out.push(b'\n');
            }
            if let Some(keys) = keys {
                write!(out, "{}\t", keys.get(n / columns)?).ok()?;
            }
        } else {
            out.push(b'\t');
        }
        let stored = <Postgres as Backend>::stored(value);
        let value = stored.as_ref().unwrap_or(value);
        match value {
            Value::Null(_) => out.extend_from_slice(b"\\N"),
            Value::Bool(v) => out.push(if *v { b't' } else { b'f' }),
            Value::I16(v) => write!(out, "{v}").ok()?,
            Value::I32(v) => write!(out, "{v}").ok()?,
            Value::I64(v) => write!(out, "{v}").ok()?,
            // The shortest text that reads back as the same number.
            Value::F32(v) => write!(out, "{v:?}").ok()?,
            Value::F64(v) => write!(out, "{v:?}").ok()?,
            Value::String(v) => escape(&mut out, v),
            Value::Bytes(v) => {
                out.extend_from_slice(b"\\\\x");
                for b in v {
                    write!(out, "{b:02x}").ok()?;
                }
            }
            #[cfg(feature = "chrono")]
            Value::Date(v) => {
                in_range(chrono::Datelike::year(v))?;
                write!(out, "{}", v.format("%Y-%m-%d")).ok()?
            }
            #[cfg(feature = "chrono")]
            Value::DateTime(v) => {
                in_range(chrono::Datelike::year(v))?;
                write!(out, "{}", v.format("%Y-%m-%d %H:%M:%S%.6f")).ok()?
            }
            #[cfg(feature = "chrono")]
            Value::DateTimeUtc(v) => {
                in_range(chrono::Datelike::year(v))?;
                write!(out, "{}+00", v.naive_utc().format("%Y-%m-%d %H:%M:%S%.6f")).ok()?
            }
            #[cfg(feature = "time")]
            Value::TimeDate(v) => {
                in_range(v.year())?;
                write!(
                    out,
                    "{:04}-{:02}-{:02}",
                    v.year(),
                    u8::from(v.month()),
                    v.day()
                )
                .ok()?
            }
            #[cfg(feature = "time")]
            Value::TimeDateTime(v) => time_text(&mut out, *v, "")?,
            #[cfg(feature = "time")]
            Value::TimeOffset(v) => {
                let utc = v.to_offset(time::UtcOffset::UTC);
                time_text(
                    &mut out,
                    time::PrimitiveDateTime::new(utc.date(), utc.time()),
                    "+00",
                )?
            }
            #[cfg(feature = "uuid")]
            Value::Uuid(v) => write!(out, "{}", v.hyphenated()).ok()?,
            #[cfg(feature = "rust_decimal")]
            Value::Decimal(v) => write!(out, "{v}").ok()?,
            #[cfg(feature = "json")]
            Value::Json(v) => escape(&mut out, &v.to_string()),
            Value::Array(..) => return None,
        }
    }
    if !values.is_empty() {
        out.push(b'\n');
    }
    Some(out)
}

/// `Some` for a year the text form writes as PostgreSQL reads it back
/// (1 to 9999; others take the INSERT path).
#[cfg(any(feature = "chrono", feature = "time"))]
fn in_range(year: i32) -> Option<()> {
    (1..=9999).contains(&year).then_some(())
}

/// `s` as a field of COPY's text format: backslash, tab, newline and
/// carriage return escaped (no other byte is special; UTF-8 continuation
/// bytes never look like one of these).
fn escape(out: &mut Vec<u8>, s: &str) {
    for &b in s.as_bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
}

#[cfg(feature = "time")]
fn time_text(out: &mut Vec<u8>, t: time::PrimitiveDateTime, zone: &str) -> Option<()> {
    use std::io::Write as _;
    in_range(t.year())?;
    write!(
        out,
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}{zone}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
    .ok()
}
