//! MySQL and MariaDB column types.
//!
//! Text and binary columns that are keys, unique or indexed need a length
//! on MySQL; without `max_length` they get 255.

use crate::model::ColumnMeta;
use crate::value::SqlType;

const KEY_LENGTH: u32 = 255;

pub(super) fn column_type(col: &ColumnMeta) -> String {
    let keyed = col.primary_key || col.unique || col.index || col.references.is_some();
    let length = col.max_length.or(keyed.then_some(KEY_LENGTH));
    match col.sql_type {
        SqlType::SmallInt => "SMALLINT".into(),
        SqlType::Int => "INT".into(),
        SqlType::BigInt => "BIGINT".into(),
        SqlType::Real => "FLOAT".into(),
        SqlType::Double => "DOUBLE".into(),
        SqlType::Bool => "BOOLEAN".into(),
        SqlType::Text => match length {
            Some(n) => format!("VARCHAR({n})"),
            None => "LONGTEXT".into(),
        },
        SqlType::Bytes => match length {
            Some(n) => format!("VARBINARY({n})"),
            None => "LONGBLOB".into(),
        },
        SqlType::Date => "DATE".into(),
        SqlType::DateTime => "DATETIME(6)".into(),
        SqlType::DateTimeUtc => "DATETIME(6)".into(),
        SqlType::Uuid => "BINARY(16)".into(),
        SqlType::Decimal => "DECIMAL(38, 12)".into(),
        SqlType::Json => "JSON".into(),
    }
}

pub(super) fn auto_key(col: &ColumnMeta) -> String {
    format!("{} NOT NULL AUTO_INCREMENT PRIMARY KEY", column_type(col))
}
