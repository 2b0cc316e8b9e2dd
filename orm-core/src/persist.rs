//! Graph saves: inserting a model whose relationship slots hold new
//! related models writes the whole graph, in dependency order, batched per
//! table and level, in one transaction.
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
//! What is new is said by the slot, never guessed from a key:
//! `BelongsTo::new(user)`, `HasOne::new(profile)`, `HasMany::new(posts)` and
//! `push_new` hold rows to insert; `loaded(..)`, `set(..)` and
//! `push_existing` hold rows that exist, which are linked, not inserted.
//! A graph made of owned values cannot hold a cycle; a self-referential
//! tree is written level by level.

use futures_core::future::BoxFuture;

use crate::backend::{self, Sql, Target};
use crate::db::Atomic;
use crate::dialect;
use crate::error::Result;
use crate::expr::{ColumnRef, Expr};
use crate::model::Model;
use crate::query::insert::{dialect_of, insert_chunk, rows_per_chunk};
use crate::relation::{BelongsTo, HasMany, HasOne, RelationKind, RelationMeta};
use crate::value::Value;

/// One step of writing a graph: the future a generated graph method returns.
pub type GraphStep<'a> = BoxFuture<'a, Result<()>>;

/// The step of a model without relationships of that kind.
pub(crate) fn nothing<'a>() -> GraphStep<'a> {
    Box::pin(async { Ok(()) })
}

/// Inserts `models` and everything new reachable from them, in order.
pub(crate) fn insert_graph<'a, M: Model>(
    models: &'a mut [M],
    target: Target<'a>,
) -> BoxFuture<'a, Result<()>> {
    Box::pin(async move {
        if models.is_empty() {
            return Ok(());
        }
        M::__insert_parents(models, target).await?;
        for m in models.iter() {
            m.validate()?;
        }
        let chunk = rows_per_chunk(
            dialect_of(target),
            M::__statements(dialect_of(target)).insert_columns,
        );
        for part in models.chunks_mut(chunk) {
            insert_chunk(target, part).await?;
        }
        M::__insert_children(models, target).await
    })
}

/// Inserts the new targets of a belongs_to, then points each row at its
/// target.
pub async fn parents<M: Model, T: Model>(
    models: &mut [M],
    slot: fn(&mut M) -> &mut BelongsTo<T>,
    rel: &'static RelationMeta,
    target: Target<'_>,
) -> Result<()> {
    let mut owners = Vec::new();
    let mut targets = Vec::new();
    for (i, m) in models.iter_mut().enumerate() {
        if let Some(t) = slot(m).take_new() {
            owners.push(i);
            targets.push(t);
        }
    }
    if targets.is_empty() {
        return Ok(());
    }
    insert_graph(&mut targets, target).await?;
    let link = rel.link(M::META)?;
    let key = M::META.index_of(link.child_column);
    let referenced = T::META.index_of(link.parent_column);
    for (i, t) in owners.into_iter().zip(targets) {
        models[i].set_column_value(key, t.column_value(referenced))?;
        slot(&mut models[i]).set(Some(t));
    }
    Ok(())
}

/// Inserts the new row of a has_one with its key set to the parent (or
/// re-parents an existing one).
pub async fn child<M: Model, T: Model>(
    models: &mut [M],
    slot: fn(&mut M) -> &mut HasOne<T>,
    rel: &'static RelationMeta,
    target: Target<'_>,
) -> Result<()> {
    let link = rel.link(M::META)?;
    let parent_col = M::META.index_of(link.parent_column);
    let fk = T::META.index_of(link.child_column);
    let mut owners = Vec::new();
    let mut new_rows = Vec::new();
    let mut existing: Vec<(usize, T)> = Vec::new();
    for (i, m) in models.iter_mut().enumerate() {
        let value = m.column_value(parent_col);
        if let Some((mut row, fresh)) = slot(m).take_marked() {
            claim(&mut row, fk, value)?;
            if fresh {
                owners.push(i);
                new_rows.push(row);
            } else {
                existing.push((i, row));
            }
        }
    }
    insert_graph(&mut new_rows, target).await?;
    for (i, row) in owners.into_iter().zip(new_rows) {
        slot(&mut models[i]).set(Some(row));
    }
    for (i, mut row) in existing {
        target_update(target, &mut row).await?;
        slot(&mut models[i]).set(Some(row));
    }
    Ok(())
}

async fn target_update<T: Model>(target: Target<'_>, row: &mut T) -> Result<()> {
    crate::query::update::update_one(target, row).await
}

/// Writes a has_many (new children inserted with their key set, existing
/// ones re-parented) or a many-to-many (new targets inserted, then every
/// pair's association row).
pub async fn children<M: Model, T: Model>(
    models: &mut [M],
    slot: fn(&mut M) -> &mut HasMany<T>,
    rel: &'static RelationMeta,
    target: Target<'_>,
) -> Result<()> {
    // Take every collection out, remembering whose it was.
    let mut taken: Vec<(usize, Vec<T>, Vec<bool>)> = Vec::new();
    for (i, m) in models.iter_mut().enumerate() {
        if let Some((items, fresh)) = slot(m).take_marked() {
            taken.push((i, items, fresh));
        }
    }
    if taken.is_empty() {
        return Ok(());
    }
    let many_to_many = rel.kind == RelationKind::ManyToMany;
    let (parent_col, fk) = if many_to_many {
        let t = rel.through(M::META)?;
        (M::META.index_of(t.owner_column), None)
    } else {
        let link = rel.link(M::META)?;
        (
            M::META.index_of(link.parent_column),
            Some((T::META.index_of(link.child_column), link)),
        )
    };

    // New rows of every parent: one batch.
    let mut new_rows: Vec<T> = Vec::new();
    let mut reparent: Vec<(Value, Vec<Value>)> = Vec::new();
    for (i, items, fresh) in taken.iter_mut() {
        let value = models[*i].column_value(parent_col);
        let mut moved = Vec::new();
        for (item, is_new) in std::mem::take(items).into_iter().zip(fresh.iter()) {
            let mut item = item;
            if let Some((fk, _)) = fk {
                claim(&mut item, fk, value.clone())?;
            }
            if *is_new {
                new_rows.push(item);
            } else {
                let mut key = Vec::new();
                item.key_values(&mut key);
                moved.extend(key);
                items.push(item);
            }
        }
        if !moved.is_empty() {
            reparent.push((value, moved));
        }
    }
    insert_graph(&mut new_rows, target).await?;

    // Put the collections back, new rows (now with keys) after the
    // existing ones in each.
    let mut new_iter = new_rows.into_iter();
    for (i, items, fresh) in taken.iter_mut() {
        let count = fresh.iter().filter(|f| **f).count();
        items.extend(new_iter.by_ref().take(count));
        let _ = i;
    }

    if let Some((_, link)) = fk {
        // Existing children move to their new parent: one UPDATE each.
        for (value, keys) in reparent {
            let pk = T::META.primary_key().next();
            if let Some(pk) = pk {
                let mut w = dialect::SqlWriter::new(dialect_of(target));
                w.push("UPDATE ");
                w.table(T::META);
                w.push(" SET ");
                w.ident(link.child_column.name);
                w.push(" = ");
                w.bind(value);
                w.where_clause(Some(&Expr::AnyOf {
                    expr: Box::new(Expr::Column(ColumnRef {
                        table: T::META,
                        column: pk.name,
                    })),
                    ty: pk.sql_type,
                    values: keys,
                }));
                backend::execute(target, Sql::Owned(w.sql), w.binds).await?;
            }
        }
    } else {
        // Association rows for every pair, in one statement per chunk.
        let t = rel.through(M::META)?;
        let target_col = T::META.index_of(t.target_column);
        let mut pairs = Vec::new();
        for (i, items, _) in &taken {
            let owner = models[*i].column_value(parent_col);
            for item in items.iter() {
                pairs.push((owner.clone(), item.column_value(target_col)));
            }
        }
        let per_statement = (dialect_of(target).max_binds() / 4).max(1);
        for chunk in pairs.chunks(per_statement) {
            let w = dialect::insert_missing_pairs(
                dialect_of(target),
                t.assoc,
                t.left,
                t.right,
                chunk.to_vec(),
            );
            backend::execute(target, Sql::Owned(w.sql), w.binds).await?;
        }
    }

    for (i, items, _) in taken {
        // Remember what is there now, so that a later save finds removals.
        let keys = member_keys::<M, T>(rel, &items)?;
        slot(&mut models[i]).set_loaded(items, keys);
    }
    Ok(())
}

/// The value identifying each member of a collection: a child's primary
/// key (has_many), a target's referenced column (many-to-many).
pub(crate) fn member_keys<M: Model, T: Model>(
    rel: &'static RelationMeta,
    rows: &[T],
) -> Result<Vec<Value>> {
    let idx = if rel.kind == RelationKind::ManyToMany {
        T::META.index_of(rel.through(M::META)?.target_column)
    } else {
        match T::META.primary_key().next() {
            Some(pk) => T::META.index_of(pk),
            None => return Ok(Vec::new()),
        }
    };
    Ok(rows.iter().map(|r| r.column_value(idx)).collect())
}

/// `db.save(&mut model)` in one transaction (the caller's, or its own).
/// A failed save leaves the model's version as it was, so that it can be
/// saved again.
pub(crate) async fn save<M: Model>(target: Target<'_>, model: &mut M) -> Result<()> {
    let version = M::META
        .version_column()
        .map(|(i, _)| (i, model.column_value(i)));
    let atomic = Atomic::begin(target).await?;
    let outcome = save_one(model, atomic.target()).await;
    let result = atomic.finish(outcome).await;
    if result.is_err()
        && let Some((i, read)) = version
    {
        model.set_column_value(i, read)?;
    }
    result
}

/// `db.save(&mut model)`: new belongs_to targets inserted, the row
/// updated, then its loaded collections written (see [`save_children`]).
pub(crate) async fn save_one<M: Model>(model: &mut M, target: Target<'_>) -> Result<()> {
    let models = std::slice::from_mut(model);
    M::__insert_parents(models, target).await?;
    crate::query::update::update_one(target, &mut models[0]).await?;
    M::__save_children(models, target).await
}

/// Writes a loaded has_many or many-to-many of saved parents: new rows
/// inserted, existing ones updated (has_many) or linked (many-to-many), and
/// rows removed since the ORM loaded the collection handled as orphans:
/// deleted under `delete-orphan`, their key set to NULL when nullable, or
/// [`Error::Relationship`](crate::Error::Relationship); a removed
/// many-to-many target loses its association row only.
pub async fn save_children<M: Model, T: Model>(
    models: &mut [M],
    slot: fn(&mut M) -> &mut HasMany<T>,
    rel: &'static RelationMeta,
    target: Target<'_>,
) -> Result<()> {
    for model in models.iter_mut() {
        let Some((items, fresh)) = slot(model).take_marked() else {
            continue;
        };
        let before = slot(model).take_loaded_keys();
        // Refuse orphans the relationship cannot take before writing
        // anything, leaving the collection as it was.
        if rel.kind != RelationKind::ManyToMany
            && let Some(before) = &before
        {
            let link = rel.link(M::META)?;
            let current: Vec<Value> = {
                let idx = T::META.primary_key().next().map(|pk| T::META.index_of(pk));
                items
                    .iter()
                    .zip(&fresh)
                    .filter(|(_, is_new)| !**is_new)
                    .filter_map(|(item, _)| idx.map(|i| item.column_value(i)))
                    .collect()
            };
            let (_, removed) = diff(&current, Some(before));
            if !removed.is_empty() && !rel.cascade.delete_orphan && !link.child_column.nullable {
                let err = orphan_refused(rel, &link);
                let before = Some(before.clone());
                slot(model).restore(items, fresh, before);
                return Err(err);
            }
        }
        let mut existing = Vec::new();
        let mut new_rows = Vec::new();
        for (item, is_new) in items.into_iter().zip(fresh) {
            if is_new {
                new_rows.push(item);
            } else {
                existing.push(item);
            }
        }
        if rel.kind == RelationKind::ManyToMany {
            insert_graph(&mut new_rows, target).await?;
            existing.append(&mut new_rows);
            let t = rel.through(M::META)?;
            let owner = model.column_value(M::META.index_of(t.owner_column));
            let now = member_keys::<M, T>(rel, &existing)?;
            let (added, removed) = diff(&now, before.as_deref());
            if !removed.is_empty() {
                let mut w = dialect::SqlWriter::new(dialect_of(target));
                w.push("DELETE FROM ");
                w.table(t.assoc);
                let condition = Expr::column_eq(t.assoc, t.left, owner.clone()).and(Expr::AnyOf {
                    expr: Box::new(Expr::Column(ColumnRef {
                        table: t.assoc,
                        column: t.right.name,
                    })),
                    ty: t.right.sql_type,
                    values: removed,
                });
                w.where_clause(Some(&condition));
                backend::execute(target, Sql::Owned(w.sql), w.binds).await?;
            }
            if !added.is_empty() {
                let pairs: Vec<(Value, Value)> =
                    added.into_iter().map(|r| (owner.clone(), r)).collect();
                let w = dialect::insert_missing_pairs(
                    dialect_of(target),
                    t.assoc,
                    t.left,
                    t.right,
                    pairs,
                );
                backend::execute(target, Sql::Owned(w.sql), w.binds).await?;
            }
            slot(model).set_loaded(existing, now);
            continue;
        }
        let link = rel.link(M::META)?;
        let value = model.column_value(M::META.index_of(link.parent_column));
        let fk = T::META.index_of(link.child_column);
        for row in existing.iter_mut().chain(new_rows.iter_mut()) {
            claim(row, fk, value.clone())?;
        }
        for row in existing.iter_mut() {
            target_update(target, row).await?;
        }
        insert_graph(&mut new_rows, target).await?;
        existing.append(&mut new_rows);
        let now = member_keys::<M, T>(rel, &existing)?;
        let (_, removed) = diff(&now, before.as_deref());
        if !removed.is_empty() {
            orphan(target, rel, &link, removed).await?;
        }
        slot(model).set_loaded(existing, now);
    }
    Ok(())
}

/// Points `child`'s key at the parent whose collection (or has_one slot)
/// holds it: the collection wins, as in SQLAlchemy, and a belongs_to slot
/// of the child still holding another parent is unloaded so that it does
/// not say otherwise (nor write its key back on a later update).
fn claim<T: Model>(child: &mut T, fk: usize, parent: Value) -> Result<()> {
    child.__release_key(fk, &parent);
    child.set_column_value(fk, parent)
}

/// What is in `now` but not in `before`, and the reverse.
fn diff(now: &[Value], before: Option<&[Value]>) -> (Vec<Value>, Vec<Value>) {
    use crate::value::HashKey;
    let Some(before) = before else {
        return (now.to_vec(), Vec::new());
    };
    let now_set: rustc_hash::FxHashSet<HashKey> = now.iter().cloned().map(HashKey).collect();
    let before_set: rustc_hash::FxHashSet<HashKey> = before.iter().cloned().map(HashKey).collect();
    let added = now
        .iter()
        .filter(|v| !before_set.contains(&HashKey((*v).clone())))
        .cloned()
        .collect();
    let removed = before
        .iter()
        .filter(|v| !now_set.contains(&HashKey((*v).clone())))
        .cloned()
        .collect();
    (added, removed)
}

/// Rows taken out of a has_many since it was loaded.
async fn orphan(
    target: Target<'_>,
    rel: &'static RelationMeta,
    link: &crate::relation::Link,
    keys: Vec<Value>,
) -> Result<()> {
    let Some(pk) = link.child.primary_key().next() else {
        return Ok(());
    };
    let by_key = Expr::AnyOf {
        expr: Box::new(Expr::Column(ColumnRef {
            table: link.child,
            column: pk.name,
        })),
        ty: pk.sql_type,
        values: keys,
    };
    if rel.cascade.delete_orphan {
        // As `db.delete` would: each orphan's own relationships first.
        crate::query::delete::delete_rows(target, link.child, by_key).await
    } else if link.child_column.nullable {
        crate::query::delete::set_null(target, link, &by_key).await
    } else {
        Err(orphan_refused(rel, link))
    }
}

/// Writes a loaded has_one of saved parents: a new row inserted with its
/// key set, an existing one updated.
pub async fn save_child<M: Model, T: Model>(
    models: &mut [M],
    slot: fn(&mut M) -> &mut HasOne<T>,
    rel: &'static RelationMeta,
    target: Target<'_>,
) -> Result<()> {
    child(models, slot, rel, target).await
}

fn orphan_refused(rel: &'static RelationMeta, link: &crate::relation::Link) -> crate::Error {
    crate::Error::Relationship {
        model: rel.owner,
        relation: rel.name,
        message: format!(
            "rows were removed from the collection, but `{}.{}` is NOT NULL: declare `cascade = \"delete-orphan\"` to delete them, or move them to another parent",
            link.child.name, link.child_column.field
        ),
    }
}
