//! The write operations as `Db` and `Tx` offer them: each decides whether
//! a model's relationships take part (a graph to insert, keys to sync from
//! belongs_to slots) and runs in one transaction when it takes several
//! statements. One-table writes are in [`crate::query`]; graph writes in
//! [`crate::relation`].

use crate::backend::{Atomic, Target};
use crate::column::ColumnList;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::query;
use crate::relation::{insert_graph, save_graph, sync_keys, update_row};

/// `db.insert(model)`: the row, or the graph it holds.
pub(crate) async fn insert<M: Model>(target: Target<'_>, mut model: M) -> Result<M> {
    if model.__pending() {
        let mut models = insert_many(target, vec![model]).await?;
        return models
            .pop()
            .ok_or_else(|| Error::Config("the insert returned no row".into()));
    }
    sync_keys(&mut model)?;
    query::insert::insert_one(target, model).await
}

/// `db.insert_many(models)`: the rows, or the graph they hold, all or
/// nothing.
pub(crate) async fn insert_many<M: Model>(
    target: Target<'_>,
    mut models: Vec<M>,
) -> Result<Vec<M>> {
    for m in &models {
        m.validate()?;
    }
    if models.iter().any(M::__pending) {
        // A graph: everything in one transaction, the caller's or ours.
        let atomic = Atomic::begin(target).await?;
        let outcome = insert_graph(&mut models, atomic.target()).await;
        atomic.finish(outcome).await?;
        return Ok(models);
    }
    for m in &mut models {
        sync_keys(m)?;
    }
    query::insert::insert_many(target, models).await
}

/// `db.bulk_insert(models)`: the rows alone, nothing read back.
pub(crate) async fn bulk_insert<M: Model>(target: Target<'_>, models: &[M]) -> Result<u64> {
    if models.iter().any(M::__pending) {
        return Err(Error::Config(format!(
            "bulk_insert writes `{}` rows only, and this one holds new related rows: use insert_many to write the graph",
            M::META.name
        )));
    }
    query::insert::bulk_insert(target, models).await
}

/// `db.update(&mut model)`.
pub(crate) async fn update<M: Model>(target: Target<'_>, model: &mut M) -> Result<()> {
    update_row(target, model).await
}

/// `db.save(&mut model)` in one transaction (the caller's, or its own).
/// A failed save leaves the model's version as it was, so that it can be
/// saved again.
pub(crate) async fn save<M: Model>(target: Target<'_>, model: &mut M) -> Result<()> {
    let version = M::META
        .version_column()
        .map(|(i, _)| model.column_value(i).map(|v| (i, v)))
        .transpose()?;
    let atomic = Atomic::begin(target).await?;
    let outcome = save_graph(model, atomic.target()).await;
    let result = atomic.finish(outcome).await;
    if result.is_err()
        && let Some((i, read)) = version
    {
        model.set_column_value(i, read)?;
    }
    result
}

/// `db.delete(&model)`, with the rules of its relationships.
pub(crate) async fn delete<M: Model>(target: Target<'_>, model: &M) -> Result<()> {
    query::delete::delete_one(target, model).await
}

/// An upsert of one model: `db.upsert(tag).on_conflict(Tag::NAME)`, then
/// [`do_nothing`](Upsert::do_nothing) or [`update`](Upsert::update).
/// Without `on_conflict`, the rows meet on the primary key.
///
/// `ON CONFLICT` on SQLite and PostgreSQL (the columns must be those of a
/// unique constraint or the key); `ON DUPLICATE KEY UPDATE` on MySQL,
/// which meets a row on any of the table's unique keys. The model's own
/// row only: its relationships are not written (`db.insert`/`db.save` do
/// that), but the keys its belongs_to slots hold are.
#[must_use = "an upsert runs when .do_nothing() or .update(..) is awaited"]
pub struct Upsert<'a, M> {
    target: Target<'a>,
    models: Vec<M>,
    columns: Vec<&'static str>,
}

/// An upsert of several models in one statement per chunk:
/// `db.upsert_many(tags)`. See [`Upsert`].
#[must_use = "an upsert runs when .do_nothing() or .update(..) is awaited"]
pub struct UpsertMany<'a, M> {
    inner: Upsert<'a, M>,
}

impl<'a, M: Model> Upsert<'a, M> {
    pub(crate) fn new(target: Target<'a>, models: Vec<M>) -> Self {
        Upsert {
            target,
            models,
            columns: M::META.primary_key().map(|c| c.name).collect(),
        }
    }

    /// The columns of the unique constraint (or key) the row may meet.
    pub fn on_conflict(mut self, columns: impl ColumnList<M>) -> Self {
        self.columns = columns.names();
        self
    }

    /// Inserts the row, or keeps the one already there: the row inserted
    /// as the database holds it, or `None` when one existed.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug)]
    /// # pub struct Tag { #[model(primary_key)] id: i64, #[model(unique)] name: String }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # let db = Db::connect("sqlite::memory:").await?;
    /// # db.create_all(&orm::models![Tag]).await?;
    /// let tag = || Tag { id: 0, name: "rust".into() };
    /// let first = db.upsert(tag()).on_conflict(Tag::NAME).do_nothing().await?;
    /// assert!(first.is_some_and(|t| t.id > 0));
    /// let again = db.upsert(tag()).on_conflict(Tag::NAME).do_nothing().await?;
    /// assert!(again.is_none());
    /// assert_eq!(Tag::query().count(&db).await?, 1);
    /// # Ok(()) }
    /// ```
    pub async fn do_nothing(self) -> Result<Option<M>> {
        let mut out = self.run(query::upsert::Conflict::DoNothing).await?;
        Ok(out.pop().flatten())
    }

    /// Inserts the row, or sets `columns` of the one already there to the
    /// new values: the row as the database holds it afterwards.
    pub async fn update(self, columns: impl ColumnList<M>) -> Result<M> {
        let name = M::META.name;
        let mut out = self
            .run(query::upsert::Conflict::Update(columns.names()))
            .await?;
        out.pop()
            .flatten()
            .ok_or_else(|| Error::Config(format!("an upsert of one `{name}` returned no row")))
    }

    async fn run(mut self, action: query::upsert::Conflict) -> Result<Vec<Option<M>>> {
        for m in &mut self.models {
            if m.__pending() {
                return Err(Error::Config(format!(
                    "an upsert writes the `{}` row only, and this one holds new related rows: insert or save them first",
                    M::META.name
                )));
            }
            m.validate()?;
            sync_keys(m)?;
        }
        query::upsert::upsert(self.target, &self.models, &self.columns, &action).await
    }
}

impl<'a, M: Model> UpsertMany<'a, M> {
    pub(crate) fn new(target: Target<'a>, models: Vec<M>) -> Self {
        UpsertMany {
            inner: Upsert::new(target, models),
        }
    }

    /// The columns of the unique constraint (or key) the rows may meet.
    pub fn on_conflict(self, columns: impl ColumnList<M>) -> Self {
        UpsertMany {
            inner: self.inner.on_conflict(columns),
        }
    }

    /// Inserts the rows, keeping those already there: for each model, in
    /// order, its row as inserted, or `None` when one existed (or when the
    /// same values came earlier in the list).
    pub async fn do_nothing(self) -> Result<Vec<Option<M>>> {
        self.inner.run(query::upsert::Conflict::DoNothing).await
    }

    /// Inserts the rows, or sets `columns` of those already there: for
    /// each model, in order, its row as the database holds it.
    pub async fn update(self, columns: impl ColumnList<M>) -> Result<Vec<M>> {
        let name = M::META.name;
        self.inner
            .run(query::upsert::Conflict::Update(columns.names()))
            .await?
            .into_iter()
            .map(|m| {
                m.ok_or_else(|| {
                    Error::Config(format!(
                        "an upsert of `{name}` rows names the same values twice: give each once"
                    ))
                })
            })
            .collect()
    }
}
