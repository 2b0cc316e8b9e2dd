//! UPDATE: one model by its key, or every row matching a filter.

use crate::backend::{self, Sql, Target};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::query::insert::dialect_of;

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
