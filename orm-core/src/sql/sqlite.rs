//! SQLite column types. SQLite's types are affinities; the names chosen
//! here are the ones sqlx reads back as the matching Rust type.

use crate::model::ColumnMeta;

/// The function `ilike` folds case with: SQLite's own `lower()` folds
/// ASCII letters only, so the ORM registers this Unicode one on its
/// connections (as PostgreSQL's `ILIKE` and MySQL's `LOWER` fold).
pub const CASEFOLD: &str = "orm_casefold";
use crate::value::SqlType;

pub(super) fn column_type(col: &ColumnMeta) -> String {
    match col.sql_type {
        SqlType::SmallInt => "SMALLINT".into(),
        SqlType::Int => "INTEGER".into(),
        SqlType::BigInt => "BIGINT".into(),
        SqlType::Real => "REAL".into(),
        SqlType::Double => "DOUBLE".into(),
        SqlType::Bool => "BOOLEAN".into(),
        SqlType::Text => match col.max_length {
            Some(n) => format!("VARCHAR({n})"),
            None => "TEXT".into(),
        },
        SqlType::Bytes => "BLOB".into(),
        SqlType::Date => "DATE".into(),
        SqlType::DateTime => "DATETIME".into(),
        SqlType::DateTimeUtc => "DATETIME".into(),
        SqlType::Uuid => "BLOB".into(),
        // sqlx has no decimal support on SQLite: kept exact as text.
        SqlType::Decimal => "TEXT".into(),
        SqlType::Json => "TEXT".into(),
    }
}

/// `INTEGER PRIMARY KEY` makes the column the rowid: generated, and the
/// fastest key SQLite has.
pub(super) fn auto_key(_col: &ColumnMeta) -> String {
    "INTEGER PRIMARY KEY".into()
}
