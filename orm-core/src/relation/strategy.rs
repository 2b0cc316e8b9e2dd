//! The strategy of a relationship kind: everything a relationship declared
//! with a field does to its model's rows, behind one trait.
//!
//! ```text
//!   #[derive(Model)] ──► one `static Ops<P>` per relationship field ──► RelationMeta::ops
//!                                                                         │ (type-erased)
//!   persist / loader / insert ──► strategies::<P>() ──► &dyn Strategy<P> ◄┘
//!                                     belongs_to.rs  has_one.rs  has_many.rs  many_to_many.rs
//! ```
//!
//! The derive knows each relationship's target type; the operations do not.
//! So the derive emits, per relationship field, a static strategy of the
//! relationship's kind, typed with both models, and the metadata reaches it
//! through a function pointer returning it as `dyn Any` (the model layer
//! cannot name the operations' types). The operations take it back as
//! `&dyn Strategy<P>` for the model type `P` they hold, so the graph write,
//! the save and the loaders never look at a relationship's kind.

use std::any::Any;
use std::future::Future;

use futures_core::future::BoxFuture;

use crate::backend::Target;
use crate::error::Result;
use crate::loader::DefaultLoad;
use crate::model::{Lazy, Model, RelationMeta};
use crate::query::select::Select;
use crate::value::Value;

/// A step of a graph write, when the relationship has one.
pub type Step<'a> = Option<BoxFuture<'a, Result<()>>>;

/// A relationship field of `P` whose slot is `S` (`HasMany<T>`,
/// `HasOne<T>`, `BelongsTo<T>`): what the derive emits for every kind, and
/// what each kind's strategy reaches the field through.
pub struct Field<P, S> {
    /// The field.
    pub slot: fn(&mut P) -> &mut S,
    /// The field, read.
    pub peek: fn(&P) -> &S,
    /// The default loader (`lazy = "selectin"` / `"joined"`).
    pub lazy: Option<fn(&'static RelationMeta) -> DefaultLoad<P>>,
}

impl<P, S> Field<P, S> {
    /// `step` over `models` when the slot of any of them passes `test`.
    pub(super) fn step_if<'a, F>(
        &self,
        models: &'a mut [P],
        test: impl Fn(&S) -> bool,
        step: impl FnOnce(&'a mut [P]) -> F,
    ) -> Step<'a>
    where
        F: Future<Output = Result<()>> + Send + 'a,
    {
        if !models.iter().any(|m| test((self.peek)(m))) {
            return None;
        }
        Some(Box::pin(step(models)))
    }

    /// The default loader of the relationship `rel`, when declared.
    pub(super) fn default_load(&self, rel: &'static RelationMeta) -> Option<DefaultLoad<P>> {
        self.lazy.map(|make| make(rel))
    }
}

/// What one relationship kind does to the rows of its owner `P`.
pub trait Strategy<P>: Send + Sync {
    /// A graph insert's step before the models' own rows: the new targets
    /// of a belongs_to, whose keys the rows need.
    fn insert_before<'a>(
        &'a self,
        rel: &'static RelationMeta,
        models: &'a mut [P],
        target: Target<'a>,
    ) -> Step<'a> {
        let _ = (rel, models, target);
        None
    }

    /// A graph insert's step after the models' own rows: children with
    /// their key set, association rows.
    fn insert_after<'a>(
        &'a self,
        rel: &'static RelationMeta,
        models: &'a mut [P],
        target: Target<'a>,
    ) -> Step<'a> {
        let _ = (rel, models, target);
        None
    }

    /// `db.save`'s step after the row's own update: the loaded collection
    /// or row written, orphans handled.
    fn save<'a>(
        &'a self,
        rel: &'static RelationMeta,
        models: &'a mut [P],
        target: Target<'a>,
    ) -> Step<'a> {
        let _ = (rel, models, target);
        None
    }

    /// Writes into the key field the key of the target the slot holds
    /// (belongs_to: the relationship wins over a hand-set key).
    fn sync_key(&self, model: &mut P) -> Result<()> {
        let _ = model;
        Ok(())
    }

    /// Unloads the slot when its key is the column at `index` and it holds
    /// a target whose key is not `key` (a parent's collection claimed the
    /// row).
    fn release_key(&self, model: &mut P, index: usize, key: &Value) {
        let _ = (model, index, key);
    }

    /// True when the slot holds a new target to insert before the row.
    fn holds_new_parent(&self, model: &P) -> bool {
        let _ = model;
        false
    }

    /// The loader of `lazy = "selectin"` / `"joined"`, when declared.
    fn default_load(&self, rel: &'static RelationMeta) -> Option<DefaultLoad<P>> {
        let _ = rel;
        None
    }
}

/// The [`Strategy`] of a kind whose rows are written after their owner's
/// (has_many, has_one, many-to-many; `$ops` holds its [`Field`] as `.0`):
/// pending while the slot holds new rows; a graph insert runs `$insert`
/// over the models whose slot is pending, a save runs `$save` over those
/// whose slot passes `$saves`.
macro_rules! after_owner {
    ($ops:ident, $insert:ident, $save:ident, $saves:expr) => {
        impl<P: Model, T: Model> Strategy<P> for $ops<P, T> {
            fn insert_after<'a>(
                &'a self,
                rel: &'static RelationMeta,
                models: &'a mut [P],
                target: Target<'a>,
            ) -> Step<'a> {
                self.0.step_if(
                    models,
                    |s| s.__pending(),
                    |models| self.$insert(rel, models, target),
                )
            }

            fn save<'a>(
                &'a self,
                rel: &'static RelationMeta,
                models: &'a mut [P],
                target: Target<'a>,
            ) -> Step<'a> {
                self.0
                    .step_if(models, $saves, |models| self.$save(rel, models, target))
            }

            fn default_load(&self, rel: &'static RelationMeta) -> Option<DefaultLoad<P>> {
                self.0.default_load(rel)
            }
        }
    };
}
pub(super) use after_owner;

/// A strategy as the metadata holds it: a static the derive emits per
/// relationship field, typed with the owner so that the operations can take
/// it back from `dyn Any`.
pub struct Ops<P: 'static>(pub &'static (dyn Strategy<P> + Sync));

/// The relationships of `P` that have a field, with their strategies.
pub fn strategies<P: Model>()
-> impl Iterator<Item = (&'static RelationMeta, &'static (dyn Strategy<P> + Sync))> {
    P::META.relations.iter().filter_map(|rel| {
        let ops = (rel.ops?)();
        ops.downcast_ref::<Ops<P>>().map(|o| (rel, o.0))
    })
}

/// `select` with the loaders of `P`'s relationships declared
/// `lazy = "selectin"` or `lazy = "joined"`.
pub fn with_default_loads<P: Model>(mut select: Select<P>) -> Select<P> {
    for (rel, strategy) in strategies::<P>() {
        if rel.lazy == Lazy::Raise {
            continue;
        }
        select = match strategy.default_load(rel) {
            Some(DefaultLoad::Selectin(load)) => select.default_include(load),
            Some(DefaultLoad::Joined(load)) => select.joined_load(load),
            None => select,
        };
    }
    select
}

/// Writes the keys of the targets the belongs_to slots of `model` hold
/// into its key fields.
pub fn sync_keys<P: Model>(model: &mut P) -> Result<()> {
    for (_, s) in strategies::<P>() {
        s.sync_key(model)?;
    }
    Ok(())
}

/// The belongs_to relationship of `model` whose slot holds a new target.
pub fn new_parent<P: Model>(model: &P) -> Option<&'static str> {
    strategies::<P>()
        .find(|(_, s)| s.holds_new_parent(model))
        .map(|(rel, _)| rel.name)
}

/// Lets go of a belongs_to slot of `model` naming another parent than the
/// one whose key is written into the column at `index`.
pub fn release_key<P: Model>(model: &mut P, index: usize, key: &Value) {
    for (_, s) in strategies::<P>() {
        s.release_key(model, index, key);
    }
}

/// A type-erased [`Ops`] for the metadata: what a relationship's `ops`
/// function returns.
pub type AnyOps = dyn Any + Send + Sync;

/// Where a relationship's erased strategy is kept: made on first use by
/// `init` (an [`Erase`] of the strategy), then shared.
pub struct OpsCell {
    cell: std::sync::OnceLock<&'static AnyOps>,
    init: fn() -> &'static AnyOps,
}

impl OpsCell {
    /// A cell filled by `init` on first use.
    pub const fn new(init: fn() -> &'static AnyOps) -> Self {
        OpsCell {
            cell: std::sync::OnceLock::new(),
            init,
        }
    }

    /// The strategy.
    pub fn get(&self) -> &'static AnyOps {
        *self.cell.get_or_init(self.init)
    }
}

/// A relationship's strategy before it is erased into [`AnyOps`]: the
/// derive calls `(&Erase::new(ops)).erase()`, which picks [`EraseModel`]
/// when the target is a model and [`EraseOther`] otherwise, so that a
/// target that is not a model is reported once, where the user named it,
/// rather than again at every generated use.
pub struct Erase<P, S>(
    std::cell::Cell<Option<S>>,
    std::marker::PhantomData<fn() -> P>,
);

impl<P, S> Erase<P, S> {
    /// Wraps the strategy `ops` of a relationship of `P`.
    pub const fn new(ops: S) -> Self {
        Erase(std::cell::Cell::new(Some(ops)), std::marker::PhantomData)
    }
}

/// [`Erase`] of a strategy: kept for the life of the program (the derive
/// erases each relationship's once).
pub trait EraseModel {
    /// The strategy as the metadata holds it.
    fn erase(&self) -> &'static AnyOps;
}

impl<P: 'static, S: Strategy<P> + Sync + 'static> EraseModel for Erase<P, S> {
    fn erase(&self) -> &'static AnyOps {
        match self.0.take() {
            Some(ops) => {
                let ops: &'static (dyn Strategy<P> + Sync) = Box::leak(Box::new(ops));
                Box::leak(Box::new(Ops(ops)))
            }
            None => &(),
        }
    }
}

/// [`Erase`] of what is not a strategy (its target is not a model, an
/// error reported on its own): no operations.
pub trait EraseOther {
    /// Nothing the operations can use.
    fn erase(&self) -> &'static AnyOps;
}

impl<P, S> EraseOther for &Erase<P, S> {
    fn erase(&self) -> &'static AnyOps {
        &()
    }
}
