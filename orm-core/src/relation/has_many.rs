//! has_many (one-to-many): the key is on the target. A graph insert writes
//! the children with their key set (new ones in one batch, existing ones
//! re-parented); a save also updates the existing ones and handles the
//! rows removed since the ORM loaded the collection (orphans).

use super::collection::{diff, put_back, rejoin, take_and_insert, take_marked};
use super::related::{ByForeignKey, RelatedQuery, Scope};
use super::strategy::{Field, Step, Strategy, after_owner};
use super::{claim, relationship_error};
use crate::backend::Executor;
use crate::backend::Target;
use crate::error::{Error, Result};
use crate::expr::Expr;
use crate::loader::DefaultLoad;
use crate::model::{HasMany, Link, Model, RelationMeta, column_values};
use crate::query::select::Select;
use crate::value::Value;

/// The strategy of a has_many field of `P` to `T` (without `secondary`).
/// Emitted by the derive.
pub struct HasManyOps<P, T>(pub Field<P, HasMany<T>>);

after_owner!(HasManyOps, insert, save_loaded, |s| s.is_loaded());

impl<P: Model, T: Model> HasManyOps<P, T> {
    /// New children inserted with their key set, in one batch for every
    /// parent; existing ones re-parented with one UPDATE per parent.
    async fn insert(
        &self,
        rel: &'static RelationMeta,
        models: &mut [P],
        target: Target<'_>,
    ) -> Result<()> {
        let link = rel.link(P::META)?;
        let fk = T::META.index_of(link.child_column)?;
        let owner_column = P::META.index_of(link.parent_column)?;
        let taken = take_and_insert(
            models,
            self.0.slot,
            owner_column,
            |row, owner| claim(row, fk, owner.clone()),
            target,
        )
        .await?;
        for t in &taken {
            let keys: Vec<Vec<Value>> = t.rows[..t.existing]
                .iter()
                .map(|row| {
                    let mut key = Vec::new();
                    row.key_values(&mut key);
                    key
                })
                .collect();
            if !keys.is_empty() {
                crate::query::update::reparent(target, &link, t.owner.clone(), keys).await?;
            }
        }
        put_back(
            models,
            self.0.slot,
            taken,
            rel.member_key(P::META, T::META)?,
        )?;
        Ok(())
    }

    /// A saved parent's loaded collection: existing rows updated, new ones
    /// inserted, removed ones handled as orphans.
    async fn save_loaded(
        &self,
        rel: &'static RelationMeta,
        models: &mut [P],
        target: Target<'_>,
    ) -> Result<()> {
        let link = rel.link(P::META)?;
        let fk = T::META.index_of(link.child_column)?;
        let owner_column = P::META.index_of(link.parent_column)?;
        let member = rel.member_key(P::META, T::META)?;
        for model in models.iter_mut() {
            let Some(mut marked) = take_marked(model, self.0.slot)? else {
                continue;
            };
            marked.by_generated_keys(member)?;
            // Refuse orphans the relationship cannot take before writing
            // anything, leaving the collection as it was.
            if let Some(before) = &marked.before {
                let kept: Vec<Value> = marked
                    .items
                    .iter()
                    .zip(&marked.fresh)
                    .filter(|(_, is_new)| !**is_new)
                    .map(|(item, _)| item.column_value(member))
                    .collect::<Result<_>>()?;
                let (_, removed) = diff(&kept, Some(before));
                if !removed.is_empty() && !rel.cascade.delete_orphan && !link.child_column.nullable
                {
                    marked.restore(model, self.0.slot);
                    return Err(orphan_refused(rel, &link));
                }
            }
            let (mut existing, mut new_rows, before, fresh) = marked.split();
            let owner = model.column_value(owner_column)?;
            for row in existing.iter_mut().chain(new_rows.iter_mut()) {
                claim(row, fk, owner.clone())?;
            }
            for row in existing.iter_mut() {
                super::graph::update_row(target, row)
                    .await
                    .map_err(|e| super::held_row_error(rel, e))?;
            }
            super::graph::insert_graph(&mut new_rows, target).await?;
            let existing = rejoin(existing, new_rows, &fresh);
            let now = column_values(&existing, member)?;
            let (_, removed) = diff(&now, before.as_deref());
            if !removed.is_empty() {
                orphan(target, rel, &link, removed).await?;
            }
            (self.0.slot)(model).set_loaded(existing, member, T::column_value);
        }
        Ok(())
    }
}

/// Rows taken out of a has_many since it was loaded: deleted (with their
/// own rules) under `delete-orphan`, their key set to NULL when nullable.
async fn orphan(
    target: Target<'_>,
    rel: &'static RelationMeta,
    link: &Link,
    keys: Vec<Value>,
) -> Result<()> {
    let Some(pk) = link.child.primary_key().next() else {
        return Ok(());
    };
    let by_key = Expr::any_of(link.child, pk, keys);
    if rel.cascade.delete_orphan {
        crate::query::delete::delete_rows(target, link.child, by_key).await
    } else if link.child_column.nullable {
        crate::query::delete::set_null(target, link, &by_key).await
    } else {
        Err(orphan_refused(rel, link))
    }
}

fn orphan_refused(rel: &'static RelationMeta, link: &Link) -> Error {
    Error::Relationship {
        model: rel.owner,
        relation: rel.name,
        message: format!(
            "rows were removed from the collection, but `{}.{}` is NOT NULL: declare `cascade = \"delete-orphan\"` to delete them, or move them to another parent",
            link.child.name, link.child_column.field
        ),
    }
}

/// The rows of a has_many (or has_one) relationship of one parent: a query
/// scoped to it (`WHERE post.author_id = $1`), plus the write side.
pub type HasManyQuery<'a, P, C> = RelatedQuery<'a, P, C, ByForeignKey>;

impl Scope for ByForeignKey {
    fn scope<P: Model, T: Model>(
        parent: &P,
        rel: &'static RelationMeta,
        select: Select<T>,
    ) -> Result<Select<T>> {
        let link = rel.link(P::META)?;
        let value = parent.column_value(P::META.index_of(link.parent_column)?)?;
        Ok(select.filter(Expr::column_eq(T::META, link.child_column, value)))
    }
}

impl<P: Model, C: Model> RelatedQuery<'_, P, C, ByForeignKey> {
    fn link(&self) -> Result<Link> {
        self.rel.link(P::META)
    }

    fn parent_value(&self, link: &Link) -> Result<Value> {
        self.parent
            .column_value(P::META.index_of(link.parent_column)?)
    }

    /// Makes `child` one of this parent's rows: its key is set to the
    /// parent and it is written (updated when its row exists, inserted
    /// otherwise). Returns it as stored.
    pub async fn add(&self, exec: &(impl Executor + ?Sized), mut child: C) -> Result<C> {
        let link = self.link()?;
        let value = self.parent_value(&link)?;
        child.set_column_value(C::META.index_of(link.child_column)?, value)?;
        match exec.update(&mut child).await {
            Ok(()) => Ok(child),
            Err(Error::NotFound { .. }) => exec.insert(child).await,
            Err(e) => Err(e),
        }
    }

    /// Takes `child` out of this parent's rows: deletes it under
    /// `cascade = "delete-orphan"`, otherwise sets its key to NULL; a NOT
    /// NULL key without that cascade is [`Error::Relationship`].
    pub async fn remove(&self, exec: &(impl Executor + ?Sized), child: &C) -> Result<()> {
        let link = self.link()?;
        let parent = self.parent_value(&link)?;
        let current = child.column_value(C::META.index_of(link.child_column)?)?;
        if current != parent {
            return Err(relationship_error(
                self.rel,
                format!("this `{}` does not belong to the parent", C::META.name),
            ));
        }
        if self.rel.cascade.delete_orphan {
            return exec.delete(child).await;
        }
        if !link.child_column.nullable {
            return Err(relationship_error(
                self.rel,
                format!(
                    "cannot remove: `{}.{}` is NOT NULL; declare `cascade = \"delete-orphan\"` to delete removed rows",
                    C::META.name,
                    link.child_column.field
                ),
            ));
        }
        let mut key = Vec::new();
        child.key_values(&mut key);
        crate::query::update::set_columns(
            exec.target(),
            C::META,
            &[(link.child_column, Value::Null(link.child_column.sql_type))],
            key,
        )
        .await
    }
}
