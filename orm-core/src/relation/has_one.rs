//! has_one (one-to-one, SQLAlchemy's `uselist=False`): the key is on the
//! target, unique. A graph insert or save writes the slot's row with its
//! key set to the owner: inserted when new, updated when it exists. A save
//! of a slot set by hand first lets go of the row that pointed at the
//! owner before (deleted, set to NULL, or refused, by the relationship's
//! rules).

use super::claim;
use super::collection::generated_key;
use super::has_many::HasManyQuery;
use super::strategy::{Field, Step, Strategy, after_owner};
use crate::backend::Executor;
use crate::backend::Target;
use crate::error::{Error, Result};
use crate::expr::Expr;
use crate::loader::DefaultLoad;
use crate::model::{ColumnMeta, HasOne, Link, Model, RelationMeta};

/// The strategy of a has_one field of `P` to `T`. Emitted by the derive.
pub struct HasOneOps<P, T>(pub Field<P, HasOne<T>>);

after_owner!(HasOneOps, write, save, |s| s.__pending() || s.replaced());

impl<P: Model, T: Model> HasOneOps<P, T> {
    /// A save: for each slot given its row (or none) by hand, the rows
    /// that pointed at the owner before are removed first (the key is
    /// unique); then the slots' rows are written.
    async fn save(
        &self,
        rel: &'static RelationMeta,
        models: &mut [P],
        target: Target<'_>,
    ) -> Result<()> {
        let c = Columns::of::<P, T>(rel)?;
        for m in models.iter() {
            let slot = (self.0.peek)(m);
            let Ok(row) = slot.get() else {
                continue;
            };
            if !slot.replaced() {
                continue;
            }
            let owner = m.column_value(c.parent)?;
            let link = &c.link;
            let mut others = Expr::column_eq(link.child, link.child_column, owner);
            if let (Some(row), Some((pk, at))) = (row, c.key)
                && !is_new(row, slot.is_new(), at)?
            {
                others = others.and(Expr::column_eq(link.child, pk, row.column_value(at)?).not());
            }
            remove_others(target, rel, link, others).await?;
        }
        self.write(rel, models, target).await
    }

    /// Inserts the slots' new rows with their key set to the owner (one
    /// batch), updates the existing ones.
    async fn write(
        &self,
        rel: &'static RelationMeta,
        models: &mut [P],
        target: Target<'_>,
    ) -> Result<()> {
        let c = Columns::of::<P, T>(rel)?;
        let fk = T::META.index_of(c.link.child_column)?;
        let key = c.key.map_or(usize::MAX, |(_, at)| at);
        let mut owners = Vec::new();
        let mut new_rows = Vec::new();
        let mut existing: Vec<(usize, T)> = Vec::new();
        for (i, m) in models.iter_mut().enumerate() {
            let value = m.column_value(c.parent)?;
            let slot = (self.0.slot)(m);
            if slot.is_loaded() && !slot.__pending() {
                // Written as holding no row: nothing left to remove.
                slot.set_loaded(None);
            }
            if let Some((mut row, fresh)) = slot.take_marked() {
                claim(&mut row, fk, value)?;
                if is_new(&row, fresh, key)? {
                    owners.push(i);
                    new_rows.push(row);
                } else {
                    existing.push((i, row));
                }
            }
        }
        super::graph::insert_graph(&mut new_rows, target).await?;
        for (i, row) in owners.into_iter().zip(new_rows) {
            (self.0.slot)(&mut models[i]).set_loaded(Some(row));
        }
        for (i, mut row) in existing {
            match super::graph::update_row(target, &mut row).await {
                Ok(()) => {}
                // A key the database does not generate tells nothing of
                // whether the row exists: one given by `set` that is not
                // there is inserted, as `user.profile().set(..)` does.
                Err(Error::NotFound { .. }) if generated_key(&row, key)?.is_none() => {
                    let mut one = vec![row];
                    super::graph::insert_graph(&mut one, target).await?;
                    row = one
                        .pop()
                        .ok_or_else(|| Error::Config("an insert gave back no row".into()))?;
                }
                Err(e) => return Err(super::held_row_error(rel, e)),
            }
            (self.0.slot)(&mut models[i]).set_loaded(Some(row));
        }
        Ok(())
    }
}

/// The columns a has_one's writes read: the link, the owner's referenced
/// column and the target's primary key (column and position).
struct Columns {
    link: Link,
    parent: usize,
    key: Option<(&'static ColumnMeta, usize)>,
}

impl Columns {
    fn of<P: Model, T: Model>(rel: &'static RelationMeta) -> Result<Self> {
        let link = rel.link(P::META)?;
        let parent = P::META.index_of(link.parent_column)?;
        let key = match link.child.primary_key().next() {
            Some(pk) => Some((pk, T::META.index_of(pk)?)),
            None => None,
        };
        Ok(Columns { link, parent, key })
    }
}

/// Whether a has_one slot's `row` is to be inserted: by its key when the
/// database generates it (0 until inserted), else as the slot says
/// (`fresh`: given by `HasOne::new`).
fn is_new<T: Model>(row: &T, fresh: bool, key: usize) -> Result<bool> {
    Ok(match generated_key(row, key)? {
        Some(set) => !set,
        None => fresh,
    })
}

/// Removes the rows `others` selects, which pointed at an owner whose
/// has_one slot was given another row: deleted (with their own rules)
/// under `delete-orphan`, their key set to NULL when nullable, else
/// [`Error::Relationship`] when there is one.
async fn remove_others(
    target: Target<'_>,
    rel: &'static RelationMeta,
    link: &Link,
    others: Expr,
) -> Result<()> {
    if rel.cascade.delete_orphan {
        crate::query::delete::delete_rows(target, link.child, others).await
    } else if link.child_column.nullable {
        crate::query::delete::set_null(target, link, &others).await
    } else if crate::query::delete::any_row(target, link.child, &others).await? {
        Err(Error::Relationship {
            model: rel.owner,
            relation: rel.name,
            message: format!(
                "the slot was set by hand (`set` or `HasOne::new`), but the `{}` that pointed at this `{}` before still does, through the NOT NULL `{}`: declare `cascade = \"delete-orphan\"` to delete it, or delete it (or move it to another parent) first",
                link.child.name, rel.owner, link.child_column.field
            ),
        })
    } else {
        Ok(())
    }
}

/// The row of a has_one relationship of one parent (`user.profile()`).
pub struct HasOneQuery<'a, P, C> {
    inner: HasManyQuery<'a, P, C>,
}

impl<'a, P, C> HasOneQuery<'a, P, C> {
    /// The accessor of `rel` on `parent`. Generated by the derive.
    #[doc(hidden)]
    pub fn new(parent: &'a P, rel: &'static RelationMeta) -> Self {
        HasOneQuery {
            inner: HasManyQuery::new(parent, rel),
        }
    }
}

impl<'a, P: Model, C: Model> HasOneQuery<'a, P, C> {
    /// The related row, if any: one statement.
    pub async fn get(self, exec: &(impl Executor + ?Sized)) -> Result<Option<C>> {
        self.inner.scoped()?.optional(exec).await
    }

    /// Makes `child` the parent's row. A different row it had before is
    /// removed first (deleted under `delete-orphan`, else its key set to
    /// NULL).
    pub async fn set(self, exec: &(impl Executor + ?Sized), child: C) -> Result<C> {
        let mut new_key = Vec::new();
        child.key_values(&mut new_key);
        let previous = HasManyQuery::<P, C>::new(self.inner.parent, self.inner.rel)
            .scoped()?
            .optional(exec)
            .await?;
        if let Some(previous) = previous {
            let mut old_key = Vec::new();
            previous.key_values(&mut old_key);
            if old_key != new_key {
                self.inner.remove(exec, &previous).await?;
            }
        }
        self.inner.add(exec, child).await
    }
}
