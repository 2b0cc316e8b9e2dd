//! DELETE: one model by its key, with its relationships' rules applied to
//! the rows that reference it, or every row matching a filter.
//!
//! Deleting a parent, for each has_many/has_one declared on it:
//! - `on_delete = "cascade"` (or a foreign key with `ON DELETE CASCADE` /
//!   `SET NULL`): the database handles the children; nothing is loaded
//!   (SQLAlchemy's `passive_deletes`).
//! - `cascade = "delete"`: the children are deleted first, each with the
//!   rules of its own relationships (recursively).
//! - otherwise a nullable key is set to NULL; a NOT NULL key with children
//!   left is [`Error::Relationship`], and nothing is changed.
//!
//! Many-to-many association rows the database does not remove go first.
//! The same rules apply to the orphans `db.save` deletes. All of it runs
//! in one transaction (the caller's, or one of its own).
//!
//! `cascade = "delete"` follows children of children as deep as the rows
//! go. Rows that reference each other in a cycle (a row its own
//! descendant) cannot be deleted in any order: that is
//! [`Error::Relationship`], found when a row's key comes round again.

use futures_core::future::BoxFuture;

use crate::backend::Atomic;
use crate::backend::{self, Sql, Target};
use crate::error::{Error, Result};
use crate::expr::{ColumnRef, Expr};
use crate::model::{ColumnMeta, Model, ModelMeta, OnDelete, value_of};
use crate::model::{Link, RelationKind, RelationMeta};
use crate::sql;
use crate::sql::ast::{self, Item, Where};
use crate::value::Value;

/// One level of a cascade: the table, a column and the values of that
/// column in the level's rows, when they were read on the way down.
type Level = (&'static ModelMeta, &'static str, Vec<Value>);

fn handled_by_database(rel: &RelationMeta, link: &crate::model::Link) -> bool {
    rel.on_delete == OnDelete::Cascade
        || link
            .child_column
            .references
            .is_some_and(|fk| matches!(fk.on_delete, OnDelete::Cascade | OnDelete::SetNull))
}

fn children(meta: &'static ModelMeta) -> impl Iterator<Item = &'static RelationMeta> {
    meta.relations
        .iter()
        .filter(|r| matches!(r.kind, RelationKind::HasMany | RelationKind::HasOne))
}

/// The many-to-many relationships whose association rows the database
/// does not remove by itself.
fn associations(meta: &'static ModelMeta) -> Result<Vec<crate::model::Through>> {
    let mut out = Vec::new();
    for rel in meta
        .relations
        .iter()
        .filter(|r| r.kind == RelationKind::ManyToMany)
    {
        let t = rel.through(meta)?;
        let by_database = t
            .left
            .references
            .is_some_and(|fk| matches!(fk.on_delete, OnDelete::Cascade));
        if !by_database {
            out.push(t);
        }
    }
    Ok(out)
}

pub(crate) async fn delete_one<M: Model>(target: Target<'_>, model: &M) -> Result<()> {
    let stmts = crate::sql::statements::<M>(target.dialect());
    let mut key = Vec::with_capacity(2);
    model.key_values(&mut key);
    if let Some((index, _)) = M::META.version_column() {
        key.push(model.column_value(index)?);
    }
    if !has_rules(M::META)? {
        let done = backend::execute(target, Sql::Static(&stmts.delete_by_key), key).await?;
        if done.rows_affected == 0 {
            return Err(crate::query::update::missing_row(target, model).await);
        }
        return Ok(());
    }
    let atomic = Atomic::begin(target).await?;
    let outcome = async {
        let mut this = Vec::new();
        for col in M::META.primary_key() {
            this.push(Expr::column_eq(M::META, col, value_of(model, col)?));
        }
        let this = Expr::And(this);
        apply_rules(atomic.target(), M::META, &this, &[M::META], &[]).await?;
        let done =
            backend::execute(atomic.target(), Sql::Static(&stmts.delete_by_key), key).await?;
        if done.rows_affected == 0 {
            return Err(crate::query::update::missing_row(atomic.target(), model).await);
        }
        Ok(())
    }
    .await;
    atomic.finish(outcome).await
}

/// True when deleting a row of `meta` needs more than its own DELETE: a
/// relationship whose rows the database does not handle.
fn has_rules(meta: &'static ModelMeta) -> Result<bool> {
    if !associations(meta)?.is_empty() {
        return Ok(true);
    }
    for rel in children(meta) {
        if !handled_by_database(rel, &rel.link(meta)?) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Deletes the rows of `meta` matching `condition` with every rule of their
/// relationships applied first: the rule of [`delete_one`] for a set of
/// rows. `db.delete` and the orphans of `db.save` both come here.
pub(crate) fn delete_rows<'a>(
    target: Target<'a>,
    meta: &'static ModelMeta,
    condition: Expr,
) -> BoxFuture<'a, Result<()>> {
    Box::pin(async move {
        apply_rules(target, meta, &condition, &[meta], &[]).await?;
        delete_where(target, meta, &condition).await?;
        Ok(())
    })
}

/// Applies the delete rules of `meta`'s relationships to the rows related
/// to the rows of `meta` matching `condition` (which reads the tables of
/// `chain`): association rows removed, `cascade = "delete"` children
/// deleted with their own rules, nullable keys set to NULL, and NOT NULL
/// keys with rows left refused. `path`: the keys known of the levels
/// above, to find a cycle.
fn apply_rules<'a>(
    target: Target<'a>,
    meta: &'static ModelMeta,
    condition: &'a Expr,
    chain: &'a [&'static ModelMeta],
    path: &'a [Level],
) -> BoxFuture<'a, Result<()>> {
    Box::pin(async move {
        for t in associations(meta)? {
            let of_these = related(
                target,
                meta,
                condition,
                chain,
                t.owner_column,
                t.assoc,
                t.left,
            )
            .await?;
            if let Some(Related { condition, .. }) = of_these {
                delete_where(target, t.assoc, &condition).await?;
            }
        }
        for rel in children(meta) {
            let link = rel.link(meta)?;
            if handled_by_database(rel, &link) {
                continue;
            }
            let of_these = related(
                target,
                meta,
                condition,
                chain,
                link.parent_column,
                link.child,
                link.child_column,
            )
            .await?;
            let Some(Related {
                condition: of_these,
                keys,
            }) = of_these
            else {
                continue;
            };
            if rel.cascade.delete {
                let mut below = path.to_vec();
                if let Some(keys) = keys {
                    refuse_cycle(rel, meta, &link, &keys, path)?;
                    below.push((meta, link.parent_column.name, keys));
                }
                let mut deeper = chain.to_vec();
                deeper.push(link.child);
                apply_rules(target, link.child, &of_these, &deeper, &below).await?;
                delete_where(target, link.child, &of_these).await?;
            } else if link.child_column.nullable {
                set_null(target, &link, &of_these).await?;
            } else {
                refuse_remaining(target, rel, &link, &of_these).await?;
            }
        }
        Ok(())
    })
}

/// [`Error::Relationship`] when a row of this level (`keys`) is also a row
/// of a level above: the rows reference each other in a cycle.
fn refuse_cycle(
    rel: &RelationMeta,
    meta: &'static ModelMeta,
    link: &Link,
    keys: &[Value],
    path: &[Level],
) -> Result<()> {
    let again = path.iter().any(|(m, column, seen)| {
        m.is(meta) && *column == link.parent_column.name && keys.iter().any(|k| seen.contains(k))
    });
    if !again {
        return Ok(());
    }
    Err(Error::Relationship {
        model: rel.owner,
        relation: rel.name,
        message: format!(
            "`cascade = \"delete\"` on `{}.{}` meets rows of `{}` that reference each other in a cycle, so no delete can go first: set one of their keys to NULL (or delete one of them) first",
            rel.owner, rel.name, meta.name
        ),
    })
}

/// [`Error::Relationship`] when rows still reference the parents being
/// deleted through a NOT NULL key that no rule handles.
async fn refuse_remaining(
    target: Target<'_>,
    rel: &RelationMeta,
    link: &Link,
    of_these: &Expr,
) -> Result<()> {
    if !any_row(target, link.child, of_these).await? {
        return Ok(());
    }
    Err(Error::Relationship {
        model: rel.owner,
        relation: rel.name,
        message: format!(
            "cannot delete this `{}`: `{}` rows still reference it through the NOT NULL `{}`; declare `cascade = \"delete\"` on `{}.{}`, or `on_delete = \"cascade\"`, or delete them first",
            rel.owner, link.child.name, link.child_column.field, rel.owner, rel.name
        ),
    })
}

/// True when a row of `table` matches `condition` (one statement, `LIMIT
/// 1`).
pub(crate) async fn any_row(
    target: Target<'_>,
    table: &'static ModelMeta,
    condition: &Expr,
) -> Result<bool> {
    let r = sql::select(
        target.dialect(),
        &ast::Select {
            filter: Some(Where::expr(condition)),
            limit: Some(1),
            ..ast::Select::from(table, vec![Item::One])
        },
    )?;
    let rows = backend::fetch_all(target, Sql::Owned(r.sql), r.binds, |_| Ok(())).await?;
    Ok(!rows.is_empty())
}

/// The condition on `table` selecting the rows whose `column` references
/// `referenced` of the rows of `meta` matching `condition`:
/// `table.column IN (SELECT meta.referenced FROM meta WHERE condition)`.
/// When `table` is one the condition reads (a self-referential
/// relationship; MySQL cannot write a table its subquery reads), the keys
/// are read first and listed (and returned with it); `None` when there are
/// none.
async fn related(
    target: Target<'_>,
    meta: &'static ModelMeta,
    condition: &Expr,
    chain: &[&'static ModelMeta],
    referenced: &'static ColumnMeta,
    table: &'static ModelMeta,
    column: &'static ColumnMeta,
) -> Result<Option<Related>> {
    let tested = Box::new(Expr::column(table, column));
    // Rows chosen by their referenced column need no subquery.
    if let Some(values) = values_of(condition, meta, referenced) {
        return Ok(Some(Related {
            condition: Expr::AnyOf {
                expr: tested,
                ty: referenced.sql_type,
                values: values.clone(),
            },
            keys: Some(values),
        }));
    }
    if !chain.iter().any(|m| m.is(table)) {
        return Ok(Some(Related {
            condition: Expr::InSelect {
                expr: tested,
                table: meta,
                column: referenced.name,
                filter: Box::new(condition.clone()),
            },
            keys: None,
        }));
    }
    let r = sql::select(
        target.dialect(),
        &ast::Select {
            filter: Some(Where::expr(condition)),
            ..ast::Select::from(meta, vec![Item::Column(ColumnRef::of(meta, referenced))])
        },
    )?;
    let ty = referenced.sql_type;
    let keys = backend::fetch_all(target, Sql::Owned(r.sql), r.binds, |row| {
        Value::decode(row, 0, ty).map_err(Error::from)
    })
    .await?;
    let keys: Vec<Value> = keys.into_iter().filter(|k| !k.is_null()).collect();
    if keys.is_empty() {
        return Ok(None);
    }
    Ok(Some(Related {
        condition: Expr::AnyOf {
            expr: tested,
            ty,
            values: keys.clone(),
        },
        keys: Some(keys),
    }))
}

/// The rows related to a level: the condition that selects them, and the
/// keys of the level's rows they reference when those were read.
struct Related {
    condition: Expr,
    keys: Option<Vec<Value>>,
}

/// The values of `meta.column` that `condition` selects, when it selects
/// by that column alone: `column = v` or `column` in a list.
fn values_of(condition: &Expr, meta: &ModelMeta, column: &ColumnMeta) -> Option<Vec<Value>> {
    let is_column =
        |e: &Expr| matches!(e, Expr::Column(c) if c.table.is(meta) && c.column == column.name);
    match condition {
        Expr::And(items) if items.len() == 1 => values_of(&items[0], meta, column),
        Expr::Compare(l, crate::expr::CmpOp::Eq, r) if is_column(l) => match &**r {
            Expr::Value(v) if !v.is_null() => Some(vec![v.clone()]),
            _ => None,
        },
        Expr::AnyOf { expr, values, .. } if is_column(expr) => Some(values.clone()),
        _ => None,
    }
}

/// `UPDATE child SET key = NULL WHERE condition`: children detached from
/// their parent through a nullable key.
pub(crate) async fn set_null(target: Target<'_>, link: &Link, condition: &Expr) -> Result<()> {
    let r = sql::update(
        target.dialect(),
        ast::Update {
            table: link.child,
            set: vec![(
                link.child_column.name,
                Value::Null(link.child_column.sql_type),
            )],
            filter: Some(Where::expr(condition)),
        },
    )?;
    backend::execute(target, Sql::Owned(r.sql), r.binds).await?;
    Ok(())
}

/// `DELETE FROM table WHERE condition`; returns how many rows went.
pub(crate) async fn delete_where(
    target: Target<'_>,
    table: &'static ModelMeta,
    condition: &Expr,
) -> Result<u64> {
    let r = sql::delete(
        target.dialect(),
        &ast::Delete {
            table,
            filter: Some(Where::expr(condition)),
        },
    )?;
    Ok(backend::execute(target, Sql::Owned(r.sql), r.binds)
        .await?
        .rows_affected)
}
