//! [`Catalog`]: a database schema as the ORM compares it. Both sides of a
//! comparison become one: the models (through the dialect's DDL types) and
//! a live database (through its system catalog, read by the queries of
//! [`introspection`]). Types and defaults are normalized per dialect so
//! that what `create_all` wrote reads back equal.

use std::fmt;

use crate::error::Result;
use crate::model::{ModelMeta, OnDelete};

use super::ddl::{SchemaRenderer, foreign_key_name, index_name, unique_name};
use super::dialect::Dialect;
use super::mysql::{MARIADB_TEXT_COLLATION, MYSQL_TEXT_COLLATION};
use super::render::with_renderer;

/// A database schema: its tables.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    /// The tables, in foreign-key order when built from models.
    pub tables: Vec<Table>,
}

/// A table: columns, keys, indexes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// The schema (PostgreSQL) or database (MySQL) it lives in; `None`:
    /// the connection's default.
    pub schema: Option<String>,
    /// The table name.
    pub name: String,
    /// The columns, in order.
    pub columns: Vec<CatalogColumn>,
    /// The primary key's columns, in key order.
    pub primary_key: Vec<String>,
    /// The primary key constraint's name, where the database keeps one.
    pub primary_key_name: Option<String>,
    /// Unique constraints (and unique indexes).
    pub uniques: Vec<Index>,
    /// Other indexes.
    pub indexes: Vec<Index>,
    /// Foreign keys.
    pub foreign_keys: Vec<CatalogForeignKey>,
    /// Table options the DDL carries after the column list (MySQL's
    /// engine and collation), for a table created by a migration.
    pub options: Option<String>,
}

impl Table {
    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&CatalogColumn> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// `schema.name`, or `name`.
    pub fn qualified(&self) -> String {
        match &self.schema {
            Some(s) => format!("{s}.{}", self.name),
            None => self.name.clone(),
        }
    }
}

/// A column.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogColumn {
    /// The name.
    pub name: String,
    /// The type as the DDL writes it (`BIGINT`, `character varying(60)`);
    /// compared with the dialect's synonyms folded (`character varying(60)`
    /// is `VARCHAR(60)`).
    pub ty: String,
    /// Accepts NULL.
    pub nullable: bool,
    /// The default expression as the DDL writes it; `None`: no default.
    /// Compared as expressions (casts and current-time spellings folded).
    pub default: Option<String>,
    /// The database generates it (identity, auto-increment, rowid).
    pub auto: bool,
    /// The collation written in the DDL, if any.
    pub collation: Option<String>,
    /// The values an enum column may hold (its `CHECK`), as the models
    /// declare it; not read from the database, nor compared.
    pub variants: Vec<String>,
}

/// An index or a unique constraint.
#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    /// Its name.
    pub name: String,
    /// Its columns, in order.
    pub columns: Vec<String>,
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogForeignKey {
    /// Its name (SQLite does not keep one).
    pub name: Option<String>,
    /// The referencing columns.
    pub columns: Vec<String>,
    /// The referenced table's schema; `None`: the default one.
    pub target_schema: Option<String>,
    /// The referenced table.
    pub target: String,
    /// The referenced columns.
    pub target_columns: Vec<String>,
    /// What happens to the row when the referenced row is deleted.
    pub on_delete: OnDelete,
}

impl CatalogForeignKey {
    /// True when both say the same (the name aside), `NO ACTION` and
    /// `RESTRICT` taken as one on MySQL, where InnoDB treats them alike.
    pub fn same_as(&self, other: &CatalogForeignKey, dialect: Dialect) -> bool {
        let action = |a: OnDelete| match (dialect, a) {
            (Dialect::MySql, OnDelete::Restrict) => OnDelete::NoAction,
            (_, a) => a,
        };
        self.columns == other.columns
            && self.target == other.target
            && self.target_schema == other.target_schema
            && self.target_columns == other.target_columns
            && action(self.on_delete) == action(other.on_delete)
    }
}

impl fmt::Display for OnDeleteSql {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            OnDelete::NoAction => "NO ACTION",
            OnDelete::Cascade => "CASCADE",
            OnDelete::SetNull => "SET NULL",
            OnDelete::Restrict => "RESTRICT",
        })
    }
}

/// An `ON DELETE` action as SQL writes it.
pub struct OnDeleteSql(pub OnDelete);

/// Reads an `ON DELETE` rule as a catalog reports it.
pub fn on_delete_of(rule: &str) -> OnDelete {
    match rule.trim().to_ascii_uppercase().as_str() {
        "CASCADE" | "C" => OnDelete::Cascade,
        "SET NULL" | "N" => OnDelete::SetNull,
        "RESTRICT" | "R" => OnDelete::Restrict,
        _ => OnDelete::NoAction,
    }
}

/// The catalog the models declare, as `create_all` writes it for
/// `dialect` (`mariadb`: the MySQL-family server is MariaDB). `unique`:
/// columns made unique beyond their own declaration (the keys of has_one
/// targets), by table.
pub fn expected(
    dialect: Dialect,
    mariadb: bool,
    models: &[&'static ModelMeta],
    unique: &[(&'static ModelMeta, &'static str)],
) -> Result<Catalog> {
    let mut tables = Vec::with_capacity(models.len());
    for &meta in models {
        let also: Vec<&str> = unique
            .iter()
            .filter(|(t, _)| t.is(meta))
            .map(|(_, c)| *c)
            .collect();
        tables.push(expected_table(dialect, mariadb, meta, &also)?);
    }
    Ok(Catalog { tables })
}

fn expected_table(
    dialect: Dialect,
    mariadb: bool,
    meta: &'static ModelMeta,
    also_unique: &[&str],
) -> Result<Table> {
    let pk: Vec<String> = meta.primary_key().map(|c| c.name.to_string()).collect();
    let mut table = Table {
        // SQLite has no schemas: every table is in `main`.
        schema: meta
            .schema
            .filter(|_| dialect != Dialect::Sqlite)
            .map(str::to_string),
        name: meta.table.to_string(),
        primary_key: pk.clone(),
        options: (dialect == Dialect::MySql).then(|| {
            format!(
                "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={}",
                if mariadb {
                    MARIADB_TEXT_COLLATION
                } else {
                    MYSQL_TEXT_COLLATION
                }
            )
        }),
        ..Table::default()
    };
    for col in meta.columns {
        let ty = match dialect {
            // `INTEGER PRIMARY KEY`: the rowid.
            Dialect::Sqlite if col.auto => "INTEGER".to_string(),
            _ => with_renderer!(dialect, |r| r.column_type(col)),
        };
        table.columns.push(CatalogColumn {
            name: col.name.to_string(),
            ty,
            nullable: col.nullable && !col.primary_key,
            default: col.default.map(str::to_string),
            auto: col.auto,
            collation: col.collation.map(str::to_string),
            variants: col.variants.iter().map(|v| v.to_string()).collect(),
        });
        if (col.unique || also_unique.contains(&col.name)) && !(col.primary_key && pk.len() == 1) {
            table.uniques.push(Index {
                name: unique_name(meta, col.name),
                columns: vec![col.name.to_string()],
            });
        }
        if col.index && !col.unique && !col.primary_key {
            table.indexes.push(Index {
                name: index_name(meta, col.name),
                columns: vec![col.name.to_string()],
            });
        }
        if let Some(fk) = &col.references {
            let target = (fk.target)();
            let referenced = ModelMeta::referenced_column(fk)?;
            table.foreign_keys.push(CatalogForeignKey {
                name: Some(foreign_key_name(meta, col.name)),
                columns: vec![col.name.to_string()],
                target_schema: target
                    .schema
                    .filter(|_| dialect != Dialect::Sqlite)
                    .map(str::to_string),
                target: target.table.to_string(),
                target_columns: vec![referenced.name.to_string()],
                on_delete: fk.on_delete,
            });
        }
    }
    // An index also unique on the same columns is the unique constraint's.
    let uniques = table.uniques.clone();
    table
        .indexes
        .retain(|i| !uniques.iter().any(|u| u.columns == i.columns));
    Ok(table)
}

/// A column type as the dialect spells it in one canonical way: upper
/// case, single spaces, synonyms folded (PostgreSQL's `character
/// varying(60)` is `VARCHAR(60)`, MySQL's `bigint(20)` is `BIGINT`,
/// `tinyint(1)` is `BOOLEAN`).
pub fn normalize_type(dialect: Dialect, mariadb: bool, ty: &str) -> String {
    let mut t = ty
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_uppercase()
        .replace(", ", ",")
        .replace(" (", "(");
    match dialect {
        Dialect::Sqlite => {}
        Dialect::Postgres => {
            for (from, to) in [
                ("CHARACTER VARYING", "VARCHAR"),
                ("TIMESTAMP WITHOUT TIME ZONE", "TIMESTAMP"),
                ("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ"),
                ("TIME WITHOUT TIME ZONE", "TIME"),
                ("CHARACTER(", "CHAR("),
            ] {
                if let Some(rest) = t.strip_prefix(from) {
                    t = format!("{to}{rest}");
                }
            }
            t = match t.as_str() {
                "INT" | "INT4" | "SERIAL" => "INTEGER".into(),
                "INT8" | "BIGSERIAL" => "BIGINT".into(),
                "INT2" | "SMALLSERIAL" => "SMALLINT".into(),
                "FLOAT8" | "FLOAT" => "DOUBLE PRECISION".into(),
                "FLOAT4" => "REAL".into(),
                "BOOL" => "BOOLEAN".into(),
                "DECIMAL" => "NUMERIC".into(),
                _ => t,
            };
        }
        Dialect::MySql => {
            if t == "TINYINT(1)" || t == "BOOL" {
                return "BOOLEAN".into();
            }
            let t2 = t.replace(" UNSIGNED", "");
            let unsigned = t2.len() != t.len();
            let base = match t2.split_once('(') {
                Some((base, _))
                    if [
                        "TINYINT",
                        "SMALLINT",
                        "MEDIUMINT",
                        "INT",
                        "INTEGER",
                        "BIGINT",
                    ]
                    .contains(&base) =>
                {
                    base.to_string()
                }
                _ => t2,
            };
            t = match base.as_str() {
                "INTEGER" => "INT".into(),
                "JSON" if mariadb => "LONGTEXT".into(),
                _ => base,
            };
            if unsigned {
                t.push_str(" UNSIGNED");
            }
        }
    }
    t
}

/// A column default as one canonical expression: `None` for no default
/// (or `NULL`), outer parentheses and PostgreSQL's casts removed, the
/// current-time functions under one name, keywords in lower case (string
/// literals kept as they are).
pub fn normalize_default(dialect: Dialect, mariadb: bool, default: Option<&str>) -> Option<String> {
    let mut d = default?.trim().to_string();
    loop {
        let before = d.clone();
        if d.starts_with('(') && d.ends_with(')') && balanced(&d[1..d.len() - 1]) {
            d = d[1..d.len() - 1].trim().to_string();
        }
        if dialect == Dialect::Postgres
            && let Some(cast) = last_cast(&d)
        {
            d.truncate(cast);
            d = d.trim().to_string();
        }
        if d == before {
            break;
        }
    }
    if d.eq_ignore_ascii_case("null") {
        return None;
    }
    if d.starts_with('\'') {
        return Some(d);
    }
    let mut lower = d.to_ascii_lowercase();
    // `current_timestamp(6)`: the precision is the column's.
    for f in ["current_timestamp(", "now(", "localtimestamp("] {
        if let Some(rest) = lower.strip_prefix(f)
            && rest
                .strip_suffix(')')
                .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
        {
            lower = "current_timestamp".into();
        }
    }
    let lower = match lower.as_str() {
        "current_timestamp()" | "now()" | "current_timestamp" | "localtimestamp" => {
            "current_timestamp".to_string()
        }
        "true" if dialect == Dialect::MySql => "1".into(),
        "false" if dialect == Dialect::MySql => "0".into(),
        _ => lower,
    };
    // MySQL 8 reports a string default without its quotes.
    if dialect == Dialect::MySql
        && !mariadb
        && lower.parse::<f64>().is_err()
        && !lower.contains('(')
        && lower != "current_timestamp"
    {
        return Some(format!("'{}'", d.replace('\'', "''")));
    }
    Some(lower)
}

/// True when the parentheses of `s` balance (outside string literals).
fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0 && !quoted
}

/// Where a trailing PostgreSQL cast (`::character varying`) starts, outside
/// string literals.
fn last_cast(s: &str) -> Option<usize> {
    let mut quoted = false;
    let mut last = None;
    let bytes = s.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\'' => quoted = !quoted,
            b':' if !quoted && bytes.get(i + 1) == Some(&b':') => last = Some(i),
            _ => {}
        }
    }
    let at = last?;
    // A cast ends the expression: a type name, maybe with a length and
    // array brackets.
    let ty = &s[at + 2..];
    (ty.chars()
        .all(|c| c.is_ascii_alphanumeric() || " _()[],\"".contains(c))
        && balanced(ty))
    .then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_fold_their_synonyms() {
        let pg = |t| normalize_type(Dialect::Postgres, false, t);
        assert_eq!(pg("character varying(60)"), "VARCHAR(60)");
        assert_eq!(pg("timestamp with time zone"), "TIMESTAMPTZ");
        assert_eq!(pg("double precision"), "DOUBLE PRECISION");
        assert_eq!(pg("int4"), "INTEGER");
        let my = |t| normalize_type(Dialect::MySql, true, t);
        assert_eq!(my("bigint(20)"), "BIGINT");
        assert_eq!(my("tinyint(1)"), "BOOLEAN");
        assert_eq!(my("decimal(38, 12)"), "DECIMAL(38,12)");
        assert_eq!(my("int(10) unsigned"), "INT UNSIGNED");
        assert_eq!(my("json"), "LONGTEXT");
        assert_eq!(normalize_type(Dialect::MySql, false, "json"), "JSON");
    }

    #[test]
    fn defaults_read_back_as_written() {
        let pg = |d| normalize_default(Dialect::Postgres, false, Some(d));
        assert_eq!(pg("'draft'::character varying"), Some("'draft'".into()));
        assert_eq!(pg("(0)"), Some("0".into()));
        assert_eq!(pg("now()"), Some("current_timestamp".into()));
        assert_eq!(pg("'a::b'::text"), Some("'a::b'".into()));
        assert_eq!(pg("NULL::character varying"), None);
        let maria = |d| normalize_default(Dialect::MySql, true, Some(d));
        assert_eq!(
            maria("current_timestamp()"),
            Some("current_timestamp".into())
        );
        assert_eq!(
            maria("current_timestamp(6)"),
            Some("current_timestamp".into())
        );
        assert_eq!(maria("NULL"), None);
        assert_eq!(maria("'blue'"), Some("'blue'".into()));
        let mysql8 = |d| normalize_default(Dialect::MySql, false, Some(d));
        assert_eq!(mysql8("blue"), Some("'blue'".into()));
        assert_eq!(mysql8("10"), Some("10".into()));
        let lite = |d| normalize_default(Dialect::Sqlite, false, Some(d));
        assert_eq!(lite("CURRENT_TIMESTAMP"), Some("current_timestamp".into()));
    }
}
