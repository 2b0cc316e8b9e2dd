//! many-to-many (`#[has_many]` with `#[secondary]`): through an
//! association table or model. The accessor (`post.tags()`) reads in one
//! statement joined through the association and writes association rows
//! only; a graph insert or save writes new targets, then the association
//! rows of every pair (a save: only the pairs added and removed).

use super::collection::{diff, put_back, rejoin, take_and_insert, take_marked};
use super::related::{ByAssociation, RelatedQuery, Scope};
use super::strategy::{Field, Step, Strategy, after_owner};
use crate::backend::{self, Atomic, Executor, Sql, Target};
use crate::error::{Error, Result};
use crate::expr::Expr;
use crate::loader::DefaultLoad;
use crate::model::{HasMany, Model, RelationMeta, Through, column_values, value_of};
use crate::query::delete::delete_where;
use crate::query::select::Select;
use crate::sql::{self, ast::InsertMissingPairs};
use crate::value::Value;

/// The strategy of a many-to-many field of `P` to `T`. Emitted by the
/// derive.
pub struct ManyToManyOps<P, T>(pub Field<P, HasMany<T>>);

after_owner!(ManyToManyOps, insert, save_loaded, |s| s.is_loaded());

impl<P: Model, T: Model> ManyToManyOps<P, T> {
    /// New targets inserted in one batch, then the association row of
    /// every pair, in one statement per chunk.
    async fn insert(
        &self,
        rel: &'static RelationMeta,
        models: &mut [P],
        target: Target<'_>,
    ) -> Result<()> {
        let t = rel.through(P::META)?;
        let owner_column = P::META.index_of(t.owner_column)?;
        let target_column = T::META.index_of(t.target_column)?;
        let taken =
            take_and_insert(models, self.0.slot, owner_column, |_, _| Ok(()), target).await?;
        let pairs: Vec<(Value, Value)> = taken
            .iter()
            .flat_map(|c| {
                c.rows
                    .iter()
                    .map(|row| Ok((c.owner.clone(), row.column_value(target_column)?)))
            })
            .collect::<Result<_>>()?;
        link_pairs(target, &t, pairs).await?;
        put_back(models, self.0.slot, taken, target_column)?;
        Ok(())
    }

    /// A saved owner's loaded collection: new targets inserted, then one
    /// DELETE of the pairs removed and one INSERT of the pairs added. The
    /// targets themselves are never deleted.
    async fn save_loaded(
        &self,
        rel: &'static RelationMeta,
        models: &mut [P],
        target: Target<'_>,
    ) -> Result<()> {
        let t = rel.through(P::META)?;
        let owner_column = P::META.index_of(t.owner_column)?;
        let target_column = T::META.index_of(t.target_column)?;
        for model in models.iter_mut() {
            let Some(mut marked) = take_marked(model, self.0.slot)? else {
                continue;
            };
            marked.by_generated_keys(target_column)?;
            let (existing, mut new_rows, before, fresh) = marked.split();
            super::graph::insert_graph(&mut new_rows, target).await?;
            let existing = rejoin(existing, new_rows, &fresh);
            let owner = model.column_value(owner_column)?;
            let now = column_values(&existing, target_column)?;
            let (added, removed) = diff(&now, before.as_deref());
            if !removed.is_empty() {
                let of_owner = Expr::column_eq(t.assoc, t.left, owner.clone());
                unlink(
                    target,
                    &t,
                    of_owner.and(Expr::any_of(t.assoc, t.right, removed)),
                )
                .await?;
            }
            let pairs = added.into_iter().map(|r| (owner.clone(), r)).collect();
            link_pairs(target, &t, pairs).await?;
            (self.0.slot)(model).set_loaded(existing, target_column, T::column_value);
        }
        Ok(())
    }
}

/// Writes the association rows of `pairs` that are missing, one statement
/// per chunk under the bind limit; returns how many were added.
async fn link_pairs(target: Target<'_>, t: &Through, pairs: Vec<(Value, Value)>) -> Result<u64> {
    let dialect = target.dialect();
    let mut added = 0;
    for chunk in pairs.chunks((dialect.max_binds() / 4).max(1)) {
        let w = sql::insert_missing_pairs(
            dialect,
            InsertMissingPairs {
                table: t.assoc,
                left: t.left,
                right: t.right,
                pairs: chunk.to_vec(),
            },
        );
        added += backend::execute(target, Sql::Owned(w.sql), w.binds)
            .await?
            .rows_affected;
    }
    Ok(added)
}

/// Deletes the association rows matching `condition`; returns how many.
async fn unlink(target: Target<'_>, t: &Through, condition: Expr) -> Result<u64> {
    delete_where(target, t.assoc, &condition).await
}

/// The targets of a many-to-many relationship of one owner.
pub type ManyToManyQuery<'a, P, T> = RelatedQuery<'a, P, T, ByAssociation>;

impl Scope for ByAssociation {
    fn scope<P: Model, T: Model>(
        owner: &P,
        rel: &'static RelationMeta,
        select: Select<T>,
    ) -> Result<Select<T>> {
        let t = rel.through(P::META)?;
        let value = value_of(owner, t.owner_column)?;
        Ok(select
            .join_step(t.assoc_onto_target(rel))
            .filter(Expr::column_eq(t.assoc, t.left, value)))
    }
}

impl<P: Model, T: Model> RelatedQuery<'_, P, T, ByAssociation> {
    fn through(&self) -> Result<Through> {
        self.rel.through(P::META)
    }

    fn owner_value(&self, t: &Through) -> Result<Value> {
        value_of(self.parent, t.owner_column)
    }

    /// Associates `target`; `false` when the pair already existed (nothing
    /// is written then). The association's other columns take their
    /// defaults; use [`ManyToManyQuery::add_with`] to give them.
    pub async fn add(&self, exec: &(impl Executor + ?Sized), target: &T) -> Result<bool> {
        Ok(self.add_many(exec, std::slice::from_ref(target)).await? == 1)
    }

    /// Associates every target in one multi-row statement; returns how many
    /// pairs were new.
    pub async fn add_many(&self, exec: &(impl Executor + ?Sized), targets: &[T]) -> Result<u64> {
        self.link(exec.target(), targets).await
    }

    async fn link(&self, target: Target<'_>, targets: &[T]) -> Result<u64> {
        let t = self.through()?;
        let owner = self.owner_value(&t)?;
        let mut rights: Vec<Value> = Vec::with_capacity(targets.len());
        for item in targets {
            let v = value_of(item, t.target_column)?;
            if !rights.contains(&v) {
                rights.push(v);
            }
        }
        let pairs = rights.into_iter().map(|r| (owner.clone(), r)).collect();
        link_pairs(target, &t, pairs).await
    }

    /// Inserts the association row `row` (an association model with extra
    /// columns), its two keys set from the owner and `target`.
    pub async fn add_with<A: Model>(
        &self,
        exec: &(impl Executor + ?Sized),
        target: &T,
        mut row: A,
    ) -> Result<A> {
        let t = self.through()?;
        if !A::META.is(t.assoc) {
            return Err(Error::Config(format!(
                "`{}.{}` goes through `{}`, not `{}`",
                self.rel.owner,
                self.rel.name,
                t.assoc.name,
                A::META.name
            )));
        }
        row.set_column_value(A::META.index_of(t.left)?, self.owner_value(&t)?)?;
        row.set_column_value(
            A::META.index_of(t.right)?,
            value_of(target, t.target_column)?,
        )?;
        exec.insert(row).await
    }

    /// Removes the association with `target`; `false` when there was none.
    pub async fn remove(&self, exec: &(impl Executor + ?Sized), target: &T) -> Result<bool> {
        let t = self.through()?;
        let right = Expr::column_eq(t.assoc, t.right, value_of(target, t.target_column)?);
        Ok(self.unlink_where(exec.target(), &t, Some(right)).await? > 0)
    }

    /// Removes every association of the owner; returns how many.
    pub async fn clear(&self, exec: &(impl Executor + ?Sized)) -> Result<u64> {
        let t = self.through()?;
        self.unlink_where(exec.target(), &t, None).await
    }

    /// Makes `targets` the owner's whole collection with the fewest writes:
    /// one DELETE of the pairs no longer wanted, one multi-row INSERT of the
    /// missing ones, in one transaction.
    pub async fn set(&self, exec: &(impl Executor + ?Sized), targets: &[T]) -> Result<()> {
        let t = self.through()?;
        let mut keep = Vec::with_capacity(targets.len());
        for item in targets {
            keep.push(value_of(item, t.target_column)?);
        }
        let stale = (!keep.is_empty()).then(|| Expr::InList {
            expr: Box::new(Expr::column(t.assoc, t.right)),
            values: keep,
            negated: true,
        });
        let atomic = Atomic::begin(exec.target()).await?;
        let outcome = async {
            self.unlink_where(atomic.target(), &t, stale).await?;
            self.link(atomic.target(), targets).await
        }
        .await;
        atomic.finish(outcome).await.map(drop)
    }

    /// Deletes this owner's association rows (those matching `extra`, when
    /// given).
    async fn unlink_where(
        &self,
        target: Target<'_>,
        t: &Through,
        extra: Option<Expr>,
    ) -> Result<u64> {
        let mut condition = Expr::column_eq(t.assoc, t.left, self.owner_value(t)?);
        if let Some(extra) = extra {
            condition = condition.and(extra);
        }
        unlink(target, t, condition).await
    }
}
