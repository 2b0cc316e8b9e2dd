//! INSERT: one row with its generated key, or many rows as multi-row
//! statements chunked under the backend's bind limit.
//!
//! Generated keys come back through `RETURNING` on PostgreSQL and SQLite.
//! MySQL has no `RETURNING`: the first key is `LAST_INSERT_ID()` and the
//! others follow it by `@@auto_increment_increment`, which InnoDB guarantees
//! for a single multi-row `INSERT ... VALUES` (a "simple insert": its row
//! count is known up front, so its keys are allocated as one block).

use crate::backend::{self, Sql, Target};
use crate::db::Tx;
use crate::dialect::{self, Dialect, SqlWriter};
use crate::error::{Error, Result};
use crate::model::Model;

pub(crate) async fn insert_one<M: Model>(target: Target<'_>, mut model: M) -> Result<M> {
    if model.__has_new() {
        let mut models = insert_many(target, vec![model]).await?;
        return models
            .pop()
            .ok_or_else(|| Error::Config("the insert returned no row".into()));
    }
    model.validate()?;
    let dialect = dialect_of(target);
    let stmts = M::__statements(dialect);
    let mut binds = Vec::with_capacity(stmts.insert_columns);
    model.insert_values(&mut binds);
    let sql = Sql::Static(&stmts.insert_one);
    if M::META.auto_column().is_none() {
        backend::execute(target, sql, binds).await?;
    } else if dialect.supports_returning() {
        let mut set = None;
        backend::fetch_all(target, sql, binds, |row| {
            set = Some(model.set_generated_key(row, 0));
            Ok(())
        })
        .await?;
        set.unwrap_or_else(|| Err(Error::Config("INSERT returned no key".into())))?;
    } else {
        let done = backend::execute(target, sql, binds).await?;
        model.set_last_insert_id(done.last_insert_id.unwrap_or_default(), 0)?;
    }
    Ok(model)
}

pub(crate) fn dialect_of(target: Target<'_>) -> Dialect {
    match target {
        Target::Db(db) => db.dialect(),
        Target::Tx(tx) => crate::Executor::dialect(tx),
    }
}

/// Rows per statement for a model with `columns` bound columns.
pub(crate) fn rows_per_chunk(dialect: Dialect, columns: usize) -> usize {
    (dialect.max_binds() / columns.max(1)).max(1)
}

pub(crate) async fn insert_many<M: Model>(
    target: Target<'_>,
    mut models: Vec<M>,
) -> Result<Vec<M>> {
    if models.is_empty() {
        return Ok(models);
    }
    for m in &models {
        m.validate()?;
    }
    let dialect = dialect_of(target);
    if models.iter().any(Model::__has_new) {
        // A graph: everything in one transaction, the caller's or ours.
        return match target {
            Target::Tx(_) => {
                crate::persist::insert_graph(&mut models, target).await?;
                Ok(models)
            }
            Target::Db(db) => {
                let tx: Tx = db.begin().await?;
                match crate::persist::insert_graph(&mut models, Target::Tx(&tx)).await {
                    Ok(()) => {
                        tx.commit().await?;
                        Ok(models)
                    }
                    Err(e) => {
                        let _ = tx.rollback().await;
                        Err(e)
                    }
                }
            }
        };
    }
    let stmts = M::__statements(dialect);
    let chunk = rows_per_chunk(dialect, stmts.insert_columns);
    if models.len() <= chunk {
        insert_chunk(target, &mut models).await?;
        return Ok(models);
    }
    // Several statements: all or nothing.
    match target {
        Target::Tx(_) => {
            for part in models.chunks_mut(chunk) {
                insert_chunk(target, part).await?;
            }
        }
        Target::Db(db) => {
            let tx: Tx = db.begin().await?;
            for part in models.chunks_mut(chunk) {
                if let Err(e) = insert_chunk(Target::Tx(&tx), part).await {
                    let _ = tx.rollback().await;
                    return Err(e);
                }
            }
            tx.commit().await?;
        }
    }
    Ok(models)
}

/// `INSERT INTO ... VALUES (..), (..)` for `rows`, with their values bound.
fn render_rows<M: Model>(dialect: Dialect, rows: &[M]) -> SqlWriter {
    let stmts = M::__statements(dialect);
    let mut w = SqlWriter::new(dialect);
    w.binds.reserve(rows.len() * stmts.insert_columns);
    w.sql
        .reserve(stmts.insert_head.len() + rows.len() * stmts.insert_columns * 5);
    w.push(&stmts.insert_head);
    let mut values = Vec::with_capacity(stmts.insert_columns);
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        row.insert_values(&mut values);
        dialect::write_insert_row(&mut w, M::META, values.drain(..));
    }
    w
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
        if m.__has_new() {
            return Err(Error::Config(format!(
                "bulk_insert writes `{}` rows only, and this one holds new related rows: use insert_many to write the graph",
                M::META.name
            )));
        }
    }
    let dialect = dialect_of(target);
    let chunk = rows_per_chunk(dialect, M::__statements(dialect).insert_columns);
    let write = async |target: Target<'_>| -> Result<u64> {
        let mut total = 0;
        for part in models.chunks(chunk) {
            let w = render_rows(dialect, part);
            total += backend::execute(target, Sql::Owned(w.sql), w.binds)
                .await?
                .rows_affected;
        }
        Ok(total)
    };
    match target {
        Target::Db(db) if models.len() > chunk => {
            let tx: Tx = db.begin().await?;
            match write(Target::Tx(&tx)).await {
                Ok(n) => {
                    tx.commit().await?;
                    Ok(n)
                }
                Err(e) => {
                    let _ = tx.rollback().await;
                    Err(e)
                }
            }
        }
        _ => write(target).await,
    }
}

pub(crate) async fn insert_chunk<M: Model>(target: Target<'_>, rows: &mut [M]) -> Result<()> {
    let dialect = dialect_of(target);
    let mut w = render_rows(dialect, rows);
    let auto = M::META.auto_column().is_some();
    if auto && dialect.supports_returning() {
        dialect::write_returning(&mut w, M::META);
        let mut next = rows.iter_mut();
        let mut failure = None;
        backend::fetch_all(target, Sql::Owned(w.sql), w.binds, |row| {
            if let Some(model) = next.next()
                && let Err(e) = model.set_generated_key(row, 0)
            {
                failure.get_or_insert(e);
            }
            Ok(())
        })
        .await?;
        if let Some(e) = failure {
            return Err(e);
        }
    } else {
        let done = backend::execute(target, Sql::Owned(w.sql), w.binds).await?;
        if auto {
            let first = done.last_insert_id.unwrap_or_default();
            let step = target.shared().auto_increment_step;
            for (i, model) in rows.iter_mut().enumerate() {
                model.set_last_insert_id(first, i as u64 * step)?;
            }
        }
    }
    Ok(())
}
