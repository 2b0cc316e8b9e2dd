//! PostgreSQL's bulk path for inserts of many rows: the rows go by
//! `COPY .. FROM STDIN (FORMAT binary)` into a staging table with no
//! constraints, then one `INSERT .. SELECT` writes them to the model's
//! table — so constraint errors, defaults and triggers are the INSERT's,
//! as on the multi-row INSERT path.

use super::writer::SqlWriter;
use crate::model::{ColumnMeta, ModelMeta};
use crate::value::{SqlType, Value};

/// The staging table's name (a temporary table: one per session).
const STAGING: &str = "_orm_copy";
/// Its column giving each row's place in the input.
const ORDINAL: &str = "_orm_ord";

/// The statements of one bulk insert, run in order in one transaction on
/// one connection. Through a staging table ([`copy_insert`]): create it,
/// copy the rows into it, insert them into the model's table (reading back
/// `RETURNING` columns, in the input's order, when asked), drop it.
/// Straight into the table ([`copy_into`]): the copy alone.
#[derive(Debug, Clone, PartialEq)]
pub struct CopyInsert {
    /// `CREATE TEMPORARY TABLE .. ON COMMIT DROP`, with a staging table.
    pub create: Option<String>,
    /// `COPY .. FROM STDIN`: into the staging table in the binary format,
    /// each row the ordinal (`BIGINT`) followed by the bound columns; into
    /// the model's table in the text format, the bound columns.
    pub copy: String,
    /// `INSERT INTO .. SELECT .. FROM <staging>`; with `ORDER BY
    /// <ordinal> RETURNING ..` when asked to read back.
    pub insert: Option<String>,
    /// `DROP TABLE <staging>`: a second bulk insert in the same
    /// transaction makes it again.
    pub drop: Option<String>,
    returning: bool,
}

/// Draws `$3` keys from the sequence of `meta`'s generated key column, in
/// one statement: `$1` is the table's name as SQL writes it (quoted,
/// qualified when the model names a schema), `$2` the column's name; one
/// NULL per row when the column has no sequence.
pub fn draw_keys(meta: &'static ModelMeta) -> Option<(String, String, String)> {
    let auto = meta.auto_column()?;
    let mut table = SqlWriter::new('"', true, true);
    table.table(meta);
    Some((
        "SELECT nextval((SELECT pg_get_serial_sequence($1, $2))::regclass) FROM generate_series(1, $3)"
            .to_string(),
        table.finish().sql,
        auto.name.to_string(),
    ))
}

/// The bulk insert of `meta`'s rows with their keys given (drawn by
/// [`draw_keys`]) straight into its table: `COPY "table" (<key>, <bound
/// columns>) FROM STDIN` in the text format.
pub fn copy_into_with_keys(meta: &'static ModelMeta) -> CopyInsert {
    let mut w = SqlWriter::new('"', true, true);
    w.push("COPY ");
    w.table(meta);
    w.push(" ");
    w.column_list(
        meta.columns
            .iter()
            .filter(|c| c.auto)
            .chain(meta.columns.iter().filter(|c| !c.auto))
            .map(|c| c.name),
    );
    w.push(" FROM STDIN");
    CopyInsert {
        create: None,
        copy: w.finish().sql,
        insert: None,
        drop: None,
        returning: false,
    }
}

/// The bulk insert of `meta`'s rows straight into its table: `COPY
/// "table" (<bound columns>) FROM STDIN` in the text format, each value
/// read by its column's input function. For rows that leave no nullable
/// column with a default to it (`COPY` stores their NULL).
pub fn copy_into(meta: &'static ModelMeta) -> CopyInsert {
    let mut w = SqlWriter::new('"', true, true);
    w.push("COPY ");
    w.table(meta);
    w.push(" ");
    w.column_list(meta.columns.iter().filter(|c| !c.auto).map(|c| c.name));
    w.push(" FROM STDIN");
    CopyInsert {
        create: None,
        copy: w.finish().sql,
        insert: None,
        drop: None,
        returning: false,
    }
}

impl CopyInsert {
    /// The insert reads rows back (`RETURNING`).
    pub fn reads_back(&self) -> bool {
        self.returning
    }
}

/// The PostgreSQL type a value is sent as (the type the binary COPY data
/// must match); `None` for a value the bulk path does not carry (an array).
pub fn postgres_bind_type(value: &Value) -> Option<&'static str> {
    let ty = match value {
        Value::Null(ty) => *ty,
        Value::Bool(_) => SqlType::Bool,
        Value::I16(_) => SqlType::SmallInt,
        Value::I32(_) => SqlType::Int,
        Value::I64(_) => SqlType::BigInt,
        Value::F32(_) => SqlType::Real,
        Value::F64(_) => SqlType::Double,
        Value::String(_) => SqlType::Text,
        Value::Bytes(_) => SqlType::Bytes,
        #[cfg(feature = "chrono")]
        Value::Date(_) => SqlType::Date,
        #[cfg(feature = "chrono")]
        Value::DateTime(_) => SqlType::DateTime,
        #[cfg(feature = "chrono")]
        Value::DateTimeUtc(_) => SqlType::DateTimeUtc,
        #[cfg(feature = "time")]
        Value::TimeDate(_) => SqlType::Date,
        #[cfg(feature = "time")]
        Value::TimeDateTime(_) => SqlType::DateTime,
        #[cfg(feature = "time")]
        Value::TimeOffset(_) => SqlType::DateTimeUtc,
        #[cfg(feature = "uuid")]
        Value::Uuid(_) => SqlType::Uuid,
        #[cfg(feature = "rust_decimal")]
        Value::Decimal(_) => SqlType::Decimal,
        #[cfg(feature = "json")]
        Value::Json(_) => SqlType::Json,
        Value::Array(..) => return None,
    };
    Some(sql_type_name(ty))
}

/// The staging table's type for values of `ty`: the type they are bound
/// as (text without a length, JSON as `JSONB`, as sqlx sends them).
fn sql_type_name(ty: SqlType) -> &'static str {
    match ty {
        SqlType::SmallInt => "SMALLINT",
        SqlType::Int => "INTEGER",
        SqlType::BigInt => "BIGINT",
        SqlType::Real => "REAL",
        SqlType::Double => "DOUBLE PRECISION",
        SqlType::Bool => "BOOLEAN",
        SqlType::Text => "TEXT",
        SqlType::Bytes => "BYTEA",
        SqlType::Date => "DATE",
        SqlType::DateTime => "TIMESTAMP",
        SqlType::DateTimeUtc => "TIMESTAMPTZ",
        SqlType::Uuid => "UUID",
        SqlType::Decimal => "NUMERIC",
        SqlType::Json => "JSONB",
    }
}

/// The bulk insert of `meta`'s rows whose bound columns (the columns an
/// INSERT writes, in order) are sent as `types`, reading back `returned`
/// (column indexes of `meta`) when not empty.
pub fn copy_insert(
    meta: &'static ModelMeta,
    types: &[&'static str],
    returned: &[usize],
) -> CopyInsert {
    let new = || SqlWriter::new('"', true, true);
    let bound: Vec<&ColumnMeta> = meta.columns.iter().filter(|c| !c.auto).collect();
    debug_assert_eq!(bound.len(), types.len());
    let staging = |w: &mut SqlWriter| {
        w.push("pg_temp.");
        w.ident(STAGING);
    };

    let mut w = new();
    w.push("CREATE TEMPORARY TABLE ");
    staging(&mut w);
    w.push(" (");
    w.ident(ORDINAL);
    w.push(" BIGINT");
    for (i, ty) in types.iter().enumerate() {
        w.push(", ");
        w.ident(&format!("c{i}"));
        w.push(" ");
        w.push(ty);
    }
    w.push(") ON COMMIT DROP");
    let create = w.finish().sql;

    let mut w = new();
    w.push("COPY ");
    staging(&mut w);
    w.push(" (");
    w.ident(ORDINAL);
    for i in 0..types.len() {
        w.push(", ");
        w.ident(&format!("c{i}"));
    }
    w.push(") FROM STDIN (FORMAT binary)");
    let copy = w.finish().sql;

    let mut w = new();
    w.push("INSERT INTO ");
    w.table(meta);
    w.push(" ");
    w.column_list(bound.iter().map(|c| c.name));
    w.push(" SELECT ");
    for (i, col) in bound.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        // As the INSERT's VALUES: a nullable column with a default takes
        // it for `None`.
        match col.default {
            Some(default) if col.nullable => {
                w.push("COALESCE(");
                w.ident(&format!("c{i}"));
                w.push(", ");
                w.push(default);
                w.push(")");
            }
            _ => w.ident(&format!("c{i}")),
        }
    }
    w.push(" FROM ");
    staging(&mut w);
    if !returned.is_empty() {
        // The rows come back in the input's order.
        w.push(" ORDER BY ");
        w.ident(ORDINAL);
    }
    for (n, &i) in returned.iter().enumerate() {
        w.push(if n == 0 { " RETURNING " } else { ", " });
        w.ident(meta.columns[i].name);
    }
    let insert = w.finish().sql;

    let mut w = new();
    w.push("DROP TABLE ");
    staging(&mut w);
    let drop = w.finish().sql;
    CopyInsert {
        create: Some(create),
        copy,
        insert: Some(insert),
        drop: Some(drop),
        returning: !returned.is_empty(),
    }
}
