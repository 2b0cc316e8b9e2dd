//! Projections: `select(..)` of columns and aggregates into Rust tuples,
//! with `group_by` and `having`.

use crate::backend::{self, Executor, Sql};
use crate::column::{Aggregate, Column};
use crate::error::{Error, Result};
use crate::expr::{Expr, OrderBy};
use crate::model::Model;
use crate::sql::{self, Dialect};
use crate::value::{ColumnType, RowRef};

use super::select::Select;

/// What a query can select instead of whole models: a column, an
/// aggregate, or a tuple of them (up to eight), read into the matching
/// Rust types.
pub trait Projection<M>: Send {
    /// The Rust value of one row.
    type Row: Send + 'static;
    /// Appends the selected expressions.
    fn exprs(self, out: &mut Vec<Expr>);
    /// Reads one row's values, from cell `*idx` on.
    fn decode(row: RowRef<'_>, idx: &mut usize) -> Result<Self::Row>;
}

fn decode_cell<T: ColumnType>(row: RowRef<'_>, idx: &mut usize) -> Result<T> {
    let v = T::decode(row, *idx).map_err(|e| Error::decode("projection", "column", e))?;
    *idx += 1;
    Ok(v)
}

/// A column of the queried model, or of a model the query joins.
impl<M, C: Model, T: ColumnType> Projection<M> for Column<C, T> {
    type Row = T;
    fn exprs(self, out: &mut Vec<Expr>) {
        out.push(self.expr());
    }
    fn decode(row: RowRef<'_>, idx: &mut usize) -> Result<T> {
        decode_cell(row, idx)
    }
}

impl<M, T: ColumnType> Projection<M> for Aggregate<T> {
    type Row = T;
    fn exprs(self, out: &mut Vec<Expr>) {
        out.push(self.into());
    }
    fn decode(row: RowRef<'_>, idx: &mut usize) -> Result<T> {
        decode_cell(row, idx)
    }
}

macro_rules! projection_tuple {
    ($($t:ident . $i:tt),+) => {
        impl<M, $($t: Projection<M>),+> Projection<M> for ($($t,)+) {
            type Row = ($($t::Row,)+);
            fn exprs(self, out: &mut Vec<Expr>) {
                $(self.$i.exprs(out);)+
            }
            fn decode(row: RowRef<'_>, idx: &mut usize) -> Result<Self::Row> {
                Ok(($($t::decode(row, idx)?,)+))
            }
        }
    };
}
projection_tuple!(A.0);
projection_tuple!(A.0, B.1);
projection_tuple!(A.0, B.1, C.2);
projection_tuple!(A.0, B.1, C.2, D.3);
projection_tuple!(A.0, B.1, C.2, D.3, E.4);
projection_tuple!(A.0, B.1, C.2, D.3, E.4, F.5);
projection_tuple!(A.0, B.1, C.2, D.3, E.4, F.5, G.6);
projection_tuple!(A.0, B.1, C.2, D.3, E.4, F.5, G.6, H.7);

/// A plain struct filled from a projection's rows: `#[derive(orm::FromRow)]`
/// writes it, its fields in order taking the projection's values.
pub trait FromRow: Sized {
    /// The projection's row: a tuple of the field types (one field: its
    /// type).
    type Row;
    /// The struct of one row.
    fn from_row(row: Self::Row) -> Self;
}

/// How a selected expression is named in a decode error.
fn label(e: &Expr) -> &'static str {
    match e {
        Expr::Column(c) => c.column,
        Expr::Aggregate { func, .. } => match func {
            crate::expr::AggregateFn::Count => "count()",
            crate::expr::AggregateFn::CountDistinct => "count_distinct()",
            crate::expr::AggregateFn::Sum => "sum()",
            crate::expr::AggregateFn::Avg => "avg()",
            crate::expr::AggregateFn::Min => "min()",
            crate::expr::AggregateFn::Max => "max()",
        },
        Expr::CountOf(_) => "a relationship's count()",
        _ => "(expression)",
    }
}

/// A query that selects a projection: [`Select::select`].
#[must_use = "a query runs when a terminal (.all, .one, .optional) is awaited"]
pub struct Projected<M, P: Projection<M>> {
    select: Select<M>,
    exprs: Vec<Expr>,
    group_by: Vec<Expr>,
    having: Option<Expr>,
    _marker: std::marker::PhantomData<fn() -> P>,
}

impl<M: Model> Select<M> {
    /// Selects columns and aggregates instead of models:
    /// `.select((Post::AUTHOR_ID, orm::count()))` reads `(i64, i64)` rows.
    /// Aggregates read into the same Rust types on every backend (a
    /// `COUNT` is an `i64`, a `SUM` of integers an `i64`, an `AVG` an
    /// `f64`), whatever the server's own type.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug)]
    /// # pub struct Post { #[model(primary_key)] id: i64, author_id: i64, views: i32 }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # let db = Db::connect("sqlite::memory:").await?;
    /// # db.create_all(&orm::models![Post]).await?;
    /// # for (a, v) in [(1, 10), (1, 5), (2, 7)] { db.insert(Post { id: 0, author_id: a, views: v }).await?; }
    /// let per_author: Vec<(i64, i64, Option<i64>)> = Post::query()
    ///     .select((Post::AUTHOR_ID, orm::count(), Post::VIEWS.sum()))
    ///     .group_by(Post::AUTHOR_ID)
    ///     .having(orm::count().ge(1))
    ///     .order_by(Post::AUTHOR_ID)
    ///     .all(&db)
    ///     .await?;
    /// assert_eq!(per_author, [(1, 2, Some(15)), (2, 1, Some(7))]);
    /// # Ok(()) }
    /// ```
    pub fn select<P: Projection<M>>(self, projection: P) -> Projected<M, P> {
        let mut exprs = Vec::new();
        projection.exprs(&mut exprs);
        Projected {
            select: self,
            exprs,
            group_by: Vec::new(),
            having: None,
            _marker: std::marker::PhantomData,
        }
    }
}

impl<M: Model, P: Projection<M>> Projected<M, P> {
    /// Groups the rows by `term` (a column, or any expression); call again
    /// for more terms.
    pub fn group_by(mut self, term: impl Into<Expr>) -> Self {
        self.group_by.push(term.into());
        self
    }

    /// Keeps the groups matching `condition` (on aggregates:
    /// `orm::count().gt(2)`).
    pub fn having(mut self, condition: Expr) -> Self {
        self.having = Some(match self.having.take() {
            Some(h) => h.and(condition),
            None => condition,
        });
        self
    }

    /// Orders the rows (by a column or an aggregate).
    pub fn order_by(mut self, term: impl Into<OrderBy>) -> Self {
        self.select = self.select.order_by(term);
        self
    }

    /// Narrows the rows before grouping.
    pub fn filter(mut self, condition: Expr) -> Self {
        self.select = self.select.filter(condition);
        self
    }

    /// At most `n` rows.
    pub fn limit(mut self, n: u64) -> Self {
        self.select = self.select.limit(n);
        self
    }

    /// Skips the first `n` rows.
    pub fn offset(mut self, n: u64) -> Self {
        self.select = self.select.offset(n);
        self
    }

    /// The SQL this query runs in `dialect`, with its bind values.
    pub fn to_sql(&self, dialect: Dialect) -> Result<(String, Vec<crate::Value>)> {
        let r = self.render(dialect)?;
        Ok((r.sql, r.binds))
    }

    fn render(&self, dialect: Dialect) -> Result<sql::Rendered> {
        let statement = self
            .select
            .projected(&self.exprs, &self.group_by, self.having.as_ref())?;
        Ok(sql::select(dialect, &statement)?)
    }

    /// Every row.
    pub async fn all(self, exec: &(impl Executor + ?Sized)) -> Result<Vec<P::Row>> {
        let r = self.render(exec.dialect())?;
        let labels: Vec<&'static str> = self.exprs.iter().map(label).collect();
        backend::fetch_all(exec.target(), Sql::Owned(r.sql), r.binds, |row| {
            let mut idx = 0;
            P::decode(row, &mut idx).map_err(|e| match e {
                // Name the value that failed: the cell index stopped on it.
                Error::Decode { message, .. } => Error::Decode {
                    model: M::META.name,
                    column: labels.get(idx).copied().unwrap_or("(value)"),
                    message,
                },
                other => other,
            })
        })
        .await
    }

    /// Every row, as the struct `S` (`#[derive(orm::FromRow)]`) whose
    /// fields match the projection's values in order and type.
    pub async fn all_into<S: FromRow<Row = P::Row>>(
        self,
        exec: &(impl Executor + ?Sized),
    ) -> Result<Vec<S>> {
        Ok(self.all(exec).await?.into_iter().map(S::from_row).collect())
    }

    /// The row, if there is one; [`Error::MultipleRows`] when there are
    /// several (as [`Select::optional`]).
    pub async fn optional(self, exec: &(impl Executor + ?Sized)) -> Result<Option<P::Row>> {
        let limit = self.select.current_limit().map_or(2, |l| l.min(2));
        let mut rows = self.limit(limit).all(exec).await?;
        if rows.len() > 1 {
            return Err(Error::MultipleRows {
                model: M::META.name,
            });
        }
        Ok(rows.pop())
    }

    /// The one row; [`Error::NotFound`] when there is none,
    /// [`Error::MultipleRows`] when there are several.
    pub async fn one(self, exec: &(impl Executor + ?Sized)) -> Result<P::Row> {
        self.optional(exec).await?.ok_or_else(|| Error::NotFound {
            model: M::META.name,
        })
    }
}
