//! The query builder: `User::query().filter(..).order_by(..).limit(..)`
//! and its terminals (`all`, `first`, `one`, `optional`, `count`, `exists`,
//! `stream`, `update`, `delete`).
//!
//! A query with no clauses runs the model's cached `SELECT` text as is;
//! otherwise the clauses are rendered after it.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use futures_core::stream::BoxStream;

use crate::backend::Executor;
use crate::backend::{self, Sql};
use crate::error::{Error, Result};
use crate::expr::{Assignment, ColumnRef, Expr, OrderBy};
use crate::model::{JoinStep, Relation, RelationMeta};

use super::load::{IntoLoad, JoinedLoad, Load};
use crate::model::{Model, ModelMeta};
use crate::sql::ast::{self, Item, JoinKind, Source, Where};
use crate::sql::{self, Dialect, Rendered};
use crate::value::ColumnType;

/// The tables a statement has so far, and the names its joins go by: a
/// table joined again (a second relationship to it, or a relationship of a
/// table to itself) is named after its relationship.
struct Names {
    tables: Vec<&'static ModelMeta>,
    names: Vec<&'static str>,
}

impl Names {
    fn new(root: &'static ModelMeta) -> Self {
        Names {
            tables: vec![root],
            names: Vec::new(),
        }
    }

    /// The name `step` goes by (`None`: its table's own).
    fn name(&mut self, step: &JoinStep) -> Result<Option<&'static str>> {
        let seen = self.tables.iter().any(|m| m.is(step.table));
        self.tables.push(step.table);
        if !seen {
            return Ok(None);
        }
        let origin = step.origin;
        if origin.kind == crate::model::RelationKind::ManyToMany {
            return Err(Error::Config(format!(
                "`{}` is already part of this query: joining it again through the many-to-many `{}.{}` is not supported; filter with `{}::{}.any(..)` instead",
                step.table.name,
                origin.owner,
                origin.name,
                origin.owner,
                origin.name.to_uppercase()
            )));
        }
        if self.names.contains(&origin.name) {
            return Err(Error::Config(format!(
                "two joins of this query would both be named `{}` (`{}.{}`): join one of them once",
                origin.name, origin.owner, origin.name
            )));
        }
        self.names.push(origin.name);
        Ok(Some(origin.name))
    }
}

/// A query over the rows of model `M`.
pub struct Select<M> {
    includes: Vec<Arc<dyn Load<M>>>,
    default_includes: Vec<Arc<dyn Load<M>>>,
    joined: Vec<Arc<dyn JoinedLoad<M>>>,
    joins: Vec<Join>,
    filter: Option<Expr>,
    order: Vec<OrderBy>,
    limit: Option<u64>,
    offset: Option<u64>,
    _model: PhantomData<fn() -> M>,
}

impl<M> Clone for Select<M> {
    fn clone(&self) -> Self {
        Select {
            includes: self.includes.clone(),
            default_includes: self.default_includes.clone(),
            joined: self.joined.clone(),
            joins: self.joins.clone(),
            filter: self.filter.clone(),
            order: self.order.clone(),
            limit: self.limit,
            offset: self.offset,
            _model: PhantomData,
        }
    }
}

impl<M: Model> fmt::Debug for Select<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Select")
            .field("model", &M::META.name)
            .field("filter", &self.filter)
            .field("order", &self.order)
            .field("limit", &self.limit)
            .field("offset", &self.offset)
            .finish()
    }
}

impl<M: Model> Default for Select<M> {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Debug, Clone, Copy)]
struct Join {
    left: bool,
    step: JoinStep,
}

#[derive(Clone, Copy)]
enum Head {
    Rows,
    Count,
    Exists,
    /// The rows paired with a joined model's columns (`all_with`): a
    /// to-many join multiplies the roots instead of narrowing them.
    Pairs(&'static ModelMeta),
}

impl<M> Select<M> {
    /// A query over every row, of any `M`: what `new` makes, for the
    /// relationship accessors the derive emits.
    pub(crate) fn every_row() -> Self {
        Select {
            includes: Vec::new(),
            default_includes: Vec::new(),
            joined: Vec::new(),
            joins: Vec::new(),
            filter: None,
            order: Vec::new(),
            limit: None,
            offset: None,
            _model: PhantomData,
        }
    }
}

impl<M: Model> Select<M> {
    /// A query over every row. Same as [`ModelExt::query`](crate::ModelExt::query).
    pub fn new() -> Self {
        Select::every_row()
    }

    /// Adds the loader of a relationship declared `lazy = "selectin"`.
    pub(crate) fn default_include(mut self, load: Arc<dyn Load<M>>) -> Self {
        self.default_includes.push(load);
        self
    }

    /// Adds a loader reading a to-one relationship in the same statement
    /// (`include_joined`, `lazy = "joined"`).
    pub(crate) fn joined_load(mut self, load: Arc<dyn JoinedLoad<M>>) -> Self {
        self.joined.push(load);
        self
    }

    /// Loads a relationship of the rows with one more statement (per
    /// relationship level): `.include(User::POSTS)`, nested and filtered
    /// with [`Include`](crate::Include):
    /// `.include(User::POSTS.filter(..).include(Post::COMMENTS))`.
    ///
    /// Every parent's slot ends up loaded: an empty collection or `None`
    /// when it has no related row.
    #[must_use]
    pub fn include(mut self, relation: impl IntoLoad<M>) -> Self {
        self.includes.push(relation.into_load());
        self
    }

    /// Keeps the rows where `condition` holds; several filters all apply.
    #[must_use]
    pub fn filter(mut self, condition: Expr) -> Self {
        self.add_filter(condition);
        self
    }

    fn add_filter(&mut self, condition: Expr) {
        self.filter = Some(match self.filter.take() {
            Some(existing) => existing.and(condition),
            None => condition,
        });
    }

    /// Adds a sort term: `User::ID.desc()`, or a column for ascending order.
    #[must_use]
    pub fn order_by(mut self, term: impl Into<OrderBy>) -> Self {
        self.order.push(term.into());
        self
    }

    /// Returns at most `n` rows.
    #[must_use]
    pub fn limit(mut self, n: u64) -> Self {
        self.limit = Some(n);
        self
    }

    /// Skips the first `n` rows.
    #[must_use]
    pub fn offset(mut self, n: u64) -> Self {
        self.offset = Some(n);
        self
    }

    /// The query's `limit`, if any.
    pub(crate) fn current_limit(&self) -> Option<u64> {
        self.limit
    }

    /// True when the query has a `limit` or an `offset`.
    pub(crate) fn has_paging(&self) -> bool {
        self.limit.is_some() || self.offset.is_some()
    }

    /// True when the query has an `order_by`.
    pub(crate) fn is_ordered(&self) -> bool {
        !self.order.is_empty()
    }

    /// Whether relationship defaults (`lazy = "selectin"`/`"joined"`)
    /// apply to this query.
    pub(crate) fn has_defaults(&self) -> bool {
        !self.default_includes.is_empty() || !self.joined.is_empty()
    }

    fn is_plain(&self) -> bool {
        self.joins.is_empty()
            && self.joined.is_empty()
            && self.filter.is_none()
            && self.order.is_empty()
            && self.limit.is_none()
            && self.offset.is_none()
    }

    /// Joins a relationship's target (`INNER JOIN ... ON` the relationship's
    /// columns; through the association table for a many-to-many), so that
    /// filters and ordering can use its columns.
    ///
    /// Joining a to-many relationship still returns each root row once:
    /// the join then narrows the roots through `WHERE <key> IN (SELECT ...)`
    /// rather than multiplying them. Order such queries by root columns.
    #[must_use]
    pub fn join<P: Model, T: Model>(mut self, relation: Relation<P, T>) -> Self {
        self.add_relation_join(relation.meta(), P::META, false);
        self
    }

    /// Like [`Select::join`] with `LEFT JOIN`: roots without a related row
    /// are kept, with the joined columns NULL (for filters such as
    /// `Post::ID.is_null()`).
    #[must_use]
    pub fn left_join<P: Model, T: Model>(mut self, relation: Relation<P, T>) -> Self {
        self.add_relation_join(relation.meta(), P::META, true);
        self
    }

    fn add_relation_join(
        &mut self,
        rel: &'static RelationMeta,
        owner: &'static ModelMeta,
        left: bool,
    ) {
        match rel.join_path(owner) {
            Ok(steps) => self
                .joins
                .extend(steps.into_iter().map(|step| Join { left, step })),
            // The query cannot run: it fails with this error when it does.
            Err(e) => self.add_filter(Expr::Invalid(e.into())),
        }
    }

    /// Joins one step whose rows do not multiply the roots (the association
    /// table of a many-to-many accessor, filtered to one owner).
    pub(crate) fn join_step(mut self, mut step: JoinStep) -> Self {
        step.to_many = false;
        self.joins.push(Join { left: false, step });
        self
    }

    /// The statement of this query with `head` as its select list.
    fn statement(&self, head: Head, extra: &[&Expr]) -> Result<ast::Select<'_>> {
        let mut items = Vec::with_capacity(2);
        let mut joins = Vec::new();
        let paged = self.limit.is_some() || self.offset.is_some();
        // A table the query already has goes by its relationship's name.
        let mut names = Names::new(M::META);
        match head {
            Head::Rows => {
                items.push(Item::Model(M::META));
                for j in &self.joined {
                    let mut step = j.step()?;
                    step.alias = names.name(&step)?;
                    items.push(match step.alias {
                        Some(alias) => Item::ModelAs(j.meta(), alias),
                        None => Item::Model(j.meta()),
                    });
                    joins.push(ast::Join {
                        kind: JoinKind::Left,
                        step,
                    });
                }
            }
            // With limit or offset, count the rows the query returns: the
            // paged query becomes a subquery.
            Head::Count if paged => items.push(Item::OneAs("one")),
            Head::Count => items.push(Item::CountAll),
            Head::Exists => items.push(Item::One),
            // The joined model's columns follow, once the joins are named.
            Head::Pairs(_) => items.push(Item::Model(M::META)),
        }
        let mut own = Vec::with_capacity(self.joins.len());
        for j in &self.joins {
            let mut step = j.step;
            step.alias = names.name(&step)?;
            own.push(ast::Join {
                kind: if j.left {
                    JoinKind::Left
                } else {
                    JoinKind::Inner
                },
                step,
            });
        }
        if let Head::Pairs(joined) = head {
            let alias = own
                .iter()
                .find(|j| j.step.table.is(joined))
                .and_then(|j| j.step.alias);
            items.push(match alias {
                Some(alias) => Item::ModelAs(joined, alias),
                None => Item::Model(joined),
            });
        }
        self.check_columns(head, &own, extra)?;
        let own_joins = own.into_iter();
        let filter = self.filter.as_ref().map(Where::expr);
        let narrow = !matches!(head, Head::Pairs(_)) && self.joins.iter().any(|j| j.step.to_many);
        let filter = if narrow {
            // Narrow the roots instead of multiplying them.
            Some(Where::KeyIn {
                table: M::META,
                subquery: Box::new(ast::Select {
                    joins: own_joins.collect(),
                    filter,
                    ..ast::Select::from(M::META, vec![Item::Key(M::META)])
                }),
            })
        } else {
            joins.extend(own_joins);
            filter
        };
        let statement = ast::Select {
            joins,
            filter,
            order: match head {
                Head::Rows | Head::Pairs(_) => Cow::Borrowed(&self.order),
                Head::Count | Head::Exists => Cow::Borrowed(&[]),
            },
            limit: match head {
                // A row at `offset`, unless the query returns none at all.
                Head::Exists => Some(self.limit.map_or(1, |l| l.min(1))),
                _ => self.limit,
            },
            offset: self.offset,
            ..ast::Select::from(M::META, items)
        };
        Ok(match head {
            Head::Count if paged => ast::Select::from(M::META, vec![Item::CountAll])
                .reading(Source::Select(Box::new(statement), "paged")),
            _ => statement,
        })
    }

    /// Refuses a column of a table the statement does not have (a model
    /// not joined, a relationship's join not made): the database would
    /// answer in its own words, differently on each backend.
    fn check_columns(&self, head: Head, joins: &[ast::Join], extra: &[&Expr]) -> Result<()> {
        let joined_loads: Vec<&'static ModelMeta> = match head {
            Head::Rows => self.joined.iter().map(|j| j.meta()).collect(),
            _ => Vec::new(),
        };
        let has = |c: &ColumnRef| {
            c.table.is(M::META)
                || joins.iter().any(|j| j.step.table.is(c.table))
                || joined_loads.iter().any(|m| m.is(c.table))
        };
        let mut missing: Option<ColumnRef> = None;
        let mut check = |c: &ColumnRef| {
            let named_join_missing = c
                .alias
                .is_some_and(|a| !joins.iter().any(|j| j.step.origin.name == a));
            if missing.is_none() && (!has(c) || named_join_missing) {
                missing = Some(*c);
            }
        };
        if let Some(f) = &self.filter {
            f.visit_columns(&mut check);
        }
        for o in &self.order {
            o.expr.visit_columns(&mut check);
        }
        for e in extra {
            e.visit_columns(&mut check);
        }
        match missing {
            None => Ok(()),
            Some(c) => Err(Error::Config(match c.alias {
                Some(alias) => format!(
                    "a query of `{}` reads `{}.{}` through the join `{alias}`, which it does not make: add `.join(..)` of that relationship",
                    M::META.name,
                    c.table.name,
                    c.column
                ),
                None => format!(
                    "a query of `{}` reads `{}.{}`, but `{}` is not part of it: join it with `.join(..)` of a relationship to `{}`",
                    M::META.name,
                    c.table.name,
                    c.column,
                    c.table.name,
                    c.table.name
                ),
            })),
        }
    }

    /// The statement of a projection: this query's joins, filter, order
    /// and paging, selecting `exprs` grouped by `group_by`.
    pub(crate) fn projected<'a>(
        &'a self,
        exprs: &'a [Expr],
        group_by: &'a [Expr],
        having: Option<&'a Expr>,
    ) -> Result<ast::Select<'a>> {
        if !self.includes.is_empty() || !self.joined.is_empty() {
            return Err(Error::Config(format!(
                "select(..) of `{}` reads values, not models: include and include_joined do not apply",
                M::META.name
            )));
        }
        if exprs.is_empty() {
            return Err(Error::Config(format!(
                "select(..) of `{}` names nothing to select",
                M::META.name
            )));
        }
        let mut extra: Vec<&Expr> = exprs.iter().chain(group_by).collect();
        extra.extend(having);
        let mut statement = self.statement(Head::Rows, &extra)?;
        statement.items.clear();
        statement.projection = exprs;
        statement.group_by = group_by;
        statement.having = having;
        Ok(statement)
    }

    fn render(&self, dialect: Dialect, head: Head) -> Result<Rendered> {
        Ok(sql::select(dialect, &self.statement(head, &[])?)?)
    }

    /// The SQL this query runs in `dialect`, with its bind values.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model)] #[model(table = "users")]
    /// # pub struct User { #[model(primary_key)] id: i64, email: String }
    /// let (sql, binds) = User::query()
    ///     .filter(User::EMAIL.eq("a@b.c"))
    ///     .limit(1)
    ///     .to_sql(orm::Dialect::Postgres)?;
    /// assert_eq!(
    ///     sql,
    ///     r#"SELECT "users"."id", "users"."email" FROM "users" WHERE "users"."email" = $1 LIMIT $2"#
    /// );
    /// assert_eq!(binds.len(), 2);
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn to_sql(&self, dialect: Dialect) -> Result<(String, Vec<crate::Value>)> {
        let r = self.render(dialect, Head::Rows)?;
        Ok((r.sql, r.binds))
    }

    /// The SQL of [`Select::count`] in `dialect`, with its bind values.
    pub fn count_sql(&self, dialect: Dialect) -> Result<(String, Vec<crate::Value>)> {
        let r = self.render(dialect, Head::Count)?;
        Ok((r.sql, r.binds))
    }

    fn sql(&self, dialect: Dialect) -> Result<(Sql, Vec<crate::Value>)> {
        if self.is_plain() {
            Ok((
                Sql::Static(&crate::sql::statements::<M>(dialect).select_all),
                Vec::new(),
            ))
        } else {
            let r = self.render(dialect, Head::Rows)?;
            Ok((Sql::Owned(r.sql), r.binds))
        }
    }

    /// Every matching row.
    pub async fn all(self, exec: &(impl Executor + ?Sized)) -> Result<Vec<M>> {
        self.all_plain(exec.target()).await
    }

    /// [`Select::all`] on a target.
    pub(crate) async fn all_plain(self, target: backend::Target<'_>) -> Result<Vec<M>> {
        let (sql, binds) = self.sql(target.dialect())?;
        let joined = &self.joined;
        let width = M::META.columns.len();
        let mut rows = backend::fetch_all(target, sql, binds, |row| {
            let mut model = M::from_row(row, 0)?;
            let mut offset = width;
            for j in joined {
                j.fill(&mut model, row, offset)?;
                offset += j.meta().columns.len();
            }
            Ok(model)
        })
        .await?;
        for include in self.default_includes.iter().chain(&self.includes) {
            include.load(&mut rows, target).await?;
        }
        Ok(rows)
    }

    /// The statement of an include: the rows whose `by_key` holds, through
    /// the association join `through` (selecting its owner column too),
    /// with this query's filter and order.
    pub(crate) fn render_load(
        &self,
        dialect: Dialect,
        by_key: Expr,
        through: Option<(JoinStep, ColumnRef)>,
        default_order: Option<OrderBy>,
    ) -> Result<Rendered> {
        let mut items = vec![Item::Model(M::META)];
        let mut joins = Vec::new();
        if let Some((step, owner)) = through {
            items.push(Item::Column(owner));
            joins.push(ast::Join {
                kind: JoinKind::Inner,
                step,
            });
        }
        let mut condition = vec![Cow::Owned(by_key)];
        condition.extend(self.filter.as_ref().map(Cow::Borrowed));
        let order = match default_order {
            Some(order) if self.order.is_empty() => Cow::Owned(vec![order]),
            _ => Cow::Borrowed(self.order.as_slice()),
        };
        let statement = ast::Select {
            joins,
            filter: Some(Where::All(condition)),
            order,
            ..ast::Select::from(M::META, items)
        };
        Ok(sql::select(dialect, &statement)?)
    }

    /// Every matching row paired with the row of `T` it is joined to, read
    /// in one statement (SQLAlchemy's `session.query(Player, Team).join(..)`).
    ///
    /// `T` must be joined with [`Select::join`] or [`Select::left_join`].
    /// For a `left_join`, ask for `Option<T>`: roots without a related row
    /// come back paired with `None`. Through a to-many relationship a root
    /// appears once per related row, as in SQL.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug)] #[model(table = "users")]
    /// # pub struct User { #[model(primary_key)] id: i64, hair_color: Option<String>,
    /// #     #[has_many(Post, back_populates = "user")] posts: HasMany<Post> }
    /// # #[derive(Model, Debug)] #[model(table = "posts")]
    /// # pub struct Post { #[model(primary_key)] id: i64, user_id: i64, title: String,
    /// #     #[belongs_to(User, back_populates = "posts")] user: BelongsTo<User> }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # let db = Db::connect("sqlite::memory:").await?;
    /// # db.create_all(&orm::models![User, Post]).await?;
    /// let rows: Vec<(User, Option<Post>)> = User::query()
    ///     .left_join(User::POSTS)
    ///     .filter(User::HAIR_COLOR.eq("black"))
    ///     .all_with::<Option<Post>>(&db)
    ///     .await?;
    /// # assert!(rows.is_empty());
    /// # Ok(()) }
    /// ```
    pub async fn all_with<T: WithRow>(
        self,
        exec: &(impl Executor + ?Sized),
    ) -> Result<Vec<(M, T)>> {
        let target = T::Model::META;
        let joined = self.joins.iter().find(|j| j.step.table.is(target));
        match joined {
            Some(j) if !j.left || T::OPTIONAL => {}
            Some(_) => {
                return Err(Error::Config(format!(
                    "`{}` is left-joined, so it may be missing: ask for all_with::<Option<{}>>()",
                    target.name, target.name
                )));
            }
            None => {
                return Err(Error::Config(format!(
                    "all_with::<{}>() needs `{}` joined with .join(..) or .left_join(..)",
                    target.name, target.name
                )));
            }
        }
        let r = self.render(exec.dialect(), Head::Pairs(T::Model::META))?;
        let width = M::META.columns.len();
        backend::fetch_all(exec.target(), Sql::Owned(r.sql), r.binds, |row| {
            Ok((M::from_row(row, 0)?, T::from_row(row, width)?))
        })
        .await
    }

    /// The first matching row, if any (SQLAlchemy's `first()`).
    pub async fn first(self, exec: &(impl Executor + ?Sized)) -> Result<Option<M>> {
        Ok(self.limit(1).all(exec).await?.pop())
    }

    /// The one matching row: [`Error::NotFound`] when there is none,
    /// [`Error::MultipleRows`] when there are several.
    pub async fn one(self, exec: &(impl Executor + ?Sized)) -> Result<M> {
        self.optional(exec).await?.ok_or(Error::NotFound {
            model: M::META.name,
        })
    }

    /// The matching row if there is one; [`Error::MultipleRows`] when there
    /// are several (SQLAlchemy's `one_or_none()`).
    pub async fn optional(self, exec: &(impl Executor + ?Sized)) -> Result<Option<M>> {
        let mut rows = self.limit(2).all(exec).await?;
        if rows.len() > 1 {
            return Err(Error::MultipleRows {
                model: M::META.name,
            });
        }
        Ok(rows.pop())
    }

    /// The number of rows the query returns: with `limit` or `offset`,
    /// the rows of that page (`limit(2)` counts at most 2).
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model)] #[model(table = "users")]
    /// # pub struct User { #[model(primary_key)] id: i64 }
    /// let (sql, _) = User::query().limit(10).offset(20).count_sql(orm::Dialect::Postgres)?;
    /// assert_eq!(
    ///     sql,
    ///     r#"SELECT COUNT(*) FROM (SELECT 1 AS "one" FROM "users" LIMIT $1 OFFSET $2) AS "paged""#
    /// );
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub async fn count(self, exec: &(impl Executor + ?Sized)) -> Result<i64> {
        let r = self.render(exec.dialect(), Head::Count)?;
        let mut rows = backend::fetch_all(exec.target(), Sql::Owned(r.sql), r.binds, |row| {
            i64::decode(row, 0).map_err(Error::from)
        })
        .await?;
        Ok(rows.pop().unwrap_or_default())
    }

    /// True when the query returns at least one row (with `offset`, a row
    /// past the skipped ones; with `limit(0)`, never).
    pub async fn exists(self, exec: &(impl Executor + ?Sized)) -> Result<bool> {
        let r = self.render(exec.dialect(), Head::Exists)?;
        let rows =
            backend::fetch_all(exec.target(), Sql::Owned(r.sql), r.binds, |_| Ok(())).await?;
        Ok(!rows.is_empty())
    }

    /// The matching rows as a stream, decoded one at a time as they arrive:
    /// memory stays flat whatever the row count.
    ///
    /// On a transaction the connection is held until the stream is dropped.
    pub fn stream<'a, E: Executor + ?Sized>(self, exec: &'a E) -> BoxStream<'a, Result<M>> {
        // Joined relationships come with each row; `lazy = "selectin"`
        // defaults are not applied to a stream.
        if !self.includes.is_empty() {
            let e = Error::Config(format!(
                "stream yields `{}` rows one at a time and cannot run include's extra queries; use all() with include, include_joined, or orm::load per batch",
                M::META.name
            ));
            return Box::pin(futures_util::stream::once(async move { Err(e) }));
        }
        let joined = self.joined.clone();
        let width = M::META.columns.len();
        match self.sql(exec.dialect()) {
            Ok((sql, binds)) => backend::stream(exec.target(), sql, binds, move |row| {
                let mut model = M::from_row(row, 0)?;
                let mut offset = width;
                for j in &joined {
                    j.fill(&mut model, row, offset)?;
                    offset += j.meta().columns.len();
                }
                Ok(model)
            }),
            Err(e) => Box::pin(futures_util::stream::once(async move { Err(e) })),
        }
    }

    /// [`stream`](Select::stream), owning its handle: the stream borrows
    /// nothing, so it can be returned from a function, moved into a task or
    /// sent as a response body (`stream_owned(db.clone())`). Rows are
    /// decoded one at a time as they arrive, as with `stream`.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # use futures_util::StreamExt;
    /// # #[derive(Model, Debug)]
    /// # pub struct Post { #[model(primary_key)] id: i64 }
    /// fn all_posts(db: &Db) -> impl futures_util::Stream<Item = orm::Result<Post>> + Send + 'static {
    ///     Post::query().stream_owned(db.clone())
    /// }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # let db = Db::connect("sqlite::memory:").await?;
    /// # db.create_all(&orm::models![Post]).await?;
    /// # db.insert(Post { id: 0 }).await?;
    /// let mut posts = all_posts(&db);
    /// drop(db);
    /// assert!(posts.next().await.is_some());
    /// # Ok(()) }
    /// ```
    pub fn stream_owned<E>(self, exec: E) -> BoxStream<'static, Result<M>>
    where
        E: Executor + 'static,
        M: 'static,
    {
        Box::pin(async_stream::try_stream! {
            let exec = exec;
            let mut rows = self.stream(&exec);
            while let Some(row) = futures_util::StreamExt::next(&mut rows).await {
                yield row?;
            }
        })
    }

    fn reject_paging(&self, what: &str) -> Result<()> {
        if !self.joins.is_empty() {
            return Err(Error::Config(format!(
                "a filtered {what} of `{}` cannot join; filter with a relationship's any(..)/has(..) instead",
                M::META.name
            )));
        }
        if self.limit.is_some() || self.offset.is_some() || !self.order.is_empty() {
            return Err(Error::Config(format!(
                "a filtered {what} of `{}` cannot take order_by, limit or offset",
                M::META.name
            )));
        }
        Ok(())
    }

    /// Sets columns on every matching row; returns how many rows matched.
    /// The values are checked as [`Executor::update`] checks a model's
    /// (`max_length`, `validate` functions): a rejected one is
    /// [`Error::Validation`] and nothing is written. A `#[model(version)]`
    /// column is not bumped by a filtered update (as in SQLAlchemy's bulk
    /// updates).
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model)]
    /// # pub struct User { #[model(primary_key)] id: i64, nickname: Option<String> }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # let db = Db::connect("sqlite::memory:").await?;
    /// # db.create_all(&orm::models![User]).await?;
    /// # db.insert(User { id: 0, nickname: None }).await?;
    /// let changed = User::query()
    ///     .filter(User::NICKNAME.is_null())
    ///     .update(&db, [User::NICKNAME.set("anonymous")])
    ///     .await?;
    /// assert_eq!(changed, 1);
    /// # Ok(()) }
    /// ```
    pub async fn update(
        self,
        exec: &(impl Executor + ?Sized),
        set: impl IntoIterator<Item = Assignment>,
    ) -> Result<u64> {
        self.reject_paging("update")?;
        let set: Vec<Assignment> = set.into_iter().collect();
        if set.is_empty() {
            return Ok(0);
        }
        if let Some(foreign) = set.iter().find(|a| !a.table.is(M::META)) {
            return Err(Error::Config(format!(
                "cannot set `{}.{}` in an update of `{}`",
                foreign.table.name,
                foreign.column,
                M::META.name
            )));
        }
        // The checks of `update(&model)` apply to the values set here.
        for a in &set {
            if let Some(index) = M::META.columns.iter().position(|c| c.name == a.column) {
                M::validate_column(index, &a.value)?;
            }
        }
        let r = sql::update(
            exec.dialect(),
            ast::Update {
                table: M::META,
                set: set.into_iter().map(|a| (a.column, a.value)).collect(),
                filter: self.filter.as_ref().map(Where::expr),
            },
        )?;
        let done = backend::execute(exec.target(), Sql::Owned(r.sql), r.binds).await?;
        Ok(done.rows_affected)
    }

    /// Deletes every matching row; returns how many were deleted.
    pub async fn delete(self, exec: &(impl Executor + ?Sized)) -> Result<u64> {
        self.reject_paging("delete")?;
        let r = sql::delete(
            exec.dialect(),
            &ast::Delete {
                table: M::META,
                filter: self.filter.as_ref().map(Where::expr),
            },
        )?;
        let done = backend::execute(exec.target(), Sql::Owned(r.sql), r.binds).await?;
        Ok(done.rows_affected)
    }
}

/// What [`Select::all_with`] pairs each row with: a joined model `T`, or
/// `Option<T>` for a left-joined one.
pub trait WithRow: Sized {
    /// The joined model.
    type Model: Model;
    /// Whether a missing row is allowed (`Option<T>`).
    const OPTIONAL: bool;
    /// Decodes the joined columns starting at `offset`.
    fn from_row(row: crate::value::RowRef<'_>, offset: usize) -> Result<Self>;
}

impl<T: Model> WithRow for T {
    type Model = T;
    const OPTIONAL: bool = false;
    fn from_row(row: crate::value::RowRef<'_>, offset: usize) -> Result<Self> {
        T::from_row(row, offset)
    }
}

impl<T: Model> WithRow for Option<T> {
    type Model = T;
    const OPTIONAL: bool = true;
    fn from_row(row: crate::value::RowRef<'_>, offset: usize) -> Result<Self> {
        // A LEFT JOIN that found nothing leaves every column NULL; the
        // first key column tells.
        let key = T::META
            .columns
            .iter()
            .position(|c| c.primary_key)
            .unwrap_or(0);
        let absent = row
            .is_null(offset + key)
            .map_err(|e| Error::decode(T::META.name, "key", e))?;
        if absent {
            Ok(None)
        } else {
            T::from_row(row, offset).map(Some)
        }
    }
}
