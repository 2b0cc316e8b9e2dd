//! UPDATE: one model by its key, or every row matching a filter.

use crate::backend::{self, Sql, Target};
use crate::dialect::SqlWriter;
use crate::error::{Error, Result};
use crate::model::{ColumnMeta, Model, ModelMeta};
use crate::query::insert::dialect_of;
use crate::value::Value;

pub(crate) async fn update_one<M: Model>(target: Target<'_>, model: &M) -> Result<()> {
    model.validate()?;
    let stmts = M::__statements(dialect_of(target));
    if stmts.update_by_key.is_empty() {
        // Every column is part of the key: there is nothing to write.
        return Ok(());
    }
    let mut binds = Vec::with_capacity(M::META.columns.len());
    model.update_values(&mut binds);
    model.key_values(&mut binds);
    let done = backend::execute(target, Sql::Static(&stmts.update_by_key), binds).await?;
    if done.rows_affected == 0 {
        return Err(Error::not_found(M::META.name));
    }
    Ok(())
}

/// `UPDATE t SET c1 = ?, ... WHERE <key> = ?`: writes some columns of one
/// row; [`Error::NotFound`] when no row has the key.
pub(crate) async fn set_columns(
    target: Target<'_>,
    meta: &'static ModelMeta,
    set: &[(&'static ColumnMeta, Value)],
    key: Vec<Value>,
) -> Result<()> {
    let mut w = SqlWriter::new(dialect_of(target));
    w.push("UPDATE ");
    w.table(meta);
    w.push(" SET ");
    for (i, (column, value)) in set.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        w.ident(column.name);
        w.push(" = ");
        w.bind(value.clone());
    }
    for (i, (column, value)) in meta.primary_key().zip(key).enumerate() {
        w.push(if i == 0 { " WHERE " } else { " AND " });
        w.ident(column.name);
        w.push(" = ");
        w.bind(value);
    }
    let done = backend::execute(target, Sql::Owned(w.sql), w.binds).await?;
    if done.rows_affected == 0 {
        return Err(Error::not_found(meta.name));
    }
    Ok(())
}
