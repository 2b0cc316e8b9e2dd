//! Pagination: numbered pages ([`Select::paginate`], Flask-SQLAlchemy's
//! `paginate`) and keyset pages ([`Select::after`], [`Select::before`]).

use crate::backend::Executor;
use crate::column::Column;
use crate::error::{Error, Result};
use crate::expr::{Direction, OrderBy};
use crate::model::Model;
use crate::value::{ColumnType, IntoValue};

use super::select::Select;

/// One page of a query's rows, with the numbers a page navigation needs.
/// Serializes (feature `serde`) as `{items, total, page, per_page, pages}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The rows of this page (with the query's includes loaded).
    pub items: Vec<T>,
    /// How many rows the query has in all pages.
    pub total: u64,
    /// This page's number, from 1.
    pub page: u64,
    /// Rows per page.
    pub per_page: u64,
    /// How many pages there are (0 when there is no row).
    pub pages: u64,
}

#[cfg(feature = "serde")]
impl<T: serde::Serialize> serde::Serialize for Page<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut page = s.serialize_struct("Page", 5)?;
        page.serialize_field("items", &self.items)?;
        page.serialize_field("total", &self.total)?;
        page.serialize_field("page", &self.page)?;
        page.serialize_field("per_page", &self.per_page)?;
        page.serialize_field("pages", &self.pages)?;
        page.end()
    }
}

impl<T> Page<T> {
    /// True when a later page has rows.
    pub fn has_next(&self) -> bool {
        self.page < self.pages
    }

    /// True when this is not the first page (and there are pages).
    pub fn has_prev(&self) -> bool {
        self.page > 1 && self.pages > 0
    }
}

/// A query cut into pages: [`Select::paginate`]; [`fetch`](Paginate::fetch)
/// runs it.
#[must_use = "a page is read when .fetch(&db) is awaited"]
pub struct Paginate<M> {
    select: Select<M>,
    page: u64,
    per_page: u64,
}

impl<M: Model> std::fmt::Debug for Paginate<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Paginate")
            .field("select", &self.select)
            .field("page", &self.page)
            .field("per_page", &self.per_page)
            .finish()
    }
}

impl<M: Model> Select<M> {
    /// Page `page` (from 1) of `per_page` rows. The query keeps its
    /// filters, order and includes; without an `order_by` the rows are
    /// ordered by the primary key, so that pages do not overlap.
    ///
    /// Cost: two statements, a `COUNT(*)` of the whole query and the page
    /// with `LIMIT`/`OFFSET` (plus the includes' statements); the database
    /// still walks the skipped rows, so deep pages of a large table cost
    /// more than near ones. [`after`](Select::after) does not.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug)]
    /// # pub struct Post { #[model(primary_key)] id: i64, title: String }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # let db = Db::connect("sqlite::memory:").await?;
    /// # db.create_all(&orm::models![Post]).await?;
    /// # for i in 0..25 { db.insert(Post { id: 0, title: format!("p{i}") }).await?; }
    /// let page = Post::query().paginate(3, 10).fetch(&db).await?;
    /// assert_eq!((page.items.len(), page.total, page.pages), (5, 25, 3));
    /// assert!(!page.has_next() && page.has_prev());
    /// # Ok(()) }
    /// ```
    pub fn paginate(self, page: u64, per_page: u64) -> Paginate<M> {
        Paginate {
            select: self,
            page,
            per_page,
        }
    }

    /// The rows after `value` in `column`, in ascending order of it
    /// (keyset pagination): `.after(Post::ID, last_seen).limit(20)`. Each
    /// page costs the same however deep it is (an index on the column
    /// serves it); the column should be unique, or ties are skipped.
    pub fn after<T: ColumnType>(
        self,
        column: Column<M, T>,
        value: impl IntoValue<T::Scalar>,
    ) -> Self {
        self.filter(column.gt(value)).order_by(column.asc())
    }

    /// The rows before `value` in `column`, in descending order of it: the
    /// keyset page going backwards, or newest first.
    pub fn before<T: ColumnType>(
        self,
        column: Column<M, T>,
        value: impl IntoValue<T::Scalar>,
    ) -> Self {
        self.filter(column.lt(value)).order_by(column.desc())
    }
}

impl<M: Model + Send> Paginate<M> {
    /// Reads the page and the total.
    ///
    /// A page number of 0, 0 rows per page, or a query that already has a
    /// `limit` or `offset` is [`Error::Config`]. A page past the last is
    /// empty, with the true `total` and `pages`.
    pub async fn fetch(self, exec: &(impl Executor + ?Sized)) -> Result<Page<M>> {
        let Paginate {
            select,
            page,
            per_page,
        } = self;
        if page == 0 || per_page == 0 {
            return Err(Error::Config(format!(
                "paginate({page}, {per_page}) of `{}`: pages count from 1 and hold at least one row",
                M::META.name
            )));
        }
        if select.has_paging() {
            return Err(Error::Config(format!(
                "paginate of `{}` sets limit and offset itself: remove them from the query",
                M::META.name
            )));
        }
        let select = if select.is_ordered() {
            select
        } else {
            M::META.primary_key().fold(select, |s, c| {
                s.order_by(OrderBy {
                    expr: crate::expr::Expr::column(M::META, c),
                    direction: Direction::Asc,
                })
            })
        };
        let total = u64::try_from(select.clone().count(exec).await?).unwrap_or(0);
        let pages = total.div_ceil(per_page);
        let offset = (page - 1).saturating_mul(per_page);
        let items = if offset >= total {
            Vec::new()
        } else {
            select.limit(per_page).offset(offset).all(exec).await?
        };
        Ok(Page {
            items,
            total,
            page,
            per_page,
            pages,
        })
    }
}
