//! INSERT: one row, or many rows as multi-row statements chunked under the
//! backend's bind limit, reading back what the database filled in.
//!
//! What the database fills in (generated keys, and nullable columns whose
//! SQL default stands in for `None`) is read back in the same statement
//! with `RETURNING` on SQLite, PostgreSQL and MariaDB 10.5+. MySQL has no
//! `RETURNING`: the first key is `LAST_INSERT_ID()` and the others follow
//! it by `@@auto_increment_increment`, which InnoDB guarantees for a single
//! multi-row `INSERT ... VALUES` (a "simple insert": its row count is
//! known up front, so its keys are allocated as one block); defaults are
//! then re-read by key in the same transaction.

use crate::backend::Atomic;
use crate::backend::{self, Sql, Target};
use crate::error::{Error, Result};
use crate::expr::Expr;
use crate::model::Model;
use crate::query::select::Select;
use crate::sql::{self, Dialect, Rendered, ast};
use crate::value::{HashKey, RowRef, Value};

/// Inserts one row and reads back what the database filled in.
pub(crate) async fn insert_one<M: Model>(target: Target<'_>, mut model: M) -> Result<M> {
    model.validate()?;
    let stmts = crate::sql::statements::<M>(target.dialect());
    backend::store_as_written(target, &mut model, &stmts.coarsened)?;
    let mut binds = Vec::with_capacity(stmts.insert_columns);
    model.insert_values(&mut binds);
    if stmts.returned.is_empty() {
        backend::execute(target, Sql::Static(&stmts.insert_one), binds).await?;
    } else if target.shared().server.insert_returning {
        let mut read = None;
        backend::fetch_optional(
            target,
            Sql::Static(&stmts.insert_one_returning),
            binds,
            |row| {
                read = Some(read_returned(&mut model, &stmts.returned, row));
                Ok(())
            },
        )
        .await?;
        read.unwrap_or_else(|| {
            Err(Error::Config(format!(
                "an insert of one `{}` row read back no row",
                M::META.name
            )))
        })?;
    } else {
        let atomic = Atomic::begin(target).await?;
        let outcome = insert_then_reread(
            atomic.target(),
            std::slice::from_mut(&mut model),
            Sql::Static(&stmts.insert_one),
            binds,
        )
        .await;
        atomic.finish(outcome).await?;
    }
    Ok(model)
}

/// Stores the cells of an insert's `RETURNING` row into `model`.
fn read_returned<M: Model>(model: &mut M, returned: &[usize], row: RowRef<'_>) -> Result<()> {
    for (idx, &column) in returned.iter().enumerate() {
        model.read_column(column, row, idx)?;
    }
    Ok(())
}

/// Rows per statement for a model with `columns` bound columns.
pub(crate) fn rows_per_chunk(dialect: Dialect, columns: usize) -> usize {
    (dialect.max_binds() / columns.max(1)).max(1)
}

/// Inserts rows (validated by the caller) in as few statements as the
/// bind limit allows, all or nothing, reading back what the database
/// filled in.
pub(crate) async fn insert_many<M: Model>(
    target: Target<'_>,
    mut models: Vec<M>,
) -> Result<Vec<M>> {
    if models.is_empty() {
        return Ok(models);
    }
    let dialect = target.dialect();
    let stmts = crate::sql::statements::<M>(dialect);
    let chunk = rows_per_chunk(dialect, stmts.insert_columns);
    let reread = !stmts.returned.is_empty() && !target.shared().server.insert_returning;
    if models.len() <= chunk && !reread {
        insert_chunk(target, &mut models).await?;
        return Ok(models);
    }
    // Several statements: all or nothing.
    let atomic = Atomic::begin(target).await?;
    let mut outcome = Ok(());
    for part in models.chunks_mut(chunk) {
        outcome = insert_chunk(atomic.target(), part).await;
        if outcome.is_err() {
            break;
        }
    }
    atomic.finish(outcome).await?;
    Ok(models)
}

/// `INSERT INTO ... VALUES (..), (..)` for `rows`, with their values bound,
/// reading back what the database fills in when `returning`.
fn render_rows<M: Model>(dialect: Dialect, rows: &[M], returning: bool) -> Rendered {
    let columns = crate::sql::statements::<M>(dialect).insert_columns;
    let mut values = Vec::with_capacity(rows.len() * columns);
    for row in rows {
        row.insert_values(&mut values);
    }
    sql::insert(
        dialect,
        ast::Insert {
            table: M::META,
            rows: rows.len(),
            values,
            returning,
        },
    )
}

/// Inserts the rows of `models` without reading anything back: one
/// multi-row INSERT per chunk under the bind limit, in one transaction
/// when there are several. Returns the number of rows inserted.
pub(crate) async fn bulk_insert<M: Model>(target: Target<'_>, models: &[M]) -> Result<u64> {
    if models.is_empty() {
        return Ok(0);
    }
    for m in models {
        m.validate()?;
    }
    let dialect = target.dialect();
    let chunk = rows_per_chunk(dialect, crate::sql::statements::<M>(dialect).insert_columns);
    let write = async |target: Target<'_>| -> Result<u64> {
        let mut total = 0;
        for part in models.chunks(chunk) {
            let w = render_rows(dialect, part, false);
            total += backend::execute(target, Sql::Owned(w.sql), w.binds)
                .await?
                .rows_affected;
        }
        Ok(total)
    };
    if models.len() <= chunk {
        return write(target).await;
    }
    let atomic = Atomic::begin(target).await?;
    let outcome = write(atomic.target()).await;
    atomic.finish(outcome).await
}

/// Inserts `rows` in one statement and stores what the database filled in
/// (keys, defaults) into them. Several chunks, or a re-read on MySQL, need
/// the caller's transaction.
pub(crate) async fn insert_chunk<M: Model>(target: Target<'_>, rows: &mut [M]) -> Result<()> {
    let dialect = target.dialect();
    let stmts = crate::sql::statements::<M>(dialect);
    for row in rows.iter_mut() {
        backend::store_as_written(target, row, &stmts.coarsened)?;
    }
    let returning = !stmts.returned.is_empty() && target.shared().server.insert_returning;
    let w = render_rows(dialect, rows, returning);
    if stmts.returned.is_empty() {
        backend::execute(target, Sql::Owned(w.sql), w.binds).await?;
    } else if returning {
        let mut next = rows.iter_mut();
        let mut failure = None;
        let mut count = 0;
        backend::fetch_all(target, Sql::Owned(w.sql), w.binds, |row| {
            count += 1;
            if let Some(model) = next.next()
                && let Err(e) = read_returned(model, &stmts.returned, row)
            {
                failure.get_or_insert(e);
            }
            Ok(())
        })
        .await?;
        if let Some(e) = failure {
            return Err(e);
        }
        if count != rows.len() {
            return Err(Error::Config(format!(
                "an insert of {} `{}` rows returned {count}",
                rows.len(),
                M::META.name
            )));
        }
    } else {
        insert_then_reread(target, rows, Sql::Owned(w.sql), w.binds).await?;
    }
    Ok(())
}

/// MySQL without `RETURNING`: runs the insert, takes the generated keys
/// from `LAST_INSERT_ID()`, then re-reads the columns filled by defaults
/// by key (in the caller's transaction).
async fn insert_then_reread<M: Model>(
    target: Target<'_>,
    rows: &mut [M],
    sql: Sql,
    binds: Vec<Value>,
) -> Result<()> {
    let done = backend::execute(target, sql, binds).await?;
    if M::META.auto_column().is_some() {
        let first = done.last_insert_id.unwrap_or_default();
        let step = target.shared().auto_increment_step;
        for (i, model) in rows.iter_mut().enumerate() {
            model.set_last_insert_id(first, i as u64 * step)?;
        }
    }
    let defaults: Vec<usize> = crate::sql::statements::<M>(target.dialect())
        .returned
        .iter()
        .copied()
        .filter(|&i| !M::META.columns[i].auto)
        .collect();
    if defaults.is_empty() {
        return Ok(());
    }
    let key_of = |m: &M| {
        let mut key = Vec::new();
        m.key_values(&mut key);
        key.into_iter().map(HashKey).collect::<Vec<_>>()
    };
    let by_key = Expr::Or(
        rows.iter()
            .map(|m| {
                let mut key = Vec::new();
                m.key_values(&mut key);
                Expr::And(
                    M::META
                        .primary_key()
                        .zip(key)
                        .map(|(col, value)| Expr::column_eq(M::META, col, value))
                        .collect(),
                )
            })
            .collect(),
    );
    let stored = Select::<M>::new().filter(by_key).all_plain(target).await?;
    let mut stored: rustc_hash::FxHashMap<Vec<HashKey>, M> =
        stored.into_iter().map(|m| (key_of(&m), m)).collect();
    for model in rows.iter_mut() {
        let Some(row) = stored.remove(&key_of(model)) else {
            return Err(Error::Config(format!(
                "a `{}` row just inserted could not be read back by its key",
                M::META.name
            )));
        };
        for &i in &defaults {
            model.set_column_value(i, row.column_value(i)?)?;
        }
    }
    Ok(())
}
