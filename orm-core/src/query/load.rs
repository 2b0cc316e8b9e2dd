//! The seams between a query and its eager loads: a [`Select`] holds its
//! loaders as these traits, and the loader module implements them
//! ([`Include`], the `include_joined` loader), so that the query builder
//! needs nothing above it.
//!
//! [`Select`]: super::select::Select
//! [`Include`]: crate::Include

use std::sync::Arc;

use futures_core::future::BoxFuture;

use crate::backend::Target;
use crate::error::Result;
use crate::model::{JoinStep, ModelMeta};

/// Loads one relationship onto parents already fetched. Built by
/// [`Relation`](crate::Relation) and [`Include`](crate::Include); used by
/// `Select::include` and [`load`](crate::load).
pub trait Load<P>: Send + Sync {
    /// Fills the relationship's slot on every parent.
    #[doc(hidden)]
    fn load<'a>(&'a self, parents: &'a mut [P], target: Target<'a>) -> BoxFuture<'a, Result<()>>;
}

/// Something [`Select::include`](super::select::Select::include) accepts: a relationship descriptor or an
/// [`Include`](crate::Include) built from one.
pub trait IntoLoad<P> {
    /// The loader.
    fn into_load(self) -> Arc<dyn Load<P>>;
}

/// A to-one relationship read in the root statement by `LEFT JOIN`.
pub trait JoinedLoad<P>: Send + Sync {
    /// The join bringing the related row.
    #[doc(hidden)]
    fn step(&self) -> Result<JoinStep>;
    /// The related model's metadata.
    #[doc(hidden)]
    fn meta(&self) -> &'static ModelMeta;
    /// Decodes the related row at `offset` into the parent's slot.
    #[doc(hidden)]
    fn fill(&self, parent: &mut P, row: crate::value::RowRef<'_>, offset: usize) -> Result<()>;
}
