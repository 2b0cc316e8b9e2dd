//! The write operations as `Db` and `Tx` offer them: each decides whether
//! a model's relationships take part (a graph to insert, keys to sync from
//! belongs_to slots) and runs in one transaction when it takes several
//! statements. One-table writes are in [`crate::query`]; graph writes in
//! [`crate::relation`].

use crate::backend::{Atomic, Target};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::query;
use crate::relation::{insert_graph, pending, save_graph, sync_keys, update_row};

/// `db.insert(model)`: the row, or the graph it holds.
pub(crate) async fn insert<M: Model>(target: Target<'_>, mut model: M) -> Result<M> {
    if pending(&model) {
        let mut models = insert_many(target, vec![model]).await?;
        return models
            .pop()
            .ok_or_else(|| Error::Config("the insert returned no row".into()));
    }
    sync_keys(&mut model)?;
    query::insert::insert_one(target, model).await
}

/// `db.insert_many(models)`: the rows, or the graph they hold, all or
/// nothing.
pub(crate) async fn insert_many<M: Model>(
    target: Target<'_>,
    mut models: Vec<M>,
) -> Result<Vec<M>> {
    for m in &models {
        m.validate()?;
    }
    if models.iter().any(pending) {
        // A graph: everything in one transaction, the caller's or ours.
        let atomic = Atomic::begin(target).await?;
        let outcome = insert_graph(&mut models, atomic.target()).await;
        atomic.finish(outcome).await?;
        return Ok(models);
    }
    for m in &mut models {
        sync_keys(m)?;
    }
    query::insert::insert_many(target, models).await
}

/// `db.bulk_insert(models)`: the rows alone, nothing read back.
pub(crate) async fn bulk_insert<M: Model>(target: Target<'_>, models: &[M]) -> Result<u64> {
    if models.iter().any(pending) {
        return Err(Error::Config(format!(
            "bulk_insert writes `{}` rows only, and this one holds new related rows: use insert_many to write the graph",
            M::META.name
        )));
    }
    query::insert::bulk_insert(target, models).await
}

/// `db.update(&mut model)`.
pub(crate) async fn update<M: Model>(target: Target<'_>, model: &mut M) -> Result<()> {
    update_row(target, model).await
}

/// `db.save(&mut model)` in one transaction (the caller's, or its own).
/// A failed save leaves the model's version as it was, so that it can be
/// saved again.
pub(crate) async fn save<M: Model>(target: Target<'_>, model: &mut M) -> Result<()> {
    let version = M::META
        .version_column()
        .map(|(i, _)| model.column_value(i).map(|v| (i, v)))
        .transpose()?;
    let atomic = Atomic::begin(target).await?;
    let outcome = save_graph(model, atomic.target()).await;
    let result = atomic.finish(outcome).await;
    if result.is_err()
        && let Some((i, read)) = version
    {
        model.set_column_value(i, read)?;
    }
    result
}

/// `db.delete(&model)`, with the rules of its relationships.
pub(crate) async fn delete<M: Model>(target: Target<'_>, model: &M) -> Result<()> {
    query::delete::delete_one(target, model).await
}
