//! Statements as values: what the operations build and a dialect's
//! renderer writes. They borrow what they can from the query that built
//! them (its filter, its order), so building one copies no expression.
//!
//! ```text
//!   Select::filter(..).limit(..)  ──► ast::Select ──► Renderer (per dialect) ──► (sql, binds)
//!   db.insert(&rows)              ──► ast::Insert ──┘
//! ```

use std::borrow::Cow;

use crate::expr::{ColumnRef, Expr, OrderBy};
use crate::model::{ColumnMeta, JoinStep, ModelMeta};
use crate::value::Value;

/// A condition of a `WHERE` clause.
#[derive(Debug, Clone)]
pub enum Where<'a> {
    /// Every one of these holds (one alone is written bare, several in
    /// parentheses joined by `AND`, as [`Expr::And`] is).
    All(Vec<Cow<'a, Expr>>),
    /// `"a" = ? AND "b" = ?`: each column equal to its value, the columns
    /// named bare (UPDATE and DELETE by key) or qualified by their table.
    Equal {
        /// The table of the columns.
        table: &'static ModelMeta,
        /// Each column with its value.
        columns: Vec<(&'static ColumnMeta, Value)>,
        /// Qualify the columns with their table.
        qualified: bool,
    },
    /// The primary key of `table` is among the keys `subquery` selects: a
    /// join through a to-many relationship narrows the roots instead of
    /// multiplying them.
    KeyIn {
        /// The table whose key is tested.
        table: &'static ModelMeta,
        /// The subquery selecting keys of the same table.
        subquery: Box<Select<'a>>,
    },
}

impl<'a> Where<'a> {
    /// The condition `expr`, borrowed.
    pub fn expr(expr: &'a Expr) -> Self {
        Where::All(vec![Cow::Borrowed(expr)])
    }

    /// The condition `expr`, owned.
    pub fn owned(expr: Expr) -> Self {
        Where::All(vec![Cow::Owned(expr)])
    }
}

/// One item of a select list.
#[derive(Debug, Clone, Copy)]
pub enum Item {
    /// Every column of a model, qualified by its table, in field order.
    Model(&'static ModelMeta),
    /// Every column of a model, qualified by an alias.
    ModelAs(&'static ModelMeta, &'static str),
    /// The primary key of a model: its column, or a row of its columns.
    Key(&'static ModelMeta),
    /// One column.
    Column(ColumnRef),
    /// The constant `1` (a row exists).
    One,
    /// The constant `1` named by an alias.
    OneAs(&'static str),
    /// `COUNT(*)`.
    CountAll,
}

/// What a `SELECT` reads from.
#[derive(Debug, Clone)]
pub enum Source<'a> {
    /// A model's table.
    Table(&'static ModelMeta),
    /// A subquery under an alias.
    Select(Box<Select<'a>>, &'static str),
}

/// The kind of a join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    /// `INNER JOIN`
    Inner,
    /// `LEFT JOIN`
    Left,
}

/// One join of a `SELECT`.
#[derive(Debug, Clone, Copy)]
pub struct Join {
    /// Inner or left.
    pub kind: JoinKind,
    /// The table joined and its `ON` columns.
    pub step: JoinStep,
}

/// A `SELECT` statement.
#[derive(Debug, Clone)]
pub struct Select<'a> {
    /// The select list.
    pub items: Vec<Item>,
    /// Expressions selected after the items (a projection).
    pub projection: &'a [Expr],
    /// What it reads from.
    pub from: Source<'a>,
    /// The joins, in order.
    pub joins: Vec<Join>,
    /// The condition, if any.
    pub filter: Option<Where<'a>>,
    /// `GROUP BY` terms.
    pub group_by: &'a [Expr],
    /// The condition on the groups.
    pub having: Option<&'a Expr>,
    /// The sort terms.
    pub order: Cow<'a, [OrderBy]>,
    /// At most this many rows.
    pub limit: Option<u64>,
    /// Skipping this many rows.
    pub offset: Option<u64>,
}

impl<'a> Select<'a> {
    /// `SELECT items FROM table`, with nothing else yet.
    pub fn from(table: &'static ModelMeta, items: Vec<Item>) -> Self {
        Select {
            items,
            projection: &[],
            from: Source::Table(table),
            joins: Vec::new(),
            filter: None,
            group_by: &[],
            having: None,
            order: Cow::Borrowed(&[]),
            limit: None,
            offset: None,
        }
    }

    /// The same statement reading from `from`.
    pub fn reading(self, from: Source<'a>) -> Self {
        Select { from, ..self }
    }
}

/// An `INSERT` of model rows: the values of every column but a generated
/// key, row after row.
#[derive(Debug, Clone)]
pub struct Insert {
    /// The model's table.
    pub table: &'static ModelMeta,
    /// How many rows `values` holds.
    pub rows: usize,
    /// The values, row after row, in column order.
    pub values: InsertValues,
    /// Read back the columns the database fills in
    /// ([`ColumnMeta::filled_by_database`]).
    pub returning: bool,
}

/// The values of an [`Insert`]'s rows.
#[derive(Debug, Clone)]
pub enum InsertValues {
    /// Bound by the statement: row after row, in column order.
    Bound(Vec<Value>),
    /// Bound by the caller, in the same order; the statement holds only
    /// the placeholders.
    Placeholders,
}

/// What an upsert does with a row whose conflict columns match a row
/// already in the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// Keep the existing row.
    DoNothing,
    /// Set these columns of the existing row to the new row's values.
    Update(Vec<&'static str>),
}

/// An insert that meets existing rows on `columns`: `ON CONFLICT` on
/// SQLite and PostgreSQL, `ON DUPLICATE KEY UPDATE` on MySQL.
#[derive(Debug, Clone)]
pub struct Upsert {
    /// The rows, as for an insert (`returning` is ignored).
    pub insert: Insert,
    /// The columns of the unique constraint (or key) the rows may meet.
    pub columns: Vec<&'static str>,
    /// What to do then.
    pub action: Conflict,
    /// Return every column of each row written (not of rows left alone),
    /// where the dialect can (`RETURNING`).
    pub returning: bool,
}

/// An `INSERT` of association pairs that adds only the missing ones.
#[derive(Debug, Clone)]
pub struct InsertMissingPairs {
    /// The association table.
    pub table: &'static ModelMeta,
    /// Its column referencing the owner.
    pub left: &'static ColumnMeta,
    /// Its column referencing the target.
    pub right: &'static ColumnMeta,
    /// The `(left, right)` pairs.
    pub pairs: Vec<(Value, Value)>,
}

/// An `UPDATE` statement.
#[derive(Debug, Clone)]
pub struct Update<'a> {
    /// The table.
    pub table: &'static ModelMeta,
    /// Each column set, with its value.
    pub set: Vec<(&'static str, Value)>,
    /// Which rows.
    pub filter: Option<Where<'a>>,
}

/// A `DELETE` statement.
#[derive(Debug, Clone)]
pub struct Delete<'a> {
    /// The table.
    pub table: &'static ModelMeta,
    /// Which rows.
    pub filter: Option<Where<'a>>,
}

/// `CREATE TABLE IF NOT EXISTS` for a model, with its constraints and
/// indexes.
#[derive(Debug, Clone, Copy)]
pub struct CreateTable<'a> {
    /// The model.
    pub table: &'static ModelMeta,
    /// Columns made unique by a relationship declared elsewhere (the key
    /// of a has_one's target).
    pub also_unique: &'a [&'static str],
    /// MySQL only: the server is MariaDB (its name for the binary NO PAD
    /// collation differs).
    pub mariadb: bool,
}

/// A transaction's isolation level, for `Db::begin_with` and
/// `Retry::isolation`. SQLite's transactions are always serializable, so
/// it ignores the level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Isolation {
    /// Each statement sees what was committed before it began.
    ReadCommitted,
    /// Every statement sees what was committed before the transaction's
    /// first statement (MySQL's default).
    RepeatableRead,
    /// As if the transactions ran one after another; the server refuses a
    /// transaction that would break that with a serialization failure,
    /// which [`Error::is_retryable`](crate::Error::is_retryable) reports.
    Serializable,
}

/// The statements that begin and end a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionSql {
    /// `BEGIN`; with `immediate`, SQLite's `BEGIN IMMEDIATE`, which takes
    /// the write lock up front so that a writer waits (up to the busy
    /// timeout) instead of failing when it meets another writer.
    Begin {
        /// SQLite: take the write lock at once.
        immediate: bool,
    },
    /// `COMMIT`
    Commit,
    /// `ROLLBACK`
    Rollback,
}

/// The statements of a savepoint: an operation of several statements
/// inside a caller's transaction, undone alone when it fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SavepointSql {
    /// `SAVEPOINT`
    Set,
    /// `RELEASE SAVEPOINT`
    Release,
    /// `ROLLBACK TO SAVEPOINT`
    RollbackTo,
}
