//! A SQLite row read straight from its statement (`sqlite3_column_*`),
//! for the backend's direct path (see `backend/sqlite.rs`): no value is
//! copied out of SQLite before a field asks for it.
//!
//! The type checks and text formats are sqlx's, so that a field reads the
//! same value, or fails the same way, on either path: integers only from
//! INTEGER values, floats only from REAL, text only from TEXT, bytes from
//! BLOB or TEXT, timestamps from the text sqlx writes (and the other
//! formats it reads).

use std::ffi::c_int;
use std::marker::PhantomData;
use std::ptr::NonNull;

use libsqlite3_sys as ffi;

/// The current row of a stepped SQLite statement, valid until the next step.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct SqliteStmtRow<'r> {
    stmt: NonNull<ffi::sqlite3_stmt>,
    _row: PhantomData<&'r ()>,
}

impl SqliteStmtRow<'_> {
    /// The row `stmt` stands on.
    ///
    /// # Safety
    /// `stmt` must be a statement whose last `sqlite3_step` returned
    /// `SQLITE_ROW`, not stepped, reset or finalized while the row lives,
    /// and used by this thread alone meanwhile.
    pub(crate) unsafe fn new(stmt: NonNull<ffi::sqlite3_stmt>) -> Self {
        SqliteStmtRow {
            stmt,
            _row: PhantomData,
        }
    }

    fn columns(self) -> usize {
        // SAFETY: a prepared statement (`new`'s contract).
        unsafe { ffi::sqlite3_column_count(self.stmt.as_ptr()) as usize }
    }

    /// The name of each column, in order (as SQLite names it, lossily
    /// decoded where it is not UTF-8).
    pub(crate) fn column_names(self) -> Vec<String> {
        (0..self.columns())
            .map(|idx| {
                // SAFETY: a prepared statement (`new`'s contract) and `idx`
                // within its columns; the name is copied before any other
                // call on the statement.
                let name = unsafe { ffi::sqlite3_column_name(self.stmt.as_ptr(), idx as c_int) };
                if name.is_null() {
                    // Out of memory inside SQLite: no name to match.
                    return String::new();
                }
                // SAFETY: SQLite returns a NUL-terminated string.
                unsafe { std::ffi::CStr::from_ptr(name) }
                    .to_string_lossy()
                    .into_owned()
            })
            .collect()
    }

    /// The storage class of the cell at `idx` (`SQLITE_INTEGER`, ..).
    fn class(self, idx: usize) -> Result<c_int, sqlx::Error> {
        let len = self.columns();
        if idx >= len {
            return Err(sqlx::Error::ColumnIndexOutOfBounds { index: idx, len });
        }
        // SAFETY: a row of the statement, `idx` within its columns.
        Ok(unsafe { ffi::sqlite3_column_type(self.stmt.as_ptr(), idx as c_int) })
    }

    /// True when the cell at `idx` is NULL.
    pub(crate) fn is_null(self, idx: usize) -> Result<bool, sqlx::Error> {
        Ok(self.class(idx)? == ffi::SQLITE_NULL)
    }

    /// The storage class of the cell at `idx`, refused as NULL or when it
    /// is not one of `accepted` (what sqlx's `compatible` allows for `rust`).
    fn checked(self, idx: usize, rust: &str, accepted: &[c_int]) -> Result<c_int, sqlx::Error> {
        let class = self.class(idx)?;
        if class == ffi::SQLITE_NULL {
            return Err(sqlx::Error::ColumnDecode {
                index: idx.to_string(),
                source: Box::new(sqlx::error::UnexpectedNullError),
            });
        }
        if accepted.contains(&class) {
            return Ok(class);
        }
        Err(decode_error(
            idx,
            format!(
                "mismatched types; Rust type `{rust}` is not compatible with SQL type `{}`",
                class_name(class)
            ),
        ))
    }

    fn int64(self, idx: usize) -> i64 {
        // SAFETY: as in `class`; the index was checked.
        unsafe { ffi::sqlite3_column_int64(self.stmt.as_ptr(), idx as c_int) }
    }

    fn double(self, idx: usize) -> f64 {
        // SAFETY: as in `class`; the index was checked.
        unsafe { ffi::sqlite3_column_double(self.stmt.as_ptr(), idx as c_int) }
    }

    /// The cell's bytes (a BLOB's, or a TEXT's UTF-8), valid until the
    /// cell is read as another type or the row ends.
    fn bytes(&self, idx: usize) -> &[u8] {
        let stmt = self.stmt.as_ptr();
        // SAFETY: as in `class`; `sqlite3_column_blob` first, then
        // `sqlite3_column_bytes`, as SQLite asks; the pointer stays valid
        // until the cell is converted or the statement moves on, which
        // the borrow of `self` (a row of `'r`) outlasts only as `'r` does.
        unsafe {
            let data = ffi::sqlite3_column_blob(stmt, idx as c_int).cast::<u8>();
            let len = ffi::sqlite3_column_bytes(stmt, idx as c_int);
            if data.is_null() || len <= 0 {
                &[]
            } else {
                std::slice::from_raw_parts(data, len as usize)
            }
        }
    }

    fn text(&self, idx: usize) -> Result<&str, sqlx::Error> {
        std::str::from_utf8(self.bytes(idx)).map_err(|e| sqlx::Error::ColumnDecode {
            index: idx.to_string(),
            source: Box::new(e),
        })
    }
}

fn class_name(class: c_int) -> &'static str {
    match class {
        ffi::SQLITE_INTEGER => "INTEGER",
        ffi::SQLITE_FLOAT => "REAL",
        ffi::SQLITE_TEXT => "TEXT",
        ffi::SQLITE_BLOB => "BLOB",
        _ => "NULL",
    }
}

fn decode_error(idx: usize, message: impl Into<String>) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: idx.to_string(),
        source: message.into().into(),
    }
}

const INTEGER: &[c_int] = &[ffi::SQLITE_INTEGER];
const TEXT: &[c_int] = &[ffi::SQLITE_TEXT];
const BYTES: &[c_int] = &[ffi::SQLITE_BLOB, ffi::SQLITE_TEXT];
#[cfg(any(feature = "chrono", feature = "time"))]
const TIMESTAMP: &[c_int] = &[ffi::SQLITE_TEXT, ffi::SQLITE_INTEGER, ffi::SQLITE_FLOAT];

/// A type read from a [`SqliteStmtRow`] cell that is not NULL.
pub(crate) trait FromSqliteStmt: Sized {
    fn from_stmt(row: SqliteStmtRow<'_>, idx: usize) -> Result<Self, sqlx::Error>;
}

macro_rules! narrow_int {
    ($($t:ty),*) => {$(
        impl FromSqliteStmt for $t {
            fn from_stmt(row: SqliteStmtRow<'_>, idx: usize) -> Result<Self, sqlx::Error> {
                row.checked(idx, stringify!($t), INTEGER)?;
                <$t>::try_from(row.int64(idx)).map_err(|e| sqlx::Error::ColumnDecode {
                    index: idx.to_string(),
                    source: Box::new(e),
                })
            }
        }
    )*};
}
narrow_int!(i16, i32);

impl FromSqliteStmt for i64 {
    fn from_stmt(row: SqliteStmtRow<'_>, idx: usize) -> Result<Self, sqlx::Error> {
        row.checked(idx, "i64", INTEGER)?;
        Ok(row.int64(idx))
    }
}

impl FromSqliteStmt for bool {
    fn from_stmt(row: SqliteStmtRow<'_>, idx: usize) -> Result<Self, sqlx::Error> {
        row.checked(idx, "bool", INTEGER)?;
        Ok(row.int64(idx) != 0)
    }
}

impl FromSqliteStmt for f64 {
    fn from_stmt(row: SqliteStmtRow<'_>, idx: usize) -> Result<Self, sqlx::Error> {
        row.checked(idx, "f64", &[ffi::SQLITE_FLOAT])?;
        Ok(row.double(idx))
    }
}

impl FromSqliteStmt for f32 {
    fn from_stmt(row: SqliteStmtRow<'_>, idx: usize) -> Result<Self, sqlx::Error> {
        row.checked(idx, "f32", &[ffi::SQLITE_FLOAT])?;
        // Narrowing is what reading an f32 means (sqlx does the same).
        Ok(row.double(idx) as f32)
    }
}

impl FromSqliteStmt for String {
    fn from_stmt(row: SqliteStmtRow<'_>, idx: usize) -> Result<Self, sqlx::Error> {
        row.checked(idx, "String", TEXT)?;
        row.text(idx).map(str::to_owned)
    }
}

impl FromSqliteStmt for Vec<u8> {
    fn from_stmt(row: SqliteStmtRow<'_>, idx: usize) -> Result<Self, sqlx::Error> {
        row.checked(idx, "Vec<u8>", BYTES)?;
        Ok(row.bytes(idx).to_vec())
    }
}

#[cfg(feature = "uuid")]
impl FromSqliteStmt for uuid::Uuid {
    fn from_stmt(row: SqliteStmtRow<'_>, idx: usize) -> Result<Self, sqlx::Error> {
        row.checked(idx, "Uuid", BYTES)?;
        uuid::Uuid::from_slice(row.bytes(idx)).map_err(|e| sqlx::Error::ColumnDecode {
            index: idx.to_string(),
            source: Box::new(e),
        })
    }
}

#[cfg(feature = "json")]
impl<T: serde::de::DeserializeOwned> FromSqliteStmt for sqlx::types::Json<T> {
    fn from_stmt(row: SqliteStmtRow<'_>, idx: usize) -> Result<Self, sqlx::Error> {
        row.checked(idx, "Json", TEXT)?;
        serde_json::from_slice(row.bytes(idx))
            .map(sqlx::types::Json)
            .map_err(|e| sqlx::Error::ColumnDecode {
                index: idx.to_string(),
                source: Box::new(e),
            })
    }
}

#[cfg(feature = "chrono")]
mod chrono_types {
    use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};

    use super::{FromSqliteStmt, SqliteStmtRow, TEXT, TIMESTAMP, decode_error, ffi};

    /// sqlx's reading of a SQLite timestamp: RFC 3339 or one of SQLite's
    /// text formats, Unix seconds, or a Julian day number.
    fn datetime(
        row: SqliteStmtRow<'_>,
        idx: usize,
        rust: &str,
    ) -> Result<DateTime<FixedOffset>, sqlx::Error> {
        let found = match row.checked(idx, rust, TIMESTAMP)? {
            ffi::SQLITE_TEXT => from_text(row.text(idx)?),
            ffi::SQLITE_INTEGER => Utc.fix().timestamp_opt(row.int64(idx), 0).single(),
            _ => from_julian(row.double(idx)),
        };
        found.ok_or_else(|| {
            let shown = row.text(idx).unwrap_or_default().to_owned();
            decode_error(idx, format!("invalid datetime: {shown}"))
        })
    }

    fn from_text(value: &str) -> Option<DateTime<FixedOffset>> {
        if let Ok(dt) = DateTime::parse_from_rfc3339(value) {
            return Some(dt);
        }
        const FORMATS: &[&str] = &[
            "%F %T%.f",
            "%F %R",
            "%F %RZ",
            "%F %R%:z",
            "%F %T%.fZ",
            "%F %T%.f%:z",
            "%FT%R",
            "%FT%RZ",
            "%FT%R%:z",
            "%FT%T%.f",
            "%FT%T%.fZ",
            "%FT%T%.f%:z",
        ];
        FORMATS.iter().find_map(|format| {
            DateTime::parse_from_str(value, format).ok().or_else(|| {
                NaiveDateTime::parse_from_str(value, format)
                    .ok()
                    .map(|dt| Utc.fix().from_utc_datetime(&dt))
            })
        })
    }

    fn from_julian(value: f64) -> Option<DateTime<FixedOffset>> {
        let timestamp = (value - 2_440_587.5) * 86_400.0;
        if !timestamp.is_finite() {
            return None;
        }
        let seconds = timestamp.trunc() as i64;
        let nanos = (timestamp.fract() * 1e9).abs() as u32;
        Utc.fix().timestamp_opt(seconds, nanos).single()
    }

    impl FromSqliteStmt for NaiveDateTime {
        fn from_stmt(row: SqliteStmtRow<'_>, idx: usize) -> Result<Self, sqlx::Error> {
            datetime(row, idx, "NaiveDateTime").map(|dt| dt.naive_local())
        }
    }

    impl FromSqliteStmt for DateTime<Utc> {
        fn from_stmt(row: SqliteStmtRow<'_>, idx: usize) -> Result<Self, sqlx::Error> {
            datetime(row, idx, "DateTime<Utc>").map(|dt| Utc.from_utc_datetime(&dt.naive_utc()))
        }
    }

    impl FromSqliteStmt for NaiveDate {
        fn from_stmt(row: SqliteStmtRow<'_>, idx: usize) -> Result<Self, sqlx::Error> {
            row.checked(idx, "NaiveDate", TEXT)?;
            NaiveDate::parse_from_str(row.text(idx)?, "%F").map_err(|e| sqlx::Error::ColumnDecode {
                index: idx.to_string(),
                source: Box::new(e),
            })
        }
    }
}

#[cfg(feature = "time")]
mod time_types {
    use time::format_description::BorrowedFormatItem;
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;
    use time::{Date, OffsetDateTime, PrimitiveDateTime};

    use super::{FromSqliteStmt, SqliteStmtRow, TEXT, decode_error, ffi};

    const TIMESTAMP: &[std::ffi::c_int] = &[ffi::SQLITE_TEXT, ffi::SQLITE_INTEGER];

    /// The text forms sqlx reads: its own, then SQLite's with a space or a
    /// `T`, seconds and fraction optional, a trailing `Z` allowed.
    fn primitive(value: &str) -> Option<PrimitiveDateTime> {
        const OWN: &[BorrowedFormatItem<'_>] =
            format_description!("[year]-[month]-[day] [hour]:[minute]:[second].[subsecond]");
        const SPACE: &[BorrowedFormatItem<'_>] = format_description!(
            "[year]-[month]-[day] [hour]:[minute][optional [:[second]]][optional [.[subsecond]]][optional [Z]]"
        );
        const T: &[BorrowedFormatItem<'_>] = format_description!(
            "[year]-[month]-[day]T[hour]:[minute][optional [:[second]]][optional [.[subsecond]]][optional [Z]]"
        );
        [OWN, SPACE, T]
            .iter()
            .find_map(|format| PrimitiveDateTime::parse(value, format).ok())
    }

    fn offset(value: &str) -> Option<OffsetDateTime> {
        const OFFSET: &[BorrowedFormatItem<'_>] = format_description!(
            "[year]-[month]-[day][optional [ ]][optional [T]][hour]:[minute][optional [:]][optional [[second]]][optional [.]][optional [[subsecond]]][optional [[offset_hour sign:mandatory]]][optional [:]][optional [[offset_minute]]]"
        );
        OffsetDateTime::parse(value, &Rfc3339)
            .ok()
            .or_else(|| OffsetDateTime::parse(value, OFFSET).ok())
            .or_else(|| primitive(value).map(PrimitiveDateTime::assume_utc))
    }

    fn unix(row: SqliteStmtRow<'_>, idx: usize) -> Result<OffsetDateTime, sqlx::Error> {
        OffsetDateTime::from_unix_timestamp(row.int64(idx)).map_err(|e| sqlx::Error::ColumnDecode {
            index: idx.to_string(),
            source: Box::new(e),
        })
    }

    impl FromSqliteStmt for PrimitiveDateTime {
        fn from_stmt(row: SqliteStmtRow<'_>, idx: usize) -> Result<Self, sqlx::Error> {
            if row.checked(idx, "PrimitiveDateTime", TIMESTAMP)? != ffi::SQLITE_TEXT {
                let at = unix(row, idx)?;
                return Ok(PrimitiveDateTime::new(at.date(), at.time()));
            }
            let text = row.text(idx)?;
            primitive(text).ok_or_else(|| decode_error(idx, format!("invalid datetime: {text}")))
        }
    }

    impl FromSqliteStmt for OffsetDateTime {
        fn from_stmt(row: SqliteStmtRow<'_>, idx: usize) -> Result<Self, sqlx::Error> {
            if row.checked(idx, "OffsetDateTime", TIMESTAMP)? != ffi::SQLITE_TEXT {
                return unix(row, idx);
            }
            let text = row.text(idx)?;
            offset(text)
                .ok_or_else(|| decode_error(idx, format!("invalid offset datetime: {text}")))
        }
    }

    impl FromSqliteStmt for Date {
        fn from_stmt(row: SqliteStmtRow<'_>, idx: usize) -> Result<Self, sqlx::Error> {
            row.checked(idx, "Date", TEXT)?;
            Date::parse(row.text(idx)?, format_description!("[year]-[month]-[day]")).map_err(|e| {
                sqlx::Error::ColumnDecode {
                    index: idx.to_string(),
                    source: Box::new(e),
                }
            })
        }
    }
}
