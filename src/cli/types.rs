//! The Rust field type of a column, from the type name as each dialect's
//! catalog spells it (`INTEGER`, `int(11)`, `character varying(160)`,
//! `NVARCHAR(160)`, `numeric(10,2)`).

use crate::Dialect;

use super::generate::ModelOptions;

/// Why a column got a type that may not read it, or reads it loosely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Fallback {
    /// NUMERIC/DECIMAL as `f64`: `rust_decimal` not chosen.
    Decimal,
    /// NUMERIC/DECIMAL on SQLite, which stores them as REAL or INTEGER.
    SqliteDecimal,
    /// A date or time as `String`: `chrono` not chosen.
    DateTime,
    /// A UUID as `String`/`Vec<u8>`: `uuid` not chosen.
    Uuid,
    /// JSON as `String`: `json` not chosen.
    Json,
    /// A MySQL unsigned integer: read only into unsigned types, which no
    /// field maps.
    Unsigned,
    /// No field type maps it.
    Unsupported,
}

/// A column's field type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Mapped {
    /// The type, without `Option`.
    pub rust: String,
    /// An integer type (`i16`, `i32`, `i64`).
    pub integer: bool,
    /// `max_length` from `VARCHAR(n)`.
    pub max_length: Option<u64>,
    /// Why the type is a fallback, if it is one.
    pub fallback: Option<Fallback>,
}

impl Mapped {
    fn of(rust: &str) -> Mapped {
        Mapped {
            rust: rust.to_string(),
            integer: matches!(rust, "i16" | "i32" | "i64"),
            max_length: None,
            fallback: None,
        }
    }

    fn fallback(rust: &str, why: Fallback) -> Mapped {
        Mapped {
            fallback: Some(why),
            ..Mapped::of(rust)
        }
    }
}

/// A type name split into its words and its first parenthesized
/// arguments: `int(10) unsigned` is `int unsigned` and `10`.
fn split(ty: &str) -> (String, Option<String>) {
    let lower = ty.trim().to_ascii_lowercase();
    let mut base = String::new();
    let mut args: Option<String> = None;
    let mut depth = 0;
    let mut current = String::new();
    for c in lower.chars() {
        match c {
            '(' => {
                depth += 1;
                if depth > 1 {
                    current.push(c);
                }
            }
            ')' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    if args.is_none() {
                        args = Some(std::mem::take(&mut current));
                    }
                    current.clear();
                } else {
                    current.push(c);
                }
            }
            _ if depth > 0 => current.push(c),
            _ => base.push(c),
        }
    }
    let base = base.split_whitespace().collect::<Vec<_>>().join(" ");
    (base, args.map(|a| a.trim().to_string()))
}

/// The field type of a column of type `ty` on `dialect`.
pub(crate) fn map(dialect: Dialect, ty: &str, options: &ModelOptions) -> Mapped {
    let (base, args) = split(ty);
    let mut mapped = match dialect {
        Dialect::Sqlite => sqlite(&base, options),
        Dialect::MySql => mysql(&base, args.as_deref(), options),
        // PostgreSQL, and the standard SQL names of any other.
        _ => postgres(&base, options),
    };
    let varying = matches!(
        base.as_str(),
        "varchar"
            | "nvarchar"
            | "character varying"
            | "varying character"
            | "national character varying"
            | "national varchar"
            | "varchar2"
            | "nvarchar2"
    );
    if varying && mapped.rust == "String" {
        mapped.max_length = args.and_then(|a| a.parse().ok());
    }
    mapped
}

fn date_time(options: &ModelOptions, chrono_type: &str) -> Mapped {
    if options.chrono {
        Mapped::of(chrono_type)
    } else {
        Mapped::fallback("String", Fallback::DateTime)
    }
}

fn decimal(options: &ModelOptions) -> Mapped {
    if options.rust_decimal {
        Mapped::of("rust_decimal::Decimal")
    } else {
        Mapped::fallback("f64", Fallback::Decimal)
    }
}

fn json(options: &ModelOptions) -> Mapped {
    if options.json {
        Mapped::of("orm::Json<serde_json::Value>")
    } else {
        Mapped::fallback("String", Fallback::Json)
    }
}

/// SQLite: the declared type, read as SQLite reads it (its type affinity
/// rules), with the names the ORM writes for booleans and dates first.
/// Integers are 64-bit in SQLite, so `INTEGER` is `i64`; REAL and DOUBLE
/// are both 8-byte floats.
fn sqlite(base: &str, options: &ModelOptions) -> Mapped {
    let upper = base.to_ascii_uppercase();
    match upper.as_str() {
        "BOOLEAN" | "BOOL" => return Mapped::of("bool"),
        "DATE" => return date_time(options, "chrono::NaiveDate"),
        "DATETIME" | "TIMESTAMP" => return date_time(options, "chrono::NaiveDateTime"),
        "TINYINT" | "SMALLINT" | "INT2" => return Mapped::of("i16"),
        "NUMERIC" | "DECIMAL" => return Mapped::fallback("f64", Fallback::SqliteDecimal),
        _ => {}
    }
    if upper.contains("INT") {
        Mapped::of("i64")
    } else if ["CHAR", "CLOB", "TEXT"].iter().any(|t| upper.contains(t)) {
        Mapped::of("String")
    } else if upper.contains("BLOB") {
        Mapped::of("Vec<u8>")
    } else if ["REAL", "FLOA", "DOUB"].iter().any(|t| upper.contains(t)) {
        Mapped::of("f64")
    } else if upper.is_empty() {
        // No declared type: each value keeps the storage class it was
        // written with.
        Mapped::fallback("String", Fallback::Unsupported)
    } else {
        // NUMERIC affinity: integers and reals.
        Mapped::fallback("f64", Fallback::SqliteDecimal)
    }
}

/// PostgreSQL: `format_type` names (`integer`, `character varying`,
/// `timestamp without time zone`, ...).
fn postgres(base: &str, options: &ModelOptions) -> Mapped {
    match base {
        "smallint" | "int2" | "smallserial" => Mapped::of("i16"),
        "integer" | "int" | "int4" | "serial" => Mapped::of("i32"),
        "bigint" | "int8" | "bigserial" => Mapped::of("i64"),
        "real" | "float4" => Mapped::of("f32"),
        "double precision" | "float8" | "float" => Mapped::of("f64"),
        "boolean" | "bool" => Mapped::of("bool"),
        "text" | "character varying" | "varchar" | "character" | "char" | "bpchar" | "name"
        | "citext" => Mapped::of("String"),
        "bytea" => Mapped::of("Vec<u8>"),
        "numeric" | "decimal" => decimal(options),
        "date" => date_time(options, "chrono::NaiveDate"),
        "timestamp" | "timestamp without time zone" => date_time(options, "chrono::NaiveDateTime"),
        "timestamptz" | "timestamp with time zone" => {
            date_time(options, "chrono::DateTime<chrono::Utc>")
        }
        "uuid" if options.uuid => Mapped::of("uuid::Uuid"),
        "uuid" => Mapped::fallback("String", Fallback::Uuid),
        "json" | "jsonb" => json(options),
        _ => Mapped::fallback("String", Fallback::Unsupported),
    }
}

/// MySQL and MariaDB: `COLUMN_TYPE` names (`int(11)`, `tinyint(1)`,
/// `varchar(200)`, `decimal(10,2)`, `int(10) unsigned`).
fn mysql(base: &str, args: Option<&str>, options: &ModelOptions) -> Mapped {
    if let Some(signed) = base.strip_suffix(" unsigned") {
        // The driver reads an unsigned column only into an unsigned type.
        let wider = match signed.trim_end_matches(" zerofill") {
            "tinyint" => "i16",
            "smallint" | "mediumint" => "i32",
            "int" | "integer" | "bigint" => "i64",
            _ => return mysql(signed, args, options),
        };
        return Mapped::fallback(wider, Fallback::Unsigned);
    }
    match base {
        "tinyint" if args == Some("1") => Mapped::of("bool"),
        "bool" | "boolean" => Mapped::of("bool"),
        "tinyint" | "smallint" => Mapped::of("i16"),
        "mediumint" | "int" | "integer" => Mapped::of("i32"),
        "bigint" => Mapped::of("i64"),
        "float" => Mapped::of("f32"),
        "double" | "double precision" | "real" => Mapped::of("f64"),
        "decimal" | "numeric" | "dec" | "fixed" => decimal(options),
        "char" | "varchar" | "nchar" | "nvarchar" | "tinytext" | "text" | "mediumtext"
        | "longtext" | "enum" => Mapped::of("String"),
        // The ORM writes a UUID as BINARY(16).
        "binary" if args == Some("16") && options.uuid => Mapped::of("uuid::Uuid"),
        "binary" | "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob" => {
            Mapped::of("Vec<u8>")
        }
        "date" => date_time(options, "chrono::NaiveDate"),
        "datetime" => date_time(options, "chrono::NaiveDateTime"),
        "timestamp" => date_time(options, "chrono::DateTime<chrono::Utc>"),
        "json" => json(options),
        _ => Mapped::fallback("String", Fallback::Unsupported),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(dialect: Dialect, t: &str) -> (String, Option<u64>, Option<Fallback>) {
        let m = map(dialect, t, &ModelOptions::default());
        (m.rust, m.max_length, m.fallback)
    }

    fn all(dialect: Dialect, t: &str) -> String {
        map(
            dialect,
            t,
            &ModelOptions {
                chrono: true,
                rust_decimal: true,
                uuid: true,
                json: true,
            },
        )
        .rust
    }

    #[test]
    fn each_dialect_spells_its_types() {
        use Dialect::*;
        assert_eq!(ty(Sqlite, "INTEGER"), ("i64".into(), None, None));
        assert_eq!(
            ty(Sqlite, "NVARCHAR(160)"),
            ("String".into(), Some(160), None)
        );
        assert_eq!(
            ty(Postgres, "character varying(160)"),
            ("String".into(), Some(160), None)
        );
        assert_eq!(ty(Postgres, "integer"), ("i32".into(), None, None));
        assert_eq!(ty(MySql, "int(11)"), ("i32".into(), None, None));
        assert_eq!(ty(MySql, "bigint(20)"), ("i64".into(), None, None));
        assert_eq!(ty(MySql, "tinyint(1)"), ("bool".into(), None, None));
        assert_eq!(
            ty(MySql, "varchar(200)"),
            ("String".into(), Some(200), None)
        );
        assert_eq!(ty(MySql, "char(2)"), ("String".into(), None, None));
        assert_eq!(
            ty(MySql, "int(10) unsigned"),
            ("i64".into(), None, Some(Fallback::Unsigned))
        );
        assert_eq!(
            ty(Postgres, "numeric(10,2)"),
            ("f64".into(), None, Some(Fallback::Decimal))
        );
        assert_eq!(
            ty(Sqlite, "NUMERIC(10,2)"),
            ("f64".into(), None, Some(Fallback::SqliteDecimal))
        );
        assert_eq!(
            ty(Postgres, "timestamp(3) without time zone"),
            ("String".into(), None, Some(Fallback::DateTime))
        );
        assert_eq!(
            ty(Postgres, "integer[]"),
            ("String".into(), None, Some(Fallback::Unsupported))
        );
        assert_eq!(all(Postgres, "numeric(10,2)"), "rust_decimal::Decimal");
        assert_eq!(all(Sqlite, "NUMERIC(10,2)"), "f64");
        assert_eq!(
            all(Postgres, "timestamp with time zone"),
            "chrono::DateTime<chrono::Utc>"
        );
        assert_eq!(all(MySql, "datetime(6)"), "chrono::NaiveDateTime");
        assert_eq!(all(MySql, "binary(16)"), "uuid::Uuid");
        assert_eq!(all(Postgres, "jsonb"), "orm::Json<serde_json::Value>");
    }
}
