//! UPDATE: one model by its key, or every row matching a filter.

use crate::backend::{self, Sql, Target};
use crate::error::{Error, Result};
use crate::expr::Expr;
use crate::model::{ColumnMeta, Link, Model, ModelMeta};
use crate::sql;
use crate::sql::ast::{self, Where};
use crate::value::Value;

/// Writes every non-key column of one row by its key (and checks and bumps
/// its version); [`Error::NotFound`] or [`Error::StaleData`] when no row
/// matched.
pub(crate) async fn update_one<M: Model>(target: Target<'_>, model: &mut M) -> Result<()> {
    model.validate()?;
    let stmts = crate::sql::statements::<M>(target.dialect());
    backend::store_as_written(target, model, &stmts.coarsened)?;
    if stmts.update_by_key.is_empty() {
        // Every column is part of the key: there is nothing to write.
        return Ok(());
    }
    let mut binds = Vec::with_capacity(M::META.columns.len() + 1);
    model.update_values(&mut binds);
    let version = match M::META.version_column() {
        Some((index, _)) => {
            // The version's place among the non-key columns written.
            let slot = M::META.columns[..index]
                .iter()
                .filter(|c| !c.primary_key)
                .count();
            let read = binds[slot].clone();
            let next = next_version::<M>(&read)?;
            binds[slot] = next.clone();
            Some((index, read, next))
        }
        None => None,
    };
    model.key_values(&mut binds);
    if let Some((_, read, _)) = &version {
        binds.push(read.clone());
    }
    // The model's values, validated above, and its version (a counter).
    let done = backend::execute_validated(target, Sql::Static(&stmts.update_by_key), binds).await?;
    if done.rows_affected == 0 {
        return Err(missing_row(target, &*model).await);
    }
    if let Some((index, _, next)) = version {
        model.set_column_value(index, next)?;
    }
    Ok(())
}

/// The version after `read`: one more.
pub(crate) fn next_version<M: Model>(read: &Value) -> Result<Value> {
    let next = match read {
        Value::I16(v) => v.checked_add(1).map(Value::I16),
        Value::I32(v) => v.checked_add(1).map(Value::I32),
        Value::I64(v) => v.checked_add(1).map(Value::I64),
        _ => None,
    };
    next.ok_or_else(|| {
        Error::Config(format!(
            "the version of this `{}` row ({read:?}) cannot be incremented",
            M::META.name
        ))
    })
}

/// Why an UPDATE or DELETE by key matched no row: [`Error::StaleData`]
/// when the model is versioned and a row with its key exists (its
/// version moved on), [`Error::NotFound`] otherwise.
pub(crate) async fn missing_row<M: Model>(target: Target<'_>, model: &M) -> Error {
    let mut key = Vec::new();
    model.key_values(&mut key);
    if M::META.version_column().is_none() {
        return Error::not_found(M::META.name);
    }
    let stmts = crate::sql::statements::<M>(target.dialect());
    let shown = describe_key(&key);
    match backend::fetch_optional(target, Sql::Static(&stmts.exists_by_key), key, |_| Ok(())).await
    {
        Ok(Some(())) => Error::StaleData {
            model: M::META.name,
            key: shown,
        },
        Ok(None) => Error::not_found(M::META.name),
        Err(e) => e,
    }
}

/// A key as text for messages: `7`, `(7, "en")`.
pub(crate) fn describe_key(key: &[Value]) -> String {
    let one = |v: &Value| match v {
        Value::I16(v) => v.to_string(),
        Value::I32(v) => v.to_string(),
        Value::I64(v) => v.to_string(),
        Value::String(s) => format!("{s:?}"),
        other => format!("{other:?}"),
    };
    match key {
        [only] => one(only),
        many => format!("({})", many.iter().map(one).collect::<Vec<_>>().join(", ")),
    }
}

/// `UPDATE t SET c1 = ?, ... WHERE <key> = ?`: writes some columns of one
/// row; [`Error::NotFound`] when no row has the key.
pub(crate) async fn set_columns(
    target: Target<'_>,
    meta: &'static ModelMeta,
    set: &[(&'static ColumnMeta, Value)],
    key: Vec<Value>,
) -> Result<()> {
    let r = sql::update(
        target.dialect(),
        ast::Update {
            table: meta,
            set: set.iter().map(|(c, v)| (c.name, v.clone())).collect(),
            filter: Some(Where::Equal {
                table: meta,
                columns: meta.primary_key().zip(key).collect(),
                qualified: false,
            }),
        },
    )?;
    let done = backend::execute(target, Sql::Owned(r.sql), r.binds).await?;
    if done.rows_affected == 0 {
        return Err(Error::not_found(meta.name));
    }
    Ok(())
}

/// `UPDATE child SET key = ? WHERE <key of each row>`: existing children
/// moved to the parent whose collection now holds them (`keys` holds each
/// child's primary key values).
pub(crate) async fn reparent(
    target: Target<'_>,
    link: &Link,
    parent: Value,
    keys: Vec<Vec<Value>>,
) -> Result<()> {
    let pk: Vec<&'static ColumnMeta> = link.child.primary_key().collect();
    let rows = match pk.as_slice() {
        [only] => Expr::any_of(link.child, only, keys.into_iter().flatten().collect()),
        columns => Expr::Or(
            keys.into_iter()
                .map(|key| {
                    Expr::And(
                        columns
                            .iter()
                            .zip(key)
                            .map(|(c, v)| Expr::column_eq(link.child, c, v))
                            .collect(),
                    )
                })
                .collect(),
        ),
    };
    let r = sql::update(
        target.dialect(),
        ast::Update {
            table: link.child,
            set: vec![(link.child_column.name, parent)],
            filter: Some(Where::owned(rows)),
        },
    )?;
    backend::execute(target, Sql::Owned(r.sql), r.binds).await?;
    Ok(())
}
