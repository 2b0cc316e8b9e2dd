//! DELETE: one model by its key, with its relationships' rules applied to
//! the rows that reference it, or every row matching a filter.
//!
//! Deleting a parent, for each has_many/has_one declared on it:
//! - `on_delete = "cascade"` (or a foreign key with `ON DELETE CASCADE` /
//!   `SET NULL`): the database handles the children; nothing is loaded
//!   (SQLAlchemy's `passive_deletes`).
//! - `cascade = "delete"`: the children (and, through their own
//!   `cascade = "delete"` relationships, their children) are deleted first.
//! - otherwise a nullable key is set to NULL; a NOT NULL key with children
//!   left is [`Error::Relationship`], and nothing is changed.
//!
//! All of it runs in one transaction (the caller's, or one of its own).

use crate::backend::{self, Sql, Target};
use crate::db::Tx;
use crate::dialect::SqlWriter;
use crate::error::{Error, Result};
use crate::expr::{ColumnRef, Expr};
use crate::model::{Model, ModelMeta, OnDelete, value_of};
use crate::query::insert::dialect_of;
use crate::relation::{Link, RelationKind, RelationMeta};
use crate::value::Value;

/// How deep `cascade = "delete"` follows children of children.
const MAX_CASCADE_DEPTH: usize = 8;

fn handled_by_database(rel: &RelationMeta, link: &crate::relation::Link) -> bool {
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
fn associations(meta: &'static ModelMeta) -> Result<Vec<crate::relation::Through>> {
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
    let stmts = M::__statements(dialect_of(target));
    let mut key = Vec::with_capacity(2);
    model.key_values(&mut key);
    if let Some((index, _)) = M::META.version_column() {
        key.push(model.column_value(index));
    }
    let mut pending = !associations(M::META)?.is_empty();
    for rel in children(M::META) {
        if !handled_by_database(rel, &rel.link(M::META)?) {
            pending = true;
        }
    }
    if !pending {
        let done = backend::execute(target, Sql::Static(&stmts.delete_by_key), key).await?;
        if done.rows_affected == 0 {
            return Err(crate::query::update::missing_row(target, model).await);
        }
        return Ok(());
    }
    match target {
        Target::Tx(_) => delete_with_children(target, model, key).await,
        Target::Db(db) => {
            let tx: Tx = db.begin().await?;
            match delete_with_children(Target::Tx(&tx), model, key).await {
                Ok(()) => tx.commit().await,
                Err(e) => {
                    let _ = tx.rollback().await;
                    Err(e)
                }
            }
        }
    }
}

async fn delete_with_children<M: Model>(
    target: Target<'_>,
    model: &M,
    key: Vec<Value>,
) -> Result<()> {
    for t in associations(M::META)? {
        let mut w = SqlWriter::new(dialect_of(target));
        w.push("DELETE FROM ");
        w.table(t.assoc);
        w.push(" WHERE ");
        w.ident(t.left.name);
        w.push(" = ");
        w.bind(value_of(model, t.owner_column));
        backend::execute(target, Sql::Owned(w.sql), w.binds).await?;
    }
    for rel in children(M::META) {
        let link = rel.link(M::META)?;
        if handled_by_database(rel, &link) {
            continue;
        }
        let value = value_of(model, link.parent_column);
        let of_parent = Expr::column_eq(link.child, link.child_column, value);
        if rel.cascade.delete {
            delete_where(target, link.child, of_parent, 0).await?;
        } else if link.child_column.nullable {
            set_null(target, &link, &of_parent).await?;
        } else {
            let mut w = SqlWriter::new(dialect_of(target));
            w.push("SELECT 1 FROM ");
            w.table(link.child);
            w.where_clause(Some(&of_parent));
            w.push(" LIMIT 1");
            let rows = backend::fetch_all(target, Sql::Owned(w.sql), w.binds, |_| Ok(())).await?;
            if !rows.is_empty() {
                return Err(Error::Relationship {
                    model: M::META.name,
                    relation: rel.name,
                    message: format!(
                        "cannot delete this `{}`: `{}` rows still reference it through the NOT NULL `{}`; declare `cascade = \"delete\"` on `{}.{}`, or `on_delete = \"cascade\"`, or delete them first",
                        M::META.name,
                        link.child.name,
                        link.child_column.field,
                        M::META.name,
                        rel.name
                    ),
                });
            }
        }
    }
    let stmts = M::__statements(dialect_of(target));
    let done = backend::execute(target, Sql::Static(&stmts.delete_by_key), key).await?;
    if done.rows_affected == 0 {
        return Err(crate::query::update::missing_row(target, model).await);
    }
    Ok(())
}

/// Deletes the rows of `meta` matching `condition`, after the rows of their
/// own `cascade = "delete"` relationships (children before parents).
fn delete_where<'a>(
    target: Target<'a>,
    meta: &'static ModelMeta,
    condition: Expr,
    depth: usize,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + Send + 'a>> {
    Box::pin(async move {
        if depth < MAX_CASCADE_DEPTH {
            for rel in children(meta).filter(|r| r.cascade.delete) {
                let link = rel.link(meta)?;
                // A table cannot be both the target of a DELETE and read in
                // its subquery on MySQL; self-referential cascades stop here
                // and rely on the foreign key's ON DELETE action.
                if handled_by_database(rel, &link) || link.child.is(meta) {
                    continue;
                }
                let of_these = Expr::InSelect {
                    expr: Box::new(Expr::Column(ColumnRef {
                        table: link.child,
                        column: link.child_column.name,
                    })),
                    table: meta,
                    column: link.parent_column.name,
                    filter: Box::new(condition.clone()),
                };
                delete_where(target, link.child, of_these, depth + 1).await?;
            }
        }
        let mut w = SqlWriter::new(dialect_of(target));
        w.push("DELETE FROM ");
        w.table(meta);
        w.where_clause(Some(&condition));
        w.check()?;
        backend::execute(target, Sql::Owned(w.sql), w.binds).await?;
        Ok(())
    })
}

/// `UPDATE child SET key = NULL WHERE condition`: children detached from
/// their parent through a nullable key.
pub(crate) async fn set_null(target: Target<'_>, link: &Link, condition: &Expr) -> Result<()> {
    let mut w = SqlWriter::new(dialect_of(target));
    w.push("UPDATE ");
    w.table(link.child);
    w.push(" SET ");
    w.ident(link.child_column.name);
    w.push(" = ");
    w.bind(Value::Null(link.child_column.sql_type));
    w.where_clause(Some(condition));
    backend::execute(target, Sql::Owned(w.sql), w.binds).await?;
    Ok(())
}
