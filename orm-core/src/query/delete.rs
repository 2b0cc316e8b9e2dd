//! DELETE: one model by its key, or every row matching a filter.

use crate::backend::{self, Sql, Target};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::query::insert::dialect_of;

pub(crate) async fn delete_one<M: Model>(target: Target<'_>, model: &M) -> Result<()> {
    let stmts = M::__statements(dialect_of(target));
    let mut binds = Vec::with_capacity(2);
    model.key_values(&mut binds);
    let done = backend::execute(target, Sql::Static(&stmts.delete_by_key), binds).await?;
    if done.rows_affected == 0 {
        return Err(Error::not_found(M::META.name));
    }
    Ok(())
}
