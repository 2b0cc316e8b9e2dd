//! Relationships as static metadata: their description
//! ([`RelationMeta`]), the columns that link two models ([`Link`],
//! [`Through`], [`JoinStep`]) and the typed descriptors used in queries
//! ([`Relation`]: `Post::AUTHOR`, `User::POSTS`) with their operators.
//!
//! ```text
//!   Post.author  ── belongs_to ──►  User          key on the owner: post.author_id
//!   User.posts   ── has_many  ──►  Post           key on the target: post.author_id
//!   User.profile ── has_one   ──►  Profile        key on the target, unique
//!   Post.tags    ── many-to-many ──► Tag          through an association table
//! ```
//!
//! Which column links two models is resolved from the metadata: a
//! belongs_to names its key field; a has_many/has_one finds the target's one
//! foreign key to the owner, or the one named by `foreign_key`. The derive
//! checks at compile time that this is unambiguous, so the run-time lookup
//! cannot fail for derived models.

use std::marker::PhantomData;

use crate::error::{Error, Result};
use crate::expr::{CmpOp, ColumnRef, Expr};
use crate::model::{ColumnMeta, Model, ModelMeta, OnDelete, value_of};

/// The kind of a relationship.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationKind {
    /// Many-to-one: the key is on the owner.
    BelongsTo,
    /// One-to-many: the key is on the target.
    HasMany,
    /// One-to-one (`uselist=False`): the key is on the target, unique.
    HasOne,
    /// Many-to-many through an association table or model (`secondary`).
    ManyToMany,
}

/// The association of a many-to-many relationship.
#[derive(Debug, Clone, Copy)]
pub struct Secondary {
    /// The association table: a model's, or one the derive declares for
    /// `#[secondary(table = "..")]`.
    pub table: fn() -> &'static ModelMeta,
    /// The association table's name, for compile-time checks.
    pub table_name: &'static str,
    /// Its column referencing the owner (found from the foreign keys when
    /// `None`).
    pub left: Option<&'static str>,
    /// Its column referencing the target (found from the foreign keys when
    /// `None`).
    pub right: Option<&'static str>,
}

/// The columns a many-to-many goes through:
/// `owner.owner_column = assoc.left` and `assoc.right = target.target_column`.
#[derive(Debug, Clone, Copy)]
pub struct Through {
    /// The owner model.
    pub owner: &'static ModelMeta,
    /// The referenced column of the owner.
    pub owner_column: &'static ColumnMeta,
    /// The association table.
    pub assoc: &'static ModelMeta,
    /// The association's column referencing the owner.
    pub left: &'static ColumnMeta,
    /// The association's column referencing the target.
    pub right: &'static ColumnMeta,
    /// The target model.
    pub target: &'static ModelMeta,
    /// The referenced column of the target.
    pub target_column: &'static ColumnMeta,
}

impl Through {
    /// The association table joined onto the target's rows (one row per
    /// pair), for reading targets of given owners.
    pub(crate) fn assoc_onto_target(&self, origin: &'static RelationMeta) -> JoinStep {
        JoinStep {
            table: self.assoc,
            column: self.right.name,
            existing: ColumnRef::of(self.target, self.target_column),
            to_many: false,
            origin,
            alias: None,
        }
    }
}

/// One `JOIN table ON table.column = existing`.
#[derive(Debug, Clone, Copy)]
pub struct JoinStep {
    /// The joined table.
    pub table: &'static ModelMeta,
    /// Its column in the ON clause.
    pub column: &'static str,
    /// The column of a table already in the query.
    pub existing: ColumnRef,
    /// True when the join can repeat the rows it joins to.
    pub to_many: bool,
    /// The relationship it came from.
    pub origin: &'static RelationMeta,
    /// The name the joined table goes by in the query, when the query
    /// has it more than once (the relationship's name).
    pub alias: Option<&'static str>,
}

/// The default loading strategy of a relationship.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lazy {
    /// Never loaded implicitly: reading an unloaded slot is
    /// [`Error::NotLoaded`].
    #[default]
    Raise,
    /// Loaded with one extra query per level.
    Selectin,
    /// Loaded in the same query by a join.
    Joined,
}

/// What happens to related rows when the owner is deleted or loses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cascade {
    /// Deleting the owner deletes the related rows.
    pub delete: bool,
    /// Removing a row from the collection deletes it.
    pub delete_orphan: bool,
}

/// Static description of one relationship.
#[derive(Debug)]
pub struct RelationMeta {
    /// The model declaring (or, for a backref, receiving) the relationship.
    pub owner: &'static str,
    /// The relationship's name: the field or accessor.
    pub name: &'static str,
    /// The kind.
    pub kind: RelationKind,
    /// The target model.
    pub target: fn() -> &'static ModelMeta,
    /// The target model's path (`Model::__PATH`), for compile-time checks.
    pub target_path: &'static str,
    /// belongs_to: the key column on the owner. has_many/has_one: the
    /// foreign key column on the target when given (`foreign_key`).
    pub key: Option<&'static str>,
    /// belongs_to: the referenced column on the target (`None`: its
    /// primary key). has_many/has_one: the referenced column on the owner.
    pub references: Option<&'static str>,
    /// The inverse relationship declared on the target.
    pub back_populates: Option<&'static str>,
    /// The inverse accessor generated on the target.
    pub backref: Option<&'static str>,
    /// Cascades.
    pub cascade: Cascade,
    /// The database action on delete; for has_many/has_one, `Cascade`
    /// means the database deletes the children (passive deletes).
    pub on_delete: OnDelete,
    /// Default ordering of a collection: column of the target, descending?
    pub order_by: Option<(&'static str, bool)>,
    /// Default loading strategy.
    pub lazy: Lazy,
    /// The association of a many-to-many.
    pub secondary: Option<Secondary>,
    /// Where the resolved `Path` is kept once computed: a `static` the
    /// derive emits per relationship.
    #[doc(hidden)]
    pub resolved: fn() -> &'static PathCell,
    /// The relationship's strategy (its kind's operations, typed with both
    /// models), for a relationship declared with a field; `None` for a
    /// backref side, which has none.
    #[doc(hidden)]
    pub ops: Option<fn() -> &'static (dyn std::any::Any + Send + Sync)>,
}

/// How the rows of a relationship are reached from its owner's rows.
#[derive(Debug, Clone, Copy)]
pub enum Path {
    /// A foreign key between the two tables (belongs_to, has_many,
    /// has_one).
    Direct {
        /// The key and the column it references.
        link: Link,
        /// The key is on the owner (belongs_to) rather than on the target.
        owner_holds_key: bool,
    },
    /// Through an association table (many-to-many).
    Through(Through),
}

impl Path {
    /// The owner's column whose value finds the related rows, and the
    /// column (of the target, or of the association) holding that value.
    pub fn ends(&self) -> (&'static ColumnMeta, ColumnRef) {
        match *self {
            Path::Direct {
                link,
                owner_holds_key: true,
            } => (
                link.child_column,
                ColumnRef::of(link.parent, link.parent_column),
            ),
            Path::Direct { link, .. } => (
                link.parent_column,
                ColumnRef::of(link.child, link.child_column),
            ),
            Path::Through(t) => (t.owner_column, ColumnRef::of(t.assoc, t.left)),
        }
    }
}

/// A relationship's [`Path`], resolved on first use and kept.
#[doc(hidden)]
#[derive(Debug)]
pub struct PathCell(std::sync::OnceLock<std::result::Result<Path, String>>);

impl PathCell {
    /// An empty cell.
    pub const fn new() -> Self {
        PathCell(std::sync::OnceLock::new())
    }
}

impl Default for PathCell {
    fn default() -> Self {
        Self::new()
    }
}

/// The columns that link the owner and target of a relationship.
#[derive(Debug, Clone, Copy)]
pub struct Link {
    /// The model holding the foreign key.
    pub child: &'static ModelMeta,
    /// The foreign key column on `child`.
    pub child_column: &'static ColumnMeta,
    /// The referenced model.
    pub parent: &'static ModelMeta,
    /// The referenced column on `parent`.
    pub parent_column: &'static ColumnMeta,
}

impl RelationMeta {
    /// How the related rows are reached from `owner`'s rows, resolved once
    /// per relationship. The owner's metadata is not stored (it would make
    /// a const cycle); callers pass it in, always the same one.
    pub fn path(&self, owner: &'static ModelMeta) -> Result<&'static Path> {
        (self.resolved)()
            .0
            .get_or_init(|| {
                let resolved = match self.kind {
                    RelationKind::ManyToMany => self.resolve_through(owner).map(Path::Through),
                    kind => self.resolve_link(owner).map(|link| Path::Direct {
                        link,
                        owner_holds_key: kind == RelationKind::BelongsTo,
                    }),
                };
                resolved.map_err(|e| match e {
                    Error::Config(message) => message,
                    other => other.to_string(),
                })
            })
            .as_ref()
            .map_err(|message| Error::Config(message.clone()))
    }

    /// The columns of a belongs_to, has_many or has_one.
    pub fn link(&self, owner: &'static ModelMeta) -> Result<Link> {
        match self.path(owner)? {
            Path::Direct { link, .. } => Ok(*link),
            Path::Through(_) => {
                Err(self.config("is a many-to-many: it links through its association table".into()))
            }
        }
    }

    /// The columns of a many-to-many.
    pub fn through(&self, owner: &'static ModelMeta) -> Result<Through> {
        match self.path(owner)? {
            Path::Through(t) => Ok(*t),
            Path::Direct { .. } => Err(self.config("has no association table".into())),
        }
    }

    fn resolve_link(&self, owner: &'static ModelMeta) -> Result<Link> {
        let target = (self.target)();
        match self.kind {
            RelationKind::BelongsTo => {
                let key = match self.key {
                    Some(k) => owner
                        .columns
                        .iter()
                        .find(|c| c.name == k || c.field == k)
                        .ok_or_else(|| self.config(format!("has no key column `{k}`")))?,
                    None => foreign_key_to(owner, target, None)?,
                };
                let parent_column = match self.references {
                    Some(name) => target.column(name),
                    None => single_key(target),
                }
                .ok_or_else(|| self.config("cannot find the referenced column".into()))?;
                Ok(Link {
                    child: owner,
                    child_column: key,
                    parent: target,
                    parent_column,
                })
            }
            RelationKind::ManyToMany => {
                Err(self.config("is a many-to-many: it links through its association table".into()))
            }
            RelationKind::HasMany | RelationKind::HasOne => {
                let child_column = foreign_key_to(target, owner, self.key)?;
                let parent_column = match child_column.references.and_then(|fk| fk.column) {
                    Some(name) => owner.column(name),
                    None => single_key(owner),
                }
                .ok_or_else(|| self.config("cannot find the referenced column".into()))?;
                Ok(Link {
                    child: target,
                    child_column,
                    parent: owner,
                    parent_column,
                })
            }
        }
    }

    fn resolve_through(&self, owner: &'static ModelMeta) -> Result<Through> {
        let secondary = self
            .secondary
            .ok_or_else(|| self.config("has no association table".into()))?;
        let assoc = (secondary.table)();
        let target = (self.target)();
        let find = |name: Option<&str>, to: &'static ModelMeta| -> Result<&'static ColumnMeta> {
            match name {
                Some(n) => assoc
                    .columns
                    .iter()
                    .find(|c| c.name == n || c.field == n)
                    .ok_or_else(|| self.config(format!("`{}` has no column `{n}`", assoc.name))),
                None => foreign_key_to(assoc, to, None),
            }
        };
        let left = find(secondary.left, owner)?;
        let right = find(secondary.right, target)?;
        let referenced = |column: &'static ColumnMeta, model: &'static ModelMeta| {
            match column.references.and_then(|fk| fk.column) {
                Some(name) => model.column(name),
                None => single_key(model),
            }
            .ok_or_else(|| {
                self.config(format!(
                    "cannot find the column of `{}` it references",
                    model.name
                ))
            })
        };
        Ok(Through {
            owner,
            owner_column: referenced(left, owner)?,
            assoc,
            left,
            right,
            target,
            target_column: referenced(right, target)?,
        })
    }

    /// The joins from the owner to the target.
    pub fn join_path(&'static self, owner: &'static ModelMeta) -> Result<Vec<JoinStep>> {
        Ok(match self.kind {
            RelationKind::BelongsTo => {
                let link = self.link(owner)?;
                vec![JoinStep {
                    table: link.parent,
                    column: link.parent_column.name,
                    existing: ColumnRef::of(link.child, link.child_column),
                    to_many: false,
                    origin: self,
                    alias: None,
                }]
            }
            RelationKind::HasMany | RelationKind::HasOne => {
                let link = self.link(owner)?;
                vec![JoinStep {
                    table: link.child,
                    column: link.child_column.name,
                    existing: ColumnRef::of(link.parent, link.parent_column),
                    to_many: self.kind == RelationKind::HasMany,
                    origin: self,
                    alias: None,
                }]
            }
            RelationKind::ManyToMany => {
                let t = self.through(owner)?;
                vec![
                    JoinStep {
                        table: t.assoc,
                        column: t.left.name,
                        existing: ColumnRef::of(t.owner, t.owner_column),
                        to_many: true,
                        origin: self,
                        alias: None,
                    },
                    JoinStep {
                        table: t.target,
                        column: t.target_column.name,
                        existing: ColumnRef::of(t.assoc, t.right),
                        to_many: true,
                        origin: self,
                        alias: None,
                    },
                ]
            }
        })
    }

    fn config(&self, message: String) -> Error {
        Error::Config(format!(
            "relationship `{}.{}` {message}",
            self.owner, self.name
        ))
    }

    /// The relationship's `order_by` as a sort term on `target`; an error
    /// when it names no column of the target.
    pub fn default_order(
        &self,
        target: &'static ModelMeta,
    ) -> Result<Option<crate::expr::OrderBy>> {
        let Some((column, desc)) = self.order_by else {
            return Ok(None);
        };
        let column = target.column(column).ok_or_else(|| {
            self.config(format!(
                "has order_by = \"{column}\", which is no column of `{}`",
                target.name
            ))
        })?;
        Ok(Some(crate::expr::OrderBy {
            expr: Expr::Column(ColumnRef {
                table: target,
                column: column.name,
                alias: None,
            }),
            direction: if desc {
                crate::expr::Direction::Desc
            } else {
                crate::expr::Direction::Asc
            },
        }))
    }

    /// The position among `target`'s columns of the column that tells the
    /// members of a collection of this relationship apart: a child's
    /// primary key (has_many), the target's referenced column
    /// (many-to-many).
    pub fn member_key(
        &self,
        owner: &'static ModelMeta,
        target: &'static ModelMeta,
    ) -> Result<usize> {
        match self.path(owner)? {
            Path::Through(t) => target.index_of(t.target_column),
            Path::Direct { .. } => match target.primary_key().next() {
                Some(pk) => target.index_of(pk),
                None => Err(Error::Config(format!(
                    "`{}` has no primary key to tell the rows of `{}.{}` apart",
                    target.name, self.owner, self.name
                ))),
            },
        }
    }

    /// True for has_many and many-to-many.
    pub fn is_collection(&self) -> bool {
        matches!(self.kind, RelationKind::HasMany | RelationKind::ManyToMany)
    }
}

fn single_key(meta: &'static ModelMeta) -> Option<&'static ColumnMeta> {
    let mut pk = meta.primary_key();
    match (pk.next(), pk.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

/// The foreign key column of `child` that references `parent`: the one
/// named `column` or else the only one.
pub fn foreign_key_to(
    child: &'static ModelMeta,
    parent: &'static ModelMeta,
    column: Option<&str>,
) -> Result<&'static ColumnMeta> {
    let mut candidates = child.columns.iter().filter(|c| {
        c.references.is_some_and(|fk| (fk.target)().is(parent))
            && column.is_none_or(|name| c.name == name || c.field == name)
    });
    match (candidates.next(), candidates.next()) {
        (Some(c), None) => Ok(c),
        (None, _) => Err(Error::Config(format!(
            "`{}` has no foreign key to `{}`",
            child.name, parent.name
        ))),
        (Some(_), Some(_)) => Err(Error::Config(format!(
            "`{}` has several foreign keys to `{}`: name one with `foreign_key`",
            child.name, parent.name
        ))),
    }
}

/// A relationship of model `P` to model `T`, for queries: `Post::AUTHOR`,
/// `User::POSTS`.
pub struct Relation<P, T> {
    meta: &'static RelationMeta,
    _marker: PhantomData<fn() -> (P, T)>,
}

impl<P, T> Clone for Relation<P, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P, T> Copy for Relation<P, T> {}

impl<P, T> std::fmt::Debug for Relation<P, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.meta.owner, self.meta.name)
    }
}

impl<P, T> Relation<P, T> {
    /// A descriptor for `meta`. Generated by the derive.
    #[doc(hidden)]
    pub const fn new(meta: &'static RelationMeta) -> Self {
        Relation {
            meta,
            _marker: PhantomData,
        }
    }

    /// The relationship's metadata.
    pub const fn meta(&self) -> &'static RelationMeta {
        self.meta
    }
}

impl<P: Model, T: Model> Relation<P, T> {
    /// The linking columns.
    pub fn link(&self) -> Result<Link> {
        self.meta.link(P::META)
    }

    /// The operator's expression, or the error that keeps it from being
    /// built (reported when the query is rendered).
    fn build(&self, f: impl FnOnce(&'static Path) -> Result<Expr>) -> Expr {
        self.meta
            .path(P::META)
            .and_then(f)
            .unwrap_or_else(|e| Expr::Invalid(e.into()))
    }

    /// Rows whose relationship points at `target` (SQLAlchemy's
    /// `filter_by(author=user)`): `post.author_id = <user.id>`.
    ///
    /// For a has_many or has_one, rows owning `target`; for a many-to-many,
    /// rows associated with it.
    pub fn is(&self, target: &T) -> Expr {
        self.build(|path| {
            Ok(match *path {
                Path::Through(t) => {
                    let pair =
                        Expr::column_eq(t.assoc, t.right, value_of(target, t.target_column)?);
                    through_exists(&t, Some(pair))
                }
                Path::Direct {
                    link,
                    owner_holds_key: true,
                } => Expr::column_eq(
                    link.child,
                    link.child_column,
                    value_of(target, link.parent_column)?,
                ),
                Path::Direct { link, .. } => Expr::column_eq(
                    link.parent,
                    link.parent_column,
                    value_of(target, link.child_column)?,
                ),
            })
        })
    }

    /// Rows whose relationship does not point at `target`, NULL keys
    /// included (as SQLAlchemy's `!=` on a many-to-one).
    pub fn is_not(&self, target: &T) -> Expr {
        self.build(|path| {
            Ok(match *path {
                Path::Direct {
                    link,
                    owner_holds_key: true,
                } => {
                    let key = Expr::column(link.child, link.child_column);
                    Expr::Compare(
                        Box::new(key.clone()),
                        CmpOp::Ne,
                        Box::new(Expr::Value(value_of(target, link.parent_column)?)),
                    )
                    .or(Expr::IsNull(Box::new(key), false))
                }
                _ => self.is(target).not(),
            })
        })
    }

    /// Rows with no related row: a NULL key for a belongs_to, no child for
    /// a has_many or has_one, no association for a many-to-many.
    pub fn is_none(&self) -> Expr {
        self.build(|path| {
            Ok(match *path {
                Path::Direct {
                    link,
                    owner_holds_key: true,
                } => Expr::IsNull(Box::new(Expr::column(link.child, link.child_column)), false),
                _ => self.exists(None).not(),
            })
        })
    }

    /// `EXISTS` a related row (matching `filter`).
    fn exists(&self, filter: Option<Expr>) -> Expr {
        self.build(|path| {
            Ok(match *path {
                // The target's rows are filtered in their own subquery, so
                // a self-referential many-to-many needs no alias.
                Path::Through(t) => through_exists(
                    &t,
                    filter.map(|f| Expr::InSelect {
                        expr: Box::new(Expr::column(t.assoc, t.right)),
                        table: t.target,
                        column: t.target_column.name,
                        filter: Box::new(f),
                    }),
                ),
                Path::Direct {
                    link,
                    owner_holds_key,
                } => {
                    let (inner, inner_col, outer, outer_col) = if owner_holds_key {
                        (
                            link.parent,
                            link.parent_column,
                            link.child,
                            link.child_column,
                        )
                    } else {
                        (
                            link.child,
                            link.child_column,
                            link.parent,
                            link.parent_column,
                        )
                    };
                    Expr::Exists {
                        table: inner,
                        inner_column: inner_col.name,
                        outer: ColumnRef::of(outer, outer_col),
                        filter: filter.map(Box::new),
                    }
                }
            })
        })
    }

    /// Rows with at least one related row matching `condition`
    /// (SQLAlchemy's `any`): `EXISTS (SELECT 1 FROM post WHERE
    /// post.author_id = users.id AND ...)`.
    pub fn any(&self, condition: Expr) -> Expr {
        self.exists(Some(condition))
    }

    /// Rows whose related row matches `condition` (SQLAlchemy's `has`, for
    /// to-one relationships).
    pub fn has(&self, condition: Expr) -> Expr {
        self.exists(Some(condition))
    }

    /// `column` of the target, read through this relationship's join:
    /// `Employee::MANAGER.col(Employee::NAME)` when a query joins the
    /// table more than once (`Message::SENDER` and `Message::RECIPIENT`,
    /// or employees and their managers). Where the query joins the table
    /// once, it is the table's own column.
    pub fn col<V>(&self, column: crate::column::Column<T, V>) -> crate::column::Column<T, V> {
        column.through(self.meta().name)
    }

    /// The number of related rows of each row, as a correlated subquery:
    /// `User::query().select((User::ID, User::POSTS.count()))` counts
    /// every user's posts in one statement.
    pub fn count(&self) -> crate::column::Aggregate<i64> {
        crate::column::Aggregate::new(Expr::CountOf(Box::new(self.exists(None))))
    }

    /// Rows whose collection contains `item` (SQLAlchemy's `contains`).
    pub fn contains(&self, item: &T) -> Expr {
        self.is(item)
    }
}

/// `EXISTS (SELECT 1 FROM assoc WHERE assoc.left = owner.key AND
/// <condition on assoc>)`.
fn through_exists(t: &Through, condition: Option<Expr>) -> Expr {
    Expr::Exists {
        table: t.assoc,
        inner_column: t.left.name,
        outer: ColumnRef::of(t.owner, t.owner_column),
        filter: condition.map(Box::new),
    }
}

/// Whether a backref's name is free on its target (`NameFree<true>`):
/// the derive bounds a backref's generated items on [`BackrefName`], so a
/// name the target already has is one compile error naming both models.
pub struct NameFree<const FREE: bool>;

/// Holds for a backref of `Owner` whose name `Target` does not use yet
/// (the derive bounds the backref's items on it).
#[diagnostic::on_unimplemented(
    message = "a `backref` on `{Owner}` takes a name `{Target}` already has",
    label = "`{Target}` already has a field or relationship of this name: choose another `backref` name",
    note = "or declare the inverse on `{Target}` yourself and pair both sides with `back_populates`"
)]
pub trait BackrefName<Owner, Target> {}

impl<Owner, Target> BackrefName<Owner, Target> for NameFree<true> {}
