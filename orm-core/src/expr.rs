//! Boolean and value expressions: the `WHERE` clause AST.
//!
//! Typed columns ([`Column`](crate::Column)) build these; the dialect layer
//! renders them. Values inside an expression are always bind parameters.

use crate::model::{ColumnMeta, ModelMeta};
use crate::value::{SqlType, Value};

/// The escape character of every `LIKE` pattern: `\%`, `\_` and `\\`
/// match a literal `%`, `_` and `\`.
pub const LIKE_ESCAPE: char = '\\';

/// `text` as a `LIKE` pattern matching itself literally: `%`, `_` and the
/// escape character are escaped.
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | LIKE_ESCAPE) {
            out.push(LIKE_ESCAPE);
        }
        out.push(ch);
    }
    out
}

/// A column of a model's table, as it appears in SQL.
#[derive(Debug, Clone, Copy)]
pub struct ColumnRef {
    /// The model owning the column.
    pub table: &'static ModelMeta,
    /// The column name.
    pub column: &'static str,
    /// The join it is read through, by the relationship's name
    /// (`Employee::MANAGER.col(Employee::NAME)`), when the query joins the
    /// table more than once.
    pub alias: Option<&'static str>,
}

impl ColumnRef {
    /// `column` of `table`.
    pub(crate) fn of(table: &'static ModelMeta, column: &'static ColumnMeta) -> ColumnRef {
        ColumnRef {
            table,
            column: column.name,
            alias: None,
        }
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A SQL expression, usually a condition for `filter`.
///
/// Combine conditions with [`Expr::and`], [`Expr::or`] and [`Expr::not`], or
/// with the `&`, `|` and `!` operators.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Expr {
    /// A column.
    Column(ColumnRef),
    /// A bound value.
    Value(Value),
    /// `left <op> right`
    Compare(Box<Expr>, CmpOp, Box<Expr>),
    /// `expr LIKE pattern` (case-sensitive on every backend) or its
    /// case-insensitive form.
    Like {
        /// The text being matched.
        expr: Box<Expr>,
        /// The pattern, with `%` and `_` wildcards and `\` escaping.
        pattern: Value,
        /// True for `ilike`.
        case_insensitive: bool,
    },
    /// All of these hold; `TRUE` when empty.
    And(Vec<Expr>),
    /// Any of these holds; `FALSE` when empty.
    Or(Vec<Expr>),
    /// Negation.
    Not(Box<Expr>),
    /// `expr IS NULL`, or `IS NOT NULL` when the flag is set.
    IsNull(Box<Expr>, bool),
    /// `expr IN (...)`, or `NOT IN` when `negated`.
    InList {
        /// The tested expression.
        expr: Box<Expr>,
        /// The candidates.
        values: Vec<Value>,
        /// True for `NOT IN`.
        negated: bool,
    },
    /// `EXISTS (SELECT 1 FROM table WHERE table.inner_column = outer AND filter)`:
    /// the relationship operators `any` and `has`.
    Exists {
        /// The related table.
        table: &'static ModelMeta,
        /// Its column linked to the outer row.
        inner_column: &'static str,
        /// The outer row's column.
        outer: ColumnRef,
        /// A condition on the related row.
        filter: Option<Box<Expr>>,
    },
    /// `expr IN (SELECT table.column FROM table WHERE filter)`.
    InSelect {
        /// The tested expression.
        expr: Box<Expr>,
        /// The table of the subquery.
        table: &'static ModelMeta,
        /// The selected column.
        column: &'static str,
        /// The subquery's condition.
        filter: Box<Expr>,
    },
    /// `expr` equal to one of a list of keys: `= ANY($1)` with one array
    /// parameter on PostgreSQL, `IN (?, ?, ...)` elsewhere.
    AnyOf {
        /// The tested expression.
        expr: Box<Expr>,
        /// The keys' SQL type.
        ty: crate::value::SqlType,
        /// The keys.
        values: Vec<Value>,
    },
    /// An expression that could not be built; rendering it fails with
    /// this error (returned as [`Error::Config`](crate::Error::Config)).
    Invalid(crate::error::BuildError),
    /// `expr BETWEEN low AND high`.
    Between {
        /// The tested expression.
        expr: Box<Expr>,
        /// Lower bound, inclusive.
        low: Value,
        /// Upper bound, inclusive.
        high: Value,
    },
    /// An aggregate over the grouped rows: `COUNT(*)`, `SUM(x)`, ...
    Aggregate {
        /// The function.
        func: AggregateFn,
        /// Its argument (`None`: `COUNT(*)`).
        arg: Option<Box<Expr>>,
        /// The argument's SQL type, which decides the result's type.
        ty: SqlType,
    },
    /// The number of related rows: an [`Expr::Exists`] counted,
    /// `(SELECT COUNT(*) FROM table WHERE table.inner_column = outer)`.
    CountOf(Box<Expr>),
}

/// An aggregate function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateFn {
    /// `COUNT(x)` (`COUNT(*)` without an argument): an `i64`.
    Count,
    /// `COUNT(DISTINCT x)`: an `i64`.
    CountDistinct,
    /// `SUM(x)`: `i64` for integers, `f64` for floats, NULL over no row.
    Sum,
    /// `AVG(x)`: an `f64`, NULL over no row.
    Avg,
    /// `MIN(x)`: the column's type, NULL over no row.
    Min,
    /// `MAX(x)`: the column's type, NULL over no row.
    Max,
}

impl Expr {
    /// Calls `f` with every column this expression reads from the rows of
    /// its own statement (not those of its subqueries).
    pub(crate) fn visit_columns(&self, f: &mut impl FnMut(&ColumnRef)) {
        match self {
            Expr::Column(c) => f(c),
            Expr::Compare(l, _, r) => {
                l.visit_columns(f);
                r.visit_columns(f);
            }
            Expr::Like { expr, .. }
            | Expr::IsNull(expr, _)
            | Expr::InList { expr, .. }
            | Expr::Between { expr, .. }
            | Expr::AnyOf { expr, .. }
            | Expr::InSelect { expr, .. }
            | Expr::Not(expr) => expr.visit_columns(f),
            Expr::And(items) | Expr::Or(items) => {
                for e in items {
                    e.visit_columns(f);
                }
            }
            Expr::Aggregate { arg, .. } => {
                if let Some(a) = arg {
                    a.visit_columns(f);
                }
            }
            // The outer column of a relationship subquery.
            Expr::Exists { outer, .. } => f(outer),
            Expr::CountOf(inner) => inner.visit_columns(f),
            Expr::Value(_) | Expr::Invalid(_) => {}
        }
    }

    /// `table.column`.
    pub(crate) fn column(table: &'static ModelMeta, column: &'static ColumnMeta) -> Expr {
        Expr::Column(ColumnRef::of(table, column))
    }

    /// `table.column = value`, the value bound.
    pub(crate) fn column_eq(
        table: &'static ModelMeta,
        column: &'static ColumnMeta,
        value: Value,
    ) -> Expr {
        Expr::Compare(
            Box::new(Expr::column(table, column)),
            CmpOp::Eq,
            Box::new(Expr::Value(value)),
        )
    }

    /// `table.column` is one of `values`: `= ANY($1)` on PostgreSQL, `IN
    /// (...)` elsewhere.
    pub(crate) fn any_of(
        table: &'static ModelMeta,
        column: &'static ColumnMeta,
        values: Vec<Value>,
    ) -> Expr {
        Expr::AnyOf {
            expr: Box::new(Expr::column(table, column)),
            ty: column.sql_type,
            values,
        }
    }

    /// Both conditions hold.
    #[must_use]
    pub fn and(self, other: Expr) -> Expr {
        match self {
            Expr::And(mut items) => {
                items.push(other);
                Expr::And(items)
            }
            first => Expr::And(vec![first, other]),
        }
    }

    /// Either condition holds.
    #[must_use]
    pub fn or(self, other: Expr) -> Expr {
        match self {
            Expr::Or(mut items) => {
                items.push(other);
                Expr::Or(items)
            }
            first => Expr::Or(vec![first, other]),
        }
    }

    /// The condition does not hold.
    #[allow(clippy::should_implement_trait)]
    #[must_use]
    pub fn not(self) -> Expr {
        Expr::Not(Box::new(self))
    }
}

impl std::ops::BitAnd for Expr {
    type Output = Expr;
    fn bitand(self, rhs: Expr) -> Expr {
        self.and(rhs)
    }
}

impl std::ops::BitOr for Expr {
    type Output = Expr;
    fn bitor(self, rhs: Expr) -> Expr {
        self.or(rhs)
    }
}

impl std::ops::Not for Expr {
    type Output = Expr;
    fn not(self) -> Expr {
        Expr::Not(Box::new(self))
    }
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
}

/// One `ORDER BY` term.
#[derive(Debug, Clone)]
pub struct OrderBy {
    /// The sorted expression.
    pub expr: Expr,
    /// The direction.
    pub direction: Direction,
}

/// One `SET column = value` of an update.
#[derive(Debug, Clone)]
pub struct Assignment {
    /// The column name.
    pub column: &'static str,
    /// The table owning the column.
    pub table: &'static ModelMeta,
    /// The new value.
    pub value: Value,
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_text_is_escaped() {
        assert_eq!(super::escape_like("100%_off\\"), "100\\%\\_off\\\\");
        assert_eq!(super::escape_like("plain"), "plain");
    }
}
