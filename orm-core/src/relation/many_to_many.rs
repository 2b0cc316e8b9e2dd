//! The accessor of a many-to-many relationship: `post.tags()`. Reads are
//! one statement joined through the association table; writes touch
//! association rows only.

use super::query::{ByAssociation, RelatedQuery, Scope};
use super::{RelationMeta, Through};
use crate::backend::{self, Sql};
use crate::db::{Executor, Tx};
use crate::dialect::{self, SqlWriter};
use crate::error::{Error, Result};
use crate::expr::Expr;
use crate::model::value_of;
use crate::model::{ColumnMeta, Model};
use crate::query::select::Select;
use crate::value::Value;

/// The targets of a many-to-many relationship of one owner.
pub type ManyToManyQuery<'a, P, T> = RelatedQuery<'a, P, T, ByAssociation>;

impl Scope for ByAssociation {
    fn scope<P: Model, T: Model>(
        owner: &P,
        rel: &'static RelationMeta,
        select: Select<T>,
    ) -> Result<Select<T>> {
        let t = rel.through(P::META)?;
        let value = value_of(owner, t.owner_column);
        Ok(select
            .join_step(t.assoc_onto_target(rel))
            .filter(Expr::column_eq(t.assoc, t.left, value)))
    }
}

impl<P: Model, T: Model> RelatedQuery<'_, P, T, ByAssociation> {
    fn through(&self) -> Result<Through> {
        self.rel.through(P::META)
    }

    fn owner_value(&self, t: &Through) -> Value {
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
        let t = self.through()?;
        let owner = self.owner_value(&t);
        let mut rights: Vec<Value> = Vec::with_capacity(targets.len());
        for target in targets {
            let v = value_of(target, t.target_column);
            if !rights.contains(&v) {
                rights.push(v);
            }
        }
        if rights.is_empty() {
            return Ok(0);
        }
        let mut added = 0;
        let per_statement = (exec.dialect().max_binds() / 4).max(1);
        for chunk in rights.chunks(per_statement) {
            let pairs: Vec<(Value, Value)> =
                chunk.iter().map(|r| (owner.clone(), r.clone())).collect();
            let w = dialect::insert_missing_pairs(exec.dialect(), t.assoc, t.left, t.right, pairs);
            added += backend::execute(exec.target(), Sql::Owned(w.sql), w.binds)
                .await?
                .rows_affected;
        }
        Ok(added)
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
        let index = |c: &ColumnMeta| {
            A::META
                .columns
                .iter()
                .position(|x| x.name == c.name)
                .unwrap_or(0)
        };
        row.set_column_value(index(t.left), self.owner_value(&t))?;
        row.set_column_value(index(t.right), value_of(target, t.target_column))?;
        exec.insert(row).await
    }

    /// Removes the association with `target`; `false` when there was none.
    pub async fn remove(&self, exec: &(impl Executor + ?Sized), target: &T) -> Result<bool> {
        let t = self.through()?;
        let right = Expr::column_eq(t.assoc, t.right, value_of(target, t.target_column));
        Ok(self.delete_assoc(exec.target(), &t, Some(right)).await? > 0)
    }

    /// Removes every association of the owner; returns how many.
    pub async fn clear(&self, exec: &(impl Executor + ?Sized)) -> Result<u64> {
        let t = self.through()?;
        self.delete_assoc(exec.target(), &t, None).await
    }

    /// Makes `targets` the owner's whole collection with the fewest writes:
    /// one DELETE of the pairs no longer wanted, one multi-row INSERT of the
    /// missing ones, in one transaction.
    pub async fn set(&self, exec: &(impl Executor + ?Sized), targets: &[T]) -> Result<()> {
        let t = self.through()?;
        let keep: Vec<Value> = targets
            .iter()
            .map(|x| value_of(x, t.target_column))
            .collect();
        let stale = (!keep.is_empty()).then(|| Expr::InList {
            expr: Box::new(Expr::column(t.assoc, t.right)),
            values: keep,
            negated: true,
        });
        match exec.target() {
            crate::backend::Target::Tx(_) => {
                self.delete_assoc(exec.target(), &t, stale).await?;
                self.add_many(exec, targets).await?;
                Ok(())
            }
            crate::backend::Target::Db(db) => {
                let tx: Tx = db.begin().await?;
                let outcome = async {
                    self.delete_assoc(crate::backend::Target::Tx(&tx), &t, stale)
                        .await?;
                    self.add_many(&tx, targets).await
                }
                .await;
                match outcome {
                    Ok(_) => tx.commit().await,
                    Err(e) => {
                        let _ = tx.rollback().await;
                        Err(e)
                    }
                }
            }
        }
    }

    async fn delete_assoc(
        &self,
        target: crate::backend::Target<'_>,
        t: &Through,
        extra: Option<Expr>,
    ) -> Result<u64> {
        let mut condition = Expr::column_eq(t.assoc, t.left, self.owner_value(t));
        if let Some(extra) = extra {
            condition = condition.and(extra);
        }
        let mut w = SqlWriter::new(crate::query::insert::dialect_of(target));
        w.push("DELETE FROM ");
        w.table(t.assoc);
        w.where_clause(Some(&condition));
        Ok(backend::execute(target, Sql::Owned(w.sql), w.binds)
            .await?
            .rows_affected)
    }
}
