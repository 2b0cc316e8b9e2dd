//! The [`Model`] trait that `#[derive(Model)]` implements, and the static
//! side of everything built on it: table and column metadata
//! ([`ModelMeta`], [`ColumnMeta`]), relationships ([`RelationMeta`],
//! [`Relation`] descriptors), the load-state slots ([`HasMany`], [`HasOne`],
//! [`BelongsTo`]), schemas ([`Schema`]) and the cache of each model's
//! fixed statements.
//!
//! Metadata is a `const` built by the derive: no registration at start-up,
//! no global map. This layer knows no SQL and no connection: it describes.

mod meta;
mod relation;
mod schema;
mod slot;
mod statements;

pub use meta::{ColumnMeta, ForeignKey, ModelMeta, OnDelete};
pub use relation::{
    BackrefName, Cascade, JoinStep, Lazy, Link, NameFree, Path, PathCell, Relation, RelationKind,
    RelationMeta, Secondary, Through,
};
pub use schema::Schema;
pub use slot::{BelongsTo, HasMany, HasOne};
pub use statements::{StatementCache, Statements};

use crate::error::Result;
use crate::value::{ColumnType, RowRef, Value, ValueRef};

/// A primary key value: a single column value or a tuple for composite keys.
pub trait KeyValues: Send + Sync {
    /// Appends the key's bind parameters, in key column order.
    fn push_values(&self, out: &mut Vec<Value>);
}

impl<T: ColumnType> KeyValues for T {
    fn push_values(&self, out: &mut Vec<Value>) {
        out.push(self.to_value());
    }
}

macro_rules! tuple_key {
    ($($name:ident : $idx:tt),*) => {
        impl<$($name: ColumnType),*> KeyValues for ($($name,)*) {
            fn push_values(&self, out: &mut Vec<Value>) {
                $(out.push(self.$idx.to_value());)*
            }
        }
    };
}
tuple_key!(A: 0, B: 1);
tuple_key!(A: 0, B: 1, C: 2);
tuple_key!(A: 0, B: 1, C: 2, D: 3);

/// A struct mapped to a table. Implemented by `#[derive(Model)]`.
///
/// The derive generates it: the metadata, decoding a row by position,
/// and the checks of each field (plus hidden methods the operations use
/// to bind values and fill fields). What users call on a model
/// (`User::query()`, `User::get(&db, 7)`) comes with
/// [`ModelExt`](crate::ModelExt), in the prelude.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a model",
    label = "not a model",
    note = "add `#[derive(Model)]` to `{Self}` (with a `#[model(primary_key)]` field) to relate to it or query it"
)]
pub trait Model: Sized + Send + Sync + Unpin + 'static {
    /// The table description.
    const META: &'static ModelMeta;

    /// The model's path (module path and name): what tells two models of
    /// one name apart in the compile-time checks. Made by the derive.
    #[doc(hidden)]
    const __PATH: &'static str;

    /// The primary key type: the key field's type, or a tuple of them.
    type Key: KeyValues;

    /// Decodes a model from `row`, starting at column `offset`, in the order
    /// of [`ModelMeta::columns`].
    fn from_row(row: RowRef<'_>, offset: usize) -> Result<Self>;

    /// Decodes a model from `row`, reading column `i` of
    /// [`ModelMeta::columns`] at `positions[i]` (one position per column).
    #[doc(hidden)]
    fn from_row_at(row: RowRef<'_>, positions: &[usize]) -> Result<Self>;

    /// Appends the values of every column except a generated key, in column
    /// order.
    #[doc(hidden)]
    fn insert_values(&self, out: &mut Vec<Value>);

    /// [`Model::insert_values`], borrowing text and bytes from the fields.
    #[doc(hidden)]
    fn insert_refs<'a>(&'a self, out: &mut Vec<ValueRef<'a>>);

    /// Appends the values of every non-key column, in column order.
    #[doc(hidden)]
    fn update_values(&self, out: &mut Vec<Value>);

    /// Appends the values of the primary key columns.
    #[doc(hidden)]
    fn key_values(&self, out: &mut Vec<Value>);

    /// The value of the column at `index` of [`ModelMeta::columns`];
    /// [`Error::Config`](crate::Error::Config) for an index past the last
    /// column.
    #[doc(hidden)]
    fn column_value(&self, index: usize) -> Result<Value>;

    /// Sets the field of the column at `index` from `value`.
    #[doc(hidden)]
    fn set_column_value(&mut self, index: usize, value: Value) -> Result<()>;

    /// The field of the relationship at `index` of
    /// [`ModelMeta::relations`] (a [`HasMany`], [`HasOne`] or
    /// [`BelongsTo`]), for the loaders to fill; `None` past the last.
    #[doc(hidden)]
    fn relation_slot(&mut self, index: usize) -> Option<&mut dyn std::any::Any>;

    /// Sets the field of the column at `index` of [`ModelMeta::columns`]
    /// from the cell at `idx` of `row` (a generated key or a default read
    /// back by `RETURNING`).
    #[doc(hidden)]
    fn read_column(&mut self, index: usize, row: RowRef<'_>, idx: usize) -> Result<()>;

    /// Stores the key reported by MySQL's `LAST_INSERT_ID()`, plus `step`
    /// for the later rows of a multi-row insert.
    #[doc(hidden)]
    fn set_last_insert_id(&mut self, first: u64, step: u64) -> Result<()>;

    /// Runs the field validators and `max_length` checks.
    fn validate(&self) -> Result<()>;

    /// Runs the checks of the column at `index` on a value about to be
    /// written to it (a filtered update's `SET`).
    #[doc(hidden)]
    fn validate_column(index: usize, value: &Value) -> Result<()>;

    /// A copy of the model's columns, its relationship slots unloaded: the
    /// parent a collection load gives each child's inverse slot.
    #[doc(hidden)]
    fn __detached(&self) -> Option<Self>;

    /// True when a relationship slot holds rows to write with the model: a
    /// new belongs_to target, or a loaded collection or row.
    #[doc(hidden)]
    fn __pending(&self) -> bool;

    /// The model's cache of fixed statements, one per dialect.
    #[doc(hidden)]
    fn __cache() -> &'static StatementCache;
}

/// The values of the column at `index` of every row, in order (one
/// allocation of the right size: this runs per loaded row).
pub(crate) fn column_values<M: Model>(rows: &[M], index: usize) -> Result<Vec<Value>> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(row.column_value(index)?);
    }
    Ok(out)
}

/// The value of `column` in `model`.
pub(crate) fn value_of<M: Model>(model: &M, column: &ColumnMeta) -> Result<Value> {
    model.column_value(M::META.index_of(column)?)
}
