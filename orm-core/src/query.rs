//! Operations on one model's rows, the lowest of the operations: [`select`]
//! (the query builder and its terminals), the write paths [`insert`],
//! [`update`] and [`delete`], hand-written SQL ([`raw`]), and the traits
//! through which a query holds its eager loads ([`load`]). Relationships
//! come in above this: [`crate::loader`], [`crate::relation`],
//! [`crate::persist`].

pub(crate) mod delete;
pub(crate) mod insert;
pub(crate) mod load;
pub(crate) mod page;
pub(crate) mod project;
pub(crate) mod raw;
pub(crate) mod select;
pub(crate) mod update;
pub(crate) mod upsert;
