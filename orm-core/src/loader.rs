//! Eager loading: `include` (one query per relationship level, keys sent
//! as `= ANY($1)` on PostgreSQL and chunked `IN (...)` elsewhere) and
//! `include_joined` (a to-one relationship read in the same statement by
//! `LEFT JOIN`).
//!
//! ```text
//!   users  ──► collect keys ──► SELECT posts WHERE author_id = ANY($1)
//!                               ──► nested includes run on all posts at once
//!                               ──► group by author_id ──► user.posts = loaded
//! ```
//!
//! Loading k levels costs exactly k + 1 statements (more only when a level
//! has more keys than one statement may bind on SQLite or MySQL). Parents
//! without related rows get a loaded empty collection or a loaded `None`.
//! A belongs_to target shared by several parents is decoded once and
//! shared by their slots (one `Arc`); a many-to-many target related to
//! several parents is cloned into each collection, so the target models
//! must be `Clone`.

use std::any::Any;
use std::marker::PhantomData;
use std::sync::Arc;

use futures_core::future::BoxFuture;

use crate::backend::{self, Executor, Sql, Target};
use crate::error::{Error, Result};
use crate::expr::{ColumnRef, Expr, OrderBy};
use crate::model::{BelongsTo, HasMany, HasOne, JoinStep, Relation, RelationMeta};
use crate::model::{ColumnMeta, Model, ModelMeta, Path, RelationKind, column_values};
use crate::query::load::{IntoLoad, JoinedLoad, Load};
use crate::query::select::{Select, WithRow};
use crate::sql::Dialect;
use crate::value::{KeyPositions, Value};

/// A relationship to load eagerly, with a filter, an order and nested
/// relationships of its target.
///
/// ```text
/// User::query().include(User::POSTS.filter(Post::PUBLISHED.eq(true)).include(Post::COMMENTS))
/// ```
pub struct Include<P, T> {
    rel: &'static RelationMeta,
    select: Select<T>,
    ordered: bool,
    children: Vec<Arc<dyn Load<T>>>,
    _marker: PhantomData<fn() -> P>,
}

impl<P, T> Clone for Include<P, T> {
    fn clone(&self) -> Self {
        Include {
            rel: self.rel,
            select: self.select.clone(),
            ordered: self.ordered,
            children: self.children.clone(),
            _marker: PhantomData,
        }
    }
}

impl<P: Model, T: Model + Clone> Include<P, T> {
    fn new(rel: &'static RelationMeta) -> Self {
        Include {
            rel,
            select: Select::new(),
            ordered: false,
            children: Vec::new(),
            _marker: PhantomData,
        }
    }

    /// Also loads a relationship of the loaded rows.
    #[must_use]
    pub fn include(mut self, child: impl IntoLoad<T>) -> Self {
        self.children.push(child.into_load());
        self
    }

    /// Loads only the related rows matching `condition`.
    #[must_use]
    pub fn filter(mut self, condition: Expr) -> Self {
        self.select = self.select.filter(condition);
        self
    }

    /// Orders each parent's rows (replacing the relationship's `order_by`).
    #[must_use]
    pub fn order_by(mut self, term: impl Into<OrderBy>) -> Self {
        self.select = self.select.order_by(term);
        self.ordered = true;
        self
    }
}

impl<P: Model + Clone> Include<P, P> {
    /// For a self-referential relationship: loads it `levels` deep
    /// (`Employee::REPORTS.depth(3)`: reports, their reports, and theirs),
    /// one statement per level.
    #[must_use]
    pub fn depth(self, levels: usize) -> Self {
        if levels <= 1 {
            return self;
        }
        let nested = self.clone().depth(levels - 1);
        self.include(nested)
    }
}

impl<P: Model, T: Model + Clone> Relation<P, T> {
    /// An [`Include`] of this relationship with `child` nested in it.
    pub fn include(self, child: impl IntoLoad<T>) -> Include<P, T> {
        Include::new(self.meta()).include(child)
    }

    /// An [`Include`] of the related rows matching `condition`.
    pub fn filter(self, condition: Expr) -> Include<P, T> {
        Include::new(self.meta()).filter(condition)
    }

    /// An [`Include`] ordering each parent's rows.
    pub fn order_by(self, term: impl Into<OrderBy>) -> Include<P, T> {
        Include::new(self.meta()).order_by(term)
    }
}

impl<P: Model + Clone> Relation<P, P> {
    /// An [`Include`] `levels` deep, for a self-referential relationship:
    /// `Employee::REPORTS.depth(3)`.
    pub fn depth(self, levels: usize) -> Include<P, P> {
        Include::new(self.meta()).depth(levels)
    }
}

impl<P: Model, T: Model + Clone> From<Relation<P, T>> for Include<P, T> {
    fn from(rel: Relation<P, T>) -> Self {
        Include::new(rel.meta())
    }
}

impl<P: Model, T: Model + Clone> IntoLoad<P> for Include<P, T> {
    fn into_load(self) -> Arc<dyn Load<P>> {
        Arc::new(self)
    }
}

impl<P: Model, T: Model + Clone> IntoLoad<P> for Relation<P, T> {
    fn into_load(self) -> Arc<dyn Load<P>> {
        Arc::new(Include::<P, T>::new(self.meta()))
    }
}

/// Loads `relation` onto models already fetched: the same statements as
/// `include` would run.
///
/// ```text
/// let mut users = User::query().all(&db).await?;
/// orm::load(&mut users, User::POSTS, &db).await?;
/// ```
pub async fn load<P: Model>(
    parents: &mut [P],
    relation: impl IntoLoad<P>,
    exec: &(impl Executor + ?Sized),
) -> Result<()> {
    relation.into_load().load(parents, exec.target()).await
}

/// The slot of `rel` on `model`, for a relationship with a field.
fn slot<'m, P: Model>(model: &'m mut P, rel: &RelationMeta) -> Result<&'m mut dyn Any> {
    P::META
        .relations
        .iter()
        .position(|r| r.name == rel.name && r.owner == rel.owner)
        .and_then(|index| model.relation_slot(index))
        .ok_or_else(|| {
            Error::Config(format!(
                "`{}.{}` has no field to load into (a backref has none): use `.with({}::{})` to get pairs",
                rel.owner,
                rel.name,
                rel.owner,
                rel.name.to_uppercase()
            ))
        })
}

/// Fills a slot of whichever kind with `rows`: a collection with all of
/// them (remembering their member keys for a later save), a to-one slot
/// with the first or none. `member` is the member key's column when the
/// caller has it (`RelationMeta::member_key`).
fn fill_slot<T: Model>(
    slot: &mut dyn Any,
    rel: &'static RelationMeta,
    owner: &'static ModelMeta,
    mut rows: Vec<T>,
    member: Option<usize>,
) -> Result<()> {
    if let Some(collection) = slot.downcast_mut::<HasMany<T>>() {
        let member = match member {
            Some(m) => m,
            None => rel.member_key(owner, T::META)?,
        };
        collection.set_loaded(rows, member, T::column_value);
        return Ok(());
    }
    let first = if rows.is_empty() {
        None
    } else {
        Some(rows.swap_remove(0))
    };
    if let Some(one) = slot.downcast_mut::<HasOne<T>>() {
        one.set_loaded(first);
    } else if let Some(parent) = slot.downcast_mut::<BelongsTo<T>>() {
        parent.set(first);
    } else {
        return Err(wrong_slot(rel));
    }
    Ok(())
}

fn wrong_slot(rel: &RelationMeta) -> Error {
    Error::Config(format!(
        "`{}.{}` holds a slot of another type than its relationship",
        rel.owner, rel.name
    ))
}

/// How many keys one statement may carry on `dialect`.
fn keys_per_statement(dialect: Dialect) -> usize {
    match dialect {
        Dialect::Postgres => usize::MAX,
        // Room is left for the include's own filter values.
        other => other.max_binds() - 1_000,
    }
}

/// Distinct non-NULL keys, in first-seen order, with the position of each.
fn distinct(values: &[Value]) -> (Vec<Value>, KeyPositions) {
    let mut position = KeyPositions::default();
    let mut out = Vec::new();
    for v in values {
        if !v.is_null() && position.insert(v) {
            out.push(v.clone());
        }
    }
    (out, position)
}

impl<P: Model, T: Model + Clone> Include<P, T> {
    /// Runs the include's query for `keys` of `column`, chunked; each row
    /// comes with the value of `extra` (the association's owner column of a
    /// many-to-many) when given.
    async fn fetch(
        &self,
        target: Target<'_>,
        column: ColumnRef,
        ty: crate::value::SqlType,
        keys: Vec<Value>,
        through: Option<(JoinStep, &'static ColumnMeta)>,
    ) -> Result<(Vec<T>, Vec<Value>)> {
        let dialect = target.dialect();
        let mut out = Vec::new();
        let mut owners = Vec::new();
        for chunk in keys.chunks(keys_per_statement(dialect).max(1)) {
            let by_key = Expr::AnyOf {
                expr: Box::new(Expr::Column(column)),
                ty,
                values: chunk.to_vec(),
            };
            let extra = through.map(|(step, col)| {
                (
                    step,
                    ColumnRef {
                        table: step.table,
                        column: col.name,
                        alias: None,
                    },
                )
            });
            let default_order = if self.ordered {
                None
            } else {
                self.rel.default_order(T::META)?
            };
            let w = self
                .select
                .render_load(dialect, by_key, extra, default_order)?;
            let width = T::META.columns.len();
            let extra_type = through.map(|(_, c)| c.sql_type);
            let rows = match extra_type {
                None => {
                    backend::fetch_all(target, Sql::Owned(w.sql), w.binds, |row| {
                        T::from_row(row, 0)
                    })
                    .await?
                }
                Some(ty) => {
                    let pairs = backend::fetch_all(target, Sql::Owned(w.sql), w.binds, |row| {
                        let owner = Value::decode(row, width, ty)
                            .map_err(|e| Error::decode(T::META.name, "key", e))?;
                        Ok((T::from_row(row, 0)?, owner))
                    })
                    .await?;
                    let (rows, keys): (Vec<T>, Vec<Value>) = pairs.into_iter().unzip();
                    owners.extend(keys);
                    rows
                }
            };
            if out.is_empty() {
                out = rows;
            } else {
                out.extend(rows);
            }
        }
        Ok((out, owners))
    }

    /// The related rows of each parent, in parent order: see
    /// [`Include::grouped`].
    async fn related(&self, parents: &[P], target: Target<'_>) -> Result<Vec<Vec<T>>> {
        let g = self.grouped(parents, target).await?;
        Ok(distribute(g.parent_keys, &g.position, g.groups, g.unique))
    }

    /// Loads a belongs_to: each distinct target is decoded once and shared
    /// by every parent pointing at it (one `Arc` in each slot), rather
    /// than cloned per parent; a NULL or dangling key loads `None`.
    async fn load_shared(&self, parents: &mut [P], target: Target<'_>) -> Result<()> {
        let g = self.grouped(parents, target).await?;
        let targets: Vec<Option<Arc<T>>> = g
            .groups
            .into_iter()
            .map(|mut rows| (!rows.is_empty()).then(|| Arc::new(rows.swap_remove(0))))
            .collect();
        for (parent, key) in parents.iter_mut().zip(g.parent_keys) {
            let loaded = if key.is_null() {
                None
            } else {
                g.position.get(key).and_then(|at| targets[at].clone())
            };
            let slot = slot(parent, self.rel)?
                .downcast_mut::<BelongsTo<T>>()
                .ok_or_else(|| wrong_slot(self.rel))?;
            match loaded {
                Some(shared) => slot.set_shared(shared),
                None => slot.set(None),
            }
        }
        Ok(())
    }

    /// The related rows grouped by key: one statement (per key chunk) for
    /// all parents, nested includes run once on all rows, then one group
    /// per distinct key.
    async fn grouped(&self, parents: &[P], target: Target<'_>) -> Result<Grouped<T>> {
        let path = self.rel.path(P::META)?;
        let (owner_column, column) = path.ends();
        let idx = P::META.index_of(owner_column)?;
        let parent_keys = column_values(parents, idx)?;
        let ty = owner_column.sql_type;
        // Rows of a many-to-many come through the association, with the
        // owner's key selected beside them; the others carry it themselves.
        let (through, group_of) = match path {
            Path::Through(t) => (Some((t.assoc_onto_target(self.rel), t.left)), None),
            Path::Direct { .. } => (None, Some(T::META.index_of_name(column.column)?)),
        };
        let (keys, position) = distinct(&parent_keys);
        let unique = keys.len() == parent_keys.len();
        let (mut rows, owners) = if keys.is_empty() {
            (Vec::new(), Vec::new())
        } else {
            self.fetch(target, column, ty, keys, through).await?
        };
        for child in &self.children {
            child.load(&mut rows, target).await?;
        }
        // One group per distinct key, in the keys' order, each sized
        // before it is filled; a row whose key no parent holds belongs to
        // none.
        let at: Vec<Option<usize>> = match group_of {
            Some(idx) => rows
                .iter()
                .map(|row| Ok(position.get(row.column_value(idx)?)))
                .collect::<Result<_>>()?,
            None => owners.into_iter().map(|o| position.get(o)).collect(),
        };
        let groups = group_rows(rows, &at, position.len());
        Ok(Grouped {
            parent_keys,
            position,
            groups,
            unique,
        })
    }

    fn fill(&self, parent: &mut P, rows: Vec<T>, member: Option<usize>) -> Result<()> {
        fill_slot(slot(parent, self.rel)?, self.rel, P::META, rows, member)
    }
}

/// Moves each row into its group (`at`, `None` for a row no parent holds),
/// `groups` groups in all, each of its exact size.
///
/// Rows usually come grouped already (in key order, or as stored): then
/// each run is split off the end of `rows`. Otherwise each group is sized
/// first and filled row by row. Splitting runs off is the faster of the
/// two where both apply: with every group filled row by row, associations
/// on PostgreSQL measured 1.057x-1.059x of the hand-written floor against
/// 1.038x-1.046x (`ORM_BENCH_PAIRED=associations/30`, three runs each).
///
/// The decoded rows' buffer is freed whole at the end, never shrunk first
/// (nor before it comes here): a large buffer is mapped fresh by the
/// allocator, and glibc's keeps mapping each call's anew, every page
/// faulted in again, until it sees one that large freed at its full size.
/// Shrinking it first cost the associations workload 158 page faults a
/// call and 7 % of its time on PostgreSQL.
fn group_rows<T>(mut rows: Vec<T>, at: &[Option<usize>], groups: usize) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = (0..groups).map(|_| Vec::new()).collect();
    if runs_are_groups(at, groups) {
        let mut end = rows.len();
        while end > 0 {
            let group = at[end - 1];
            let start = at[..end]
                .iter()
                .rposition(|g| *g != group)
                .map_or(0, |i| i + 1);
            // `split_off(0)` would hand over the buffer and allocate
            // another as large; the first run is moved out at its size.
            let run = if start == 0 {
                let mut run = Vec::with_capacity(end);
                run.append(&mut rows);
                run
            } else {
                rows.split_off(start)
            };
            if let Some(g) = group {
                out[g] = run;
            }
            end = start;
        }
        return out;
    }
    let mut sizes = vec![0usize; groups];
    for g in at.iter().flatten() {
        sizes[*g] += 1;
    }
    for (group, size) in out.iter_mut().zip(sizes) {
        group.reserve_exact(size);
    }
    for (row, g) in rows.into_iter().zip(at) {
        if let Some(g) = g {
            out[*g].push(row);
        }
    }
    out
}

/// True when the rows of each group stand next to each other.
fn runs_are_groups(at: &[Option<usize>], groups: usize) -> bool {
    let mut seen = vec![false; groups];
    let mut previous = None;
    for &g in at {
        if g != previous {
            if let Some(g) = g {
                if seen[g] {
                    return false;
                }
                seen[g] = true;
            }
            previous = g;
        }
    }
    true
}

/// The related rows of an include, one group per distinct parent key.
struct Grouped<T> {
    /// Each parent's key, in parent order.
    parent_keys: Vec<Value>,
    /// The group of each distinct key.
    position: KeyPositions,
    groups: Vec<Vec<T>>,
    /// No two parents share a key.
    unique: bool,
}

/// The position among `T`'s relationships of the to-one slot that pairs
/// with `rel` (its `back_populates`), when `rel` is a has_many or has_one
/// whose inverse is a belongs_to field of `T`.
fn inverse_slot<P: Model, T: Model>(rel: &'static RelationMeta) -> Option<usize> {
    if !matches!(rel.kind, RelationKind::HasMany | RelationKind::HasOne) {
        return None;
    }
    let back = rel.back_populates?;
    T::META.relations.iter().position(|r| {
        r.name == back
            && r.kind == RelationKind::BelongsTo
            && r.ops.is_some()
            && (r.target)().is(P::META)
    })
}

/// Gives each of `rows` its parent in the inverse slot (SQLAlchemy's
/// back-population): one copy of the parent's columns, its own
/// relationships unloaded, shared by all of them. No statement.
fn back_populate<P: Model, T: Model>(parent: &P, rows: &mut [T], index: usize) {
    if rows.is_empty() {
        return;
    }
    let Some(copy) = parent.__detached() else {
        return;
    };
    let shared = Arc::new(copy);
    for row in rows.iter_mut() {
        if let Some(slot) = row
            .relation_slot(index)
            .and_then(|s| s.downcast_mut::<BelongsTo<P>>())
        {
            slot.set_shared(Arc::clone(&shared));
        }
    }
}

/// Hands each parent the rows of its key (`groups`, one per distinct key
/// at its `position`): moved to the last parent with that key, cloned for
/// the others (several posts sharing one author).
fn distribute<T: Clone>(
    keys: Vec<Value>,
    position: &KeyPositions,
    groups: Vec<Vec<T>>,
    unique: bool,
) -> Vec<Vec<T>> {
    if unique {
        // Each parent has its own key (the usual has_many/many-to-many
        // case): the groups are in parent order, nothing is cloned.
        return groups;
    }
    let at: Vec<Option<usize>> = keys
        .into_iter()
        .map(|k| if k.is_null() { None } else { position.get(k) })
        .collect();
    let mut last = vec![usize::MAX; groups.len()];
    for (parent, group) in at.iter().enumerate() {
        if let Some(g) = group {
            last[*g] = parent;
        }
    }
    let mut groups: Vec<Option<Vec<T>>> = groups.into_iter().map(Some).collect();
    at.iter()
        .enumerate()
        .map(|(parent, group)| match group {
            None => Vec::new(),
            Some(g) if last[*g] == parent => groups[*g].take().unwrap_or_default(),
            Some(g) => groups[*g].clone().unwrap_or_default(),
        })
        .collect()
}

impl<P: Model, T: Model + Clone> Load<P> for Include<P, T> {
    fn load<'a>(&'a self, parents: &'a mut [P], target: Target<'a>) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            if parents.is_empty() {
                return Ok(());
            }
            if self.rel.kind == RelationKind::BelongsTo {
                return self.load_shared(parents, target).await;
            }
            let related = self.related(parents, target).await?;
            let inverse = inverse_slot::<P, T>(self.rel);
            let member = if self.rel.is_collection() {
                Some(self.rel.member_key(P::META, T::META)?)
            } else {
                None
            };
            for (parent, mut rows) in parents.iter_mut().zip(related) {
                if let Some(index) = inverse {
                    back_populate(parent, &mut rows, index);
                }
                self.fill(parent, rows, member)?;
            }
            Ok(())
        })
    }
}

impl<P: Model, T: Model + Clone> Include<P, T> {
    /// Each parent with its related rows, for relationships without a slot
    /// on the parent (a backref side): see `Select::with`.
    pub(crate) async fn pairs(
        &self,
        parents: Vec<P>,
        target: Target<'_>,
    ) -> Result<Vec<(P, Vec<T>)>> {
        let related = if parents.is_empty() {
            Vec::new()
        } else {
            self.related(&parents, target).await?
        };
        Ok(parents.into_iter().zip(related).collect())
    }
}

/// The loader of [`Select::include_joined`].
pub struct Joined<P, T> {
    rel: &'static RelationMeta,
    _marker: PhantomData<fn() -> (P, T)>,
}

impl<P: Model, T: Model> Joined<P, T> {
    pub(crate) fn new(rel: &'static RelationMeta) -> Self {
        Joined {
            rel,
            _marker: PhantomData,
        }
    }
}

impl<P: Model, T: Model> JoinedLoad<P> for Joined<P, T> {
    fn step(&self) -> Result<JoinStep> {
        if self.rel.is_collection() {
            return Err(Error::Config(format!(
                "`{}.{}` is a collection: include_joined loads to-one relationships; use include",
                self.rel.owner, self.rel.name
            )));
        }
        let mut steps = self.rel.join_path(P::META)?;
        Ok(steps.remove(0))
    }

    fn meta(&self) -> &'static ModelMeta {
        T::META
    }

    fn fill(&self, parent: &mut P, row: crate::value::RowRef<'_>, offset: usize) -> Result<()> {
        let value = <Option<T> as WithRow>::from_row(row, offset)?;
        fill_slot(
            slot(parent, self.rel)?,
            self.rel,
            P::META,
            value.into_iter().collect(),
            None,
        )
    }
}

/// The loader of a relationship declared `lazy = "selectin"` or
/// `lazy = "joined"`, applied to every query of its model.
pub enum DefaultLoad<P> {
    /// Loaded with one query per relationship.
    Selectin(Arc<dyn Load<P>>),
    /// Loaded in the root statement.
    Joined(Arc<dyn JoinedLoad<P>>),
}

impl<P: Model> DefaultLoad<P> {
    /// A relationship loaded with one query per level.
    pub fn selectin<T: Model + Clone>(rel: &'static RelationMeta) -> Self {
        DefaultLoad::Selectin(Arc::new(Include::<P, T>::new(rel)))
    }

    /// A to-one relationship loaded by `LEFT JOIN`.
    pub fn joined<T: Model>(rel: &'static RelationMeta) -> Self {
        DefaultLoad::Joined(Arc::new(Joined::<P, T>::new(rel)))
    }
}

/// The query methods that bring loaders of this module.
impl<M: Model> Select<M> {
    /// Each row together with the rows of `relation`, as pairs: for
    /// relationships that have no field on the model, such as a backref
    /// side. `Tag::query().with(Tag::POSTS).all(&db)` is
    /// `Vec<(Tag, Vec<Post>)>`, in two statements.
    pub fn with<T: Model + Clone>(self, relation: impl Into<Include<M, T>>) -> SelectWith<M, T> {
        SelectWith {
            select: self,
            include: relation.into(),
        }
    }

    /// Loads a to-one relationship (belongs_to, has_one) in the same
    /// statement by `LEFT JOIN`; limit and offset still count parents.
    #[must_use]
    pub fn include_joined<T: Model>(self, relation: Relation<M, T>) -> Self {
        self.joined_load(Arc::new(Joined::<M, T>::new(relation.meta())))
    }
}

/// A query returning each row with the rows of one relationship, for
/// relationships without a field on the model (a backref side):
/// `Tag::query().with(Tag::POSTS).all(&db)` is `Vec<(Tag, Vec<Post>)>`.
/// Built by `Select::with`; a to-one relationship gives zero or one row.
pub struct SelectWith<M, T> {
    pub(crate) select: Select<M>,
    pub(crate) include: Include<M, T>,
}

impl<M: Model, T: Model + Clone> SelectWith<M, T> {
    /// Every matching row with its related rows: two statements.
    pub async fn all(self, exec: &(impl Executor + ?Sized)) -> Result<Vec<(M, Vec<T>)>> {
        let rows = self.select.all(exec).await?;
        self.include.pairs(rows, exec.target()).await
    }
}

#[cfg(test)]
mod tests {
    use super::group_rows;

    /// Grouping by the plain method: each row pushed onto its group.
    fn plain(rows: &[u32], at: &[Option<usize>], groups: usize) -> Vec<Vec<u32>> {
        let mut out = vec![Vec::new(); groups];
        for (row, g) in rows.iter().zip(at) {
            if let Some(g) = g {
                out[*g].push(*row);
            }
        }
        out
    }

    #[test]
    fn rows_land_in_their_groups_in_order_either_way() {
        let cases: Vec<(Vec<Option<usize>>, usize)> = vec![
            (vec![], 2),
            (vec![Some(0), Some(0), Some(1), Some(1), Some(1)], 3),
            (vec![Some(2), Some(2), Some(0), None, None, Some(1)], 3),
            (vec![None, Some(1), Some(1), None], 2),
            (vec![Some(0), Some(1), Some(0)], 2),
            (vec![Some(1), None, Some(1), Some(0), Some(2), Some(0)], 3),
            ((0..1000).map(|i| Some(i / 7)).collect(), 143),
            ((0..1000).map(|i| Some(i % 7)).collect(), 7),
        ];
        for (at, groups) in cases {
            let rows: Vec<u32> = (0..at.len() as u32).collect();
            let grouped = group_rows(rows.clone(), &at, groups);
            assert_eq!(grouped, plain(&rows, &at, groups), "{at:?}");
            for group in &grouped {
                assert_eq!(group.capacity(), group.len());
            }
        }
    }
}
