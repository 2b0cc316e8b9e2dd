//! What relationships do at run time, one module per kind: the strategy
//! the derive emits per relationship field (graph insert, save, keys, the
//! slot for the loaders) and the lazy accessors with their write side
//! (`post.author()`, `user.posts()`, `user.profile()`, `post.tags()`).
//!
//! ```text
//!   belongs_to.rs    BelongsToOps   Parent / OptionalParent   key on the owner
//!   has_many.rs      HasManyOps     HasManyQuery (add/remove) key on the target
//!   has_one.rs       HasOneOps      HasOneQuery (get/set)     key on the target, unique
//!   many_to_many.rs  ManyToManyOps  ManyToManyQuery           through an association
//!   collection.rs    what has_many and many-to-many share
//!   related.rs       RelatedQuery: the read side of every collection accessor
//!   strategy.rs      the Strategy trait and the type-erased Ops the metadata holds
//!   graph.rs         graph insert and save: the strategies' steps in dependency order
//! ```
//!
//! The static side (metadata, descriptors, slots) lives in
//! [`crate::model`].

mod belongs_to;
mod collection;
mod graph;
mod has_many;
mod has_one;
mod many_to_many;
mod related;
mod strategy;

pub use belongs_to::{BelongsToOps, OptionalParent, Parent, held_key};
pub(crate) use graph::{insert_graph, save_graph, update_row};
pub use has_many::{HasManyOps, HasManyQuery};
pub use has_one::{HasOneOps, HasOneQuery};
pub use many_to_many::{ManyToManyOps, ManyToManyQuery};
pub use related::{ByAssociation, ByForeignKey, RelatedQuery, Scope};
pub use strategy::{
    AnyOps, Erase, EraseModel, EraseOther, Field, Ops, OpsCell, release_key, sync_keys,
    with_default_loads,
};

use crate::error::{Error, Result};
use crate::model::{Model, RelationMeta};
use crate::value::Value;

/// Points `child`'s key at the parent whose collection (or has_one slot)
/// holds it: the collection wins, as in SQLAlchemy, and a belongs_to slot
/// of the child still holding another parent is unloaded so that it does
/// not say otherwise (nor write its key back on a later update).
pub(crate) fn claim<T: Model>(child: &mut T, fk: usize, parent: Value) -> Result<()> {
    release_key(child, fk, &parent);
    child.set_column_value(fk, parent)
}

/// The error of updating a row a relationship holds as existing: a row
/// that is not in the database (the update matched none) says which
/// relationship held it and what to do; other errors pass.
pub(crate) fn held_row_error(rel: &RelationMeta, err: Error) -> Error {
    match err {
        Error::NotFound { model } => relationship_error(
            rel,
            format!(
                "holds a `{model}` as a row that exists, but no row has its key (the update matched none): add a new row with push_new or HasOne::new, or reload the relationship"
            ),
        ),
        other => other,
    }
}

fn relationship_error(rel: &RelationMeta, message: impl Into<String>) -> Error {
    Error::Relationship {
        model: rel.owner,
        relation: rel.name,
        message: message.into(),
    }
}
