//! Hand-written SQL with bound parameters: the escape hatch.
//!
//! Write `?` for each parameter on every backend (it becomes `$1`, `$2`,
//! ... on PostgreSQL); bind exactly one value per `?`. A `?` inside a
//! string, a quoted name, a comment or a PostgreSQL `$$` body is text.
//! One call runs one statement, as written. Rows map into a model by
//! column *name*, read from the result's own column list: the columns may
//! come in any order and extra columns are ignored.

use crate::backend::Executor;
use crate::backend::{self, Sql};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::sql::{rewrite_placeholders, with_parameter_types};
use crate::value::{ColumnType, RowRef, Value};

/// A hand-written statement and its bind values. See [`raw`].
#[derive(Debug, Clone)]
pub struct Raw {
    sql: String,
    binds: Vec<Value>,
}

/// A value [`Raw::bind`] takes: a column type, or borrowed text or bytes.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be bound to a `?`",
    label = "not a column type, `&str` or `&[u8]`",
    note = "bind integers, floats, bool, String/&str, Vec<u8>/&[u8], Option<T>, and with features chrono, uuid, rust_decimal and Json<T>"
)]
pub trait Bind {
    /// The bind parameter.
    fn into_bind(self) -> Value;
}

impl<T: ColumnType> Bind for T {
    fn into_bind(self) -> Value {
        self.into_value()
    }
}

impl Bind for &str {
    fn into_bind(self) -> Value {
        Value::String(self.to_owned())
    }
}

impl Bind for &String {
    fn into_bind(self) -> Value {
        Value::String(self.clone())
    }
}

impl Bind for &[u8] {
    fn into_bind(self) -> Value {
        Value::Bytes(self.to_vec())
    }
}

/// Starts a hand-written statement.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm_core::Result<()> {
/// # let db = orm_core::Db::connect("sqlite::memory:").await?;
/// let n: i64 = orm_core::raw("SELECT ? + ?").bind(40_i64).bind(2_i64).scalar(&db).await?;
/// assert_eq!(n, 42);
/// # Ok(()) }
/// ```
pub fn raw(sql: impl Into<String>) -> Raw {
    Raw {
        sql: sql.into(),
        binds: Vec::new(),
    }
}

impl Raw {
    /// Binds the next `?`: any column type, a `&str` or a `&[u8]`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm_core::Result<()> {
    /// # let db = orm_core::Db::connect("sqlite::memory:").await?;
    /// let n: i64 = orm_core::raw("SELECT LENGTH(?) + ?").bind("four").bind(1_i64).scalar(&db).await?;
    /// assert_eq!(n, 5);
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn bind(mut self, value: impl Bind) -> Self {
        self.binds.push(value.into_bind());
        self
    }

    /// Binds the next `?` to a string; the same as `bind(value)`.
    #[must_use]
    pub fn bind_str(mut self, value: &str) -> Self {
        self.binds.push(Value::String(value.to_owned()));
        self
    }

    /// The statement in `dialect`'s placeholders; [`Error::Config`] when
    /// the number of values bound is not the number of `?`.
    fn prepared(&self, dialect: crate::Dialect) -> Result<String> {
        let raw = rewrite_placeholders(&self.sql, dialect);
        // SQLite's own parser decides there (it knows trigger bodies).
        if raw.several_statements && dialect != crate::Dialect::Sqlite {
            return Err(Error::Config(backend::several_statements()));
        }
        if raw.numbered {
            return Err(Error::Config(
                "raw SQL takes `?` placeholders, one per bound value, on every backend: numbered ones (`?1`) are not supported".into(),
            ));
        }
        if raw.placeholders != self.binds.len() {
            return Err(Error::Config(format!(
                "raw SQL has {} `?` placeholder(s) but {} value(s) were bound: bind one value per `?` (a `?` in a string, quoted name or comment is not a placeholder)",
                raw.placeholders,
                self.binds.len()
            )));
        }
        if dialect == crate::Dialect::Postgres && !self.binds.is_empty() {
            return Ok(with_parameter_types(raw.sql, &self.binds));
        }
        Ok(raw.sql)
    }

    /// Runs the statement; returns the rows it wrote (inserted, updated,
    /// deleted), or for a statement that returns rows (`RETURNING`, a
    /// `SELECT`) the number of rows returned, the same on every backend.
    ///
    /// Exactly one statement runs, on every backend: text after a `;` that
    /// ends the first statement is [`Error::Config`] on SQLite (and refused
    /// by the server elsewhere), and nothing runs. For scripts use
    /// [`Executor::execute_script`].
    pub async fn execute(self, exec: &(impl Executor + ?Sized)) -> Result<u64> {
        let sql = self.prepared(exec.dialect())?;
        Ok(backend::execute(exec.target(), Sql::Raw(sql), self.binds)
            .await?
            .rows_affected)
    }

    /// Runs the query and maps every row into `M` by column name.
    ///
    /// The statement runs as written (its `ORDER BY`, `RETURNING` or
    /// `FOR UPDATE` included); each of `M`'s columns is read from the
    /// result column of the same name, so the columns may come in any
    /// order and extra ones are ignored. A column the model reads that the
    /// result lacks, or holds twice, is [`Error::Decode`] naming it.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug)]
    /// # #[model(table = "people")]
    /// # pub struct Person { #[model(primary_key)] id: i64, name: String }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # let db = Db::connect("sqlite::memory:").await?;
    /// # db.create_all(&orm::models![Person]).await?;
    /// # orm::raw("INSERT INTO people (id, name) VALUES (1, 'Ann'), (2, 'Bo')").execute(&db).await?;
    /// let people: Vec<Person> = orm::raw("SELECT name, id, 7 AS extra FROM people ORDER BY id DESC")
    ///     .all(&db)
    ///     .await?;
    /// assert_eq!(people[0].name, "Bo");
    /// # Ok(()) }
    /// ```
    pub async fn all<M: Model>(self, exec: &(impl Executor + ?Sized)) -> Result<Vec<M>> {
        let sql = self.prepared(exec.dialect())?;
        let mut found = None;
        backend::fetch_all(exec.target(), Sql::Raw(sql), self.binds, |row| {
            M::from_row_at(row, positions(&mut found, M::META, row)?)
        })
        .await
    }

    /// Runs the query and maps the first row into `M` by column name (as
    /// [`Raw::all`]), if any; the rows after it are not decoded.
    pub async fn first<M: Model>(self, exec: &(impl Executor + ?Sized)) -> Result<Option<M>> {
        let sql = self.prepared(exec.dialect())?;
        let mut found = None;
        backend::fetch_optional(exec.target(), Sql::Raw(sql), self.binds, |row| {
            M::from_row_at(row, positions(&mut found, M::META, row)?)
        })
        .await
    }

    /// Runs the query and decodes the first column of the first row; the
    /// rows after it are not decoded.
    pub async fn scalar<T: ColumnType>(self, exec: &(impl Executor + ?Sized)) -> Result<T> {
        let sql = self.prepared(exec.dialect())?;
        backend::fetch_optional(exec.target(), Sql::Raw(sql), self.binds, |row| {
            T::decode(row, 0).map_err(|e| Error::decode("raw query", "its first column", e))
        })
        .await?
        .ok_or(Error::NotFound { model: "raw query" })
    }
}

/// Where each of `meta`'s columns is in a raw query's result: found from
/// the first row's column names into `found`, and kept for the rows after
/// it.
fn positions<'p>(
    found: &'p mut Option<Vec<usize>>,
    meta: &crate::model::ModelMeta,
    row: RowRef<'_>,
) -> Result<&'p [usize]> {
    if found.is_none() {
        *found = Some(find_columns(meta, &row.column_names())?);
    }
    Ok(found.as_deref().unwrap_or_default())
}

/// The position in `names` of each column of `meta`: the column of the
/// same name, else the one whose name differs in ASCII case alone (as
/// unquoted names match on MySQL and SQLite).
fn find_columns(meta: &crate::model::ModelMeta, names: &[String]) -> Result<Vec<usize>> {
    let matching = |same: &dyn Fn(&str) -> bool| -> Vec<usize> {
        (0..names.len()).filter(|&i| same(&names[i])).collect()
    };
    meta.columns
        .iter()
        .map(|column| {
            let mut found = matching(&|name| name == column.name);
            if found.is_empty() {
                found = matching(&|name| name.eq_ignore_ascii_case(column.name));
            }
            let problem = match found.as_slice() {
                [one] => return Ok(*one),
                [] => format!(
                    "the raw query's result has no column of that name (it has {}): select every column the model reads, by name (extra columns are ignored)",
                    listed(names)
                ),
                several => format!(
                    "the raw query's result has {} columns of that name (it has {}): give the one the model reads an alias of its own",
                    several.len(),
                    listed(names)
                ),
            };
            Err(Error::Decode {
                model: meta.name,
                column: column.name,
                message: problem,
            })
        })
        .collect()
}

/// `names` as `` `a`, `b` ``, or "no columns".
fn listed(names: &[String]) -> String {
    if names.is_empty() {
        return "no columns".into();
    }
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
