//! Graph writes: inserting a model whose relationship slots hold new
//! related models writes the whole graph, in dependency order, batched per
//! table and level, in one transaction; `db.save` writes a loaded graph.
//!
//! ```text
//!   insert_many(users)                      statements
//!     1. new belongs_to targets of users    one INSERT per table and level
//!     2. users                              one multi-row INSERT (keys back)
//!     3. new has_many/has_one children      one multi-row INSERT, keys set
//!        existing children                  one UPDATE per parent (re-parent)
//!     4. new many-to-many targets           one multi-row INSERT
//!        association rows                   one multi-row INSERT
//! ```
//!
//! What each relationship does at each step is its kind's strategy
//! (`belongs_to.rs`, `has_one.rs`, ...); this module orders the steps. What is new is said
//! by the slot, never guessed from a key: `BelongsTo::new(user)`,
//! `HasOne::new(profile)`, `HasMany::new(posts)` and `push_new` hold rows
//! to insert; `loaded(..)`, `set(..)` and `push_existing` hold rows that
//! exist, which are linked, not inserted. A graph made of owned values
//! cannot hold a cycle; a self-referential tree is written level by level.

use futures_core::future::BoxFuture;

use crate::backend::Target;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::query::insert::insert_rows;
use crate::query::update::update_one;

use super::strategy::{new_parent, strategies, sync_keys};

/// Inserts `models` and everything new reachable from them, in order.
pub(crate) fn insert_graph<'a, M: Model>(
    models: &'a mut [M],
    target: Target<'a>,
) -> BoxFuture<'a, Result<()>> {
    Box::pin(async move {
        if models.is_empty() {
            return Ok(());
        }
        for (rel, strategy) in strategies::<M>() {
            if let Some(step) = strategy.insert_before(rel, models, target) {
                step.await?;
            }
        }
        for m in models.iter_mut() {
            m.validate()?;
            sync_keys(m)?;
        }
        insert_rows(target, models).await?;
        for (rel, strategy) in strategies::<M>() {
            if let Some(step) = strategy.insert_after(rel, models, target) {
                step.await?;
            }
        }
        Ok(())
    })
}

/// Updates one row whose belongs_to slots may hold targets: their keys are
/// written into the row first; a new target (which an update does not
/// insert) is [`Error::Relationship`].
pub(crate) async fn update_row<M: Model>(target: Target<'_>, model: &mut M) -> Result<()> {
    if let Some(relation) = new_parent(&*model) {
        return Err(Error::Relationship {
            model: M::META.name,
            relation,
            message: "holds a new row, which update does not insert: use db.save(&mut model) to write it with the row, or insert it first and link it with BelongsTo::loaded".into(),
        });
    }
    sync_keys(model)?;
    update_one(target, model).await
}

/// `db.save`'s graph: new belongs_to targets inserted, the row updated,
/// then its loaded collections and rows written, orphans handled.
pub(crate) async fn save_graph<M: Model>(model: &mut M, target: Target<'_>) -> Result<()> {
    let models = std::slice::from_mut(model);
    for (rel, strategy) in strategies::<M>() {
        if let Some(step) = strategy.insert_before(rel, models, target) {
            step.await?;
        }
    }
    sync_keys(&mut models[0])?;
    update_one(target, &mut models[0]).await?;
    for (rel, strategy) in strategies::<M>() {
        if let Some(step) = strategy.save(rel, models, target) {
            step.await?;
        }
    }
    Ok(())
}
