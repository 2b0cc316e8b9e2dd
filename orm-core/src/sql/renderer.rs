//! [`Renderer`]: how a dialect writes statements and expressions. The
//! default methods write the SQL the three backends share; each dialect
//! (`sqlite.rs`, `postgres.rs`, `mysql.rs`) overrides only what it writes
//! differently, as sea-query's backends do.
//!
//! Rendering stops at the first [`BuildError`]: an expression that could
//! not be built, a `LIKE` pattern ending in its escape character.

use crate::error::BuildError;
use crate::expr::{AggregateFn, CmpOp, Direction, Expr, LIKE_ESCAPE, OrderBy};
use crate::model::{ColumnMeta, ModelMeta};
use crate::value::{SqlType, Value};

use super::ast::{
    Conflict, Delete, Insert, InsertMissingPairs, InsertValues, Item, Join, JoinKind, Select,
    Source, Update, Upsert, Where,
};
use super::writer::SqlWriter;

/// The result of writing part of a statement.
pub(super) type Written = Result<(), BuildError>;

/// How one dialect writes SQL.
pub(super) trait Renderer: Sized {
    /// The identifier quote character.
    const QUOTE: char = '"';
    /// Placeholders are numbered (`$1`, `$2`) rather than `?`.
    const NUMBERED: bool = false;
    /// Tables are qualified by their schema.
    const SCHEMAS: bool = true;

    /// An empty writer in this dialect.
    fn writer(&self) -> SqlWriter {
        SqlWriter::new(Self::QUOTE, Self::NUMBERED, Self::SCHEMAS)
    }

    // ---------------------------------------------------------------------
    // Statements

    /// `SELECT items FROM source [joins] [WHERE] [ORDER BY] [LIMIT/OFFSET]`
    fn select(&self, w: &mut SqlWriter, s: &Select<'_>) -> Written {
        let outer = w.set_named(s.joins.iter().filter_map(|j| j.step.alias).collect());
        let written = self.select_body(w, s);
        w.set_named(outer);
        written
    }

    /// The text of [`Renderer::select`], with the statement's named joins
    /// in force.
    fn select_body(&self, w: &mut SqlWriter, s: &Select<'_>) -> Written {
        w.push("SELECT ");
        self.items(w, &s.items);
        for (i, e) in s.projection.iter().enumerate() {
            if i > 0 || !s.items.is_empty() {
                w.push(", ");
            }
            self.expr(w, e)?;
        }
        w.push(" FROM ");
        self.source(w, &s.from)?;
        for join in &s.joins {
            self.join(w, join);
        }
        self.filter(w, s.filter.as_ref())?;
        for (i, e) in s.group_by.iter().enumerate() {
            w.push(if i == 0 { " GROUP BY " } else { ", " });
            self.expr(w, e)?;
        }
        if let Some(h) = s.having {
            w.push(" HAVING ");
            self.expr(w, h)?;
        }
        self.order_by(w, &s.order)?;
        self.limit_offset(w, s.limit, s.offset);
        Ok(())
    }

    /// `INSERT INTO t (..) VALUES (..), (..) [RETURNING ..]`
    fn insert(&self, w: &mut SqlWriter, s: Insert) {
        let meta = s.table;
        let bound = meta.columns.iter().filter(|c| !c.auto).count();
        let (mut values, unbound) = match s.values {
            InsertValues::Bound(values) => (values, false),
            InsertValues::Placeholders => (Vec::new(), true),
        };
        w.reserve(32 + s.rows * bound * 5, values.len());
        w.push("INSERT INTO ");
        w.table(meta);
        w.push(" ");
        if bound == 0 {
            // A model with nothing but its generated key names the key.
            w.column_list(meta.columns.iter().map(|c| c.name));
        } else {
            w.column_list(meta.columns.iter().filter(|c| !c.auto).map(|c| c.name));
        }
        w.push(" VALUES ");
        let first = w.len();
        let mut values = values.drain(..);
        for i in 0..s.rows {
            if i > 0 {
                // Rows of `?` placeholders are all alike: the first, copied.
                if i == 1 && unbound && bound > 0 && w.repeat(first, ", ", s.rows - 1, bound) {
                    break;
                }
                w.push(", ");
            }
            if bound == 0 {
                // Only a generated key: the key asks for its default, so
                // that several rows fit one statement.
                self.default_row(w);
            } else {
                self.insert_row(w, meta, &mut values);
            }
        }
        if s.returning {
            self.returning(w, meta);
        }
    }

    /// An insert meeting existing rows: `ON CONFLICT (..) DO NOTHING` or
    /// `DO UPDATE SET c = excluded.c`, then every column returned.
    fn upsert(&self, w: &mut SqlWriter, s: Upsert) {
        let meta = s.insert.table;
        self.insert(
            w,
            Insert {
                returning: false,
                ..s.insert
            },
        );
        w.push(" ON CONFLICT ");
        w.column_list(s.columns.iter().copied());
        match &s.action {
            Conflict::DoNothing => w.push(" DO NOTHING"),
            Conflict::Update(set) => {
                w.push(" DO UPDATE SET ");
                for (i, c) in set.iter().enumerate() {
                    if i > 0 {
                        w.push(", ");
                    }
                    w.ident(c);
                    w.push(" = excluded.");
                    w.ident(c);
                }
            }
        }
        if s.returning {
            for (i, col) in meta.columns.iter().enumerate() {
                w.push(if i == 0 { " RETURNING " } else { ", " });
                w.ident(col.name);
            }
        }
    }

    /// One row of an insert whose only column is a generated key.
    fn default_row(&self, w: &mut SqlWriter) {
        w.push("(NULL)");
    }

    /// One row's placeholders: `(?, COALESCE(?, <default>))`, a nullable
    /// column with a default taking it for `None`. Each binds the next of
    /// `values`; with none left, the caller binds it.
    fn insert_row(
        &self,
        w: &mut SqlWriter,
        meta: &ModelMeta,
        values: &mut impl Iterator<Item = Value>,
    ) {
        let mut bind = |w: &mut SqlWriter| match values.next() {
            Some(value) => w.bind(value),
            None => w.placeholder(),
        };
        w.push("(");
        for (i, column) in meta.columns.iter().filter(|c| !c.auto).enumerate() {
            if i > 0 {
                w.push(", ");
            }
            match column {
                ColumnMeta {
                    default: Some(default),
                    nullable: true,
                    ..
                } => {
                    w.push("COALESCE(");
                    bind(w);
                    w.push(", ");
                    w.push(default);
                    w.push(")");
                }
                _ => bind(w),
            }
        }
        w.push(")");
    }

    /// ` RETURNING "id", "created_at"`: the columns of `meta` an insert
    /// reads back; nothing when there are none.
    fn returning(&self, w: &mut SqlWriter, meta: &ModelMeta) {
        for (n, col) in meta
            .columns
            .iter()
            .filter(|c| c.filled_by_database())
            .enumerate()
        {
            w.push(if n == 0 { " RETURNING " } else { ", " });
            w.ident(col.name);
        }
    }

    /// Inserts the association pairs not there yet, in one statement; the
    /// rows affected are the pairs added. `ON CONFLICT DO NOTHING` skips
    /// the existing ones.
    fn insert_missing_pairs(&self, w: &mut SqlWriter, s: InsertMissingPairs) {
        w.push("INSERT INTO ");
        w.table(s.table);
        w.push(" ");
        w.column_list([s.left.name, s.right.name].into_iter());
        w.push(" VALUES ");
        for (i, (l, r)) in s.pairs.into_iter().enumerate() {
            if i > 0 {
                w.push(", ");
            }
            w.push("(");
            w.bind(l);
            w.push(", ");
            w.bind(r);
            w.push(")");
        }
        w.push(" ON CONFLICT DO NOTHING");
    }

    /// `UPDATE t SET "a" = ?, ... [WHERE ..]`
    fn update(&self, w: &mut SqlWriter, s: Update<'_>) -> Written {
        w.push("UPDATE ");
        w.table(s.table);
        w.push(" SET ");
        for (i, (column, value)) in s.set.into_iter().enumerate() {
            if i > 0 {
                w.push(", ");
            }
            w.ident(column);
            w.push(" = ");
            w.bind(value);
        }
        self.filter(w, s.filter.as_ref())
    }

    /// `DELETE FROM t [WHERE ..]`
    fn delete(&self, w: &mut SqlWriter, s: &Delete<'_>) -> Written {
        w.push("DELETE FROM ");
        w.table(s.table);
        self.filter(w, s.filter.as_ref())
    }

    // ---------------------------------------------------------------------
    // Clauses

    /// The select list.
    fn items(&self, w: &mut SqlWriter, items: &[Item]) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                w.push(", ");
            }
            match *item {
                Item::Model(meta) => {
                    for (i, col) in meta.columns.iter().enumerate() {
                        if i > 0 {
                            w.push(", ");
                        }
                        w.table(meta);
                        w.push(".");
                        w.ident(col.name);
                    }
                }
                Item::ModelAs(meta, alias) => {
                    for (i, col) in meta.columns.iter().enumerate() {
                        if i > 0 {
                            w.push(", ");
                        }
                        w.ident(alias);
                        w.push(".");
                        w.ident(col.name);
                    }
                }
                Item::Key(meta) => self.key(w, meta),
                Item::Column(c) => w.column(c.table, c.column),
                Item::One => w.push("1"),
                Item::OneAs(alias) => {
                    w.push("1 AS ");
                    w.ident(alias);
                }
                Item::CountAll => w.push("COUNT(*)"),
            }
        }
    }

    /// The primary key of `meta`: its column, or `("a", "b")`.
    fn key(&self, w: &mut SqlWriter, meta: &'static ModelMeta) {
        let composite = meta.primary_key().nth(1).is_some();
        if composite {
            w.push("(");
        }
        for (i, col) in meta.primary_key().enumerate() {
            if i > 0 {
                w.push(", ");
            }
            w.column(meta, col.name);
        }
        if composite {
            w.push(")");
        }
    }

    /// What a select reads from.
    fn source(&self, w: &mut SqlWriter, from: &Source<'_>) -> Written {
        match from {
            Source::Table(meta) => w.table(meta),
            Source::Select(inner, alias) => {
                w.push("(");
                self.select(w, inner)?;
                w.push(") AS ");
                w.ident(alias);
            }
        }
        Ok(())
    }

    /// ` INNER JOIN t ON t.column = existing`
    fn join(&self, w: &mut SqlWriter, join: &Join) {
        w.push(match join.kind {
            JoinKind::Inner => " INNER JOIN ",
            JoinKind::Left => " LEFT JOIN ",
        });
        let step = &join.step;
        w.table(step.table);
        if let Some(alias) = step.alias {
            w.push(" AS ");
            w.ident(alias);
        }
        w.push(" ON ");
        w.column_through(step.table, step.alias, step.column);
        w.push(" = ");
        w.column_through(
            step.existing.table,
            step.existing.alias,
            step.existing.column,
        );
    }

    /// ` WHERE <condition>` when there is one.
    fn filter(&self, w: &mut SqlWriter, filter: Option<&Where<'_>>) -> Written {
        match filter {
            Some(condition) => {
                w.push(" WHERE ");
                self.condition(w, condition)
            }
            None => Ok(()),
        }
    }

    /// A condition.
    fn condition(&self, w: &mut SqlWriter, condition: &Where<'_>) -> Written {
        match condition {
            Where::All(items) => match items.as_slice() {
                [] => w.push("1 = 1"),
                [only] => self.expr(w, only)?,
                items => {
                    w.push("(");
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            w.push(" AND ");
                        }
                        self.expr(w, item)?;
                    }
                    w.push(")");
                }
            },
            Where::Equal {
                table,
                columns,
                qualified,
            } => {
                for (i, (col, value)) in columns.iter().enumerate() {
                    if i > 0 {
                        w.push(" AND ");
                    }
                    if *qualified {
                        w.table(table);
                        w.push(".");
                    }
                    w.ident(col.name);
                    w.push(" = ");
                    w.bind(value.clone());
                }
            }
            Where::KeyIn { table, subquery } => {
                self.key(w, table);
                w.push(" IN (");
                self.select(w, subquery)?;
                w.push(")");
            }
        }
        Ok(())
    }

    /// ` ORDER BY a, b DESC` when there are terms.
    fn order_by(&self, w: &mut SqlWriter, order: &[OrderBy]) -> Written {
        for (i, term) in order.iter().enumerate() {
            w.push(if i == 0 { " ORDER BY " } else { ", " });
            self.expr(w, &term.expr)?;
            if term.direction == Direction::Desc {
                w.push(" DESC");
            }
        }
        Ok(())
    }

    /// `LIMIT` / `OFFSET`, as bind parameters.
    fn limit_offset(&self, w: &mut SqlWriter, limit: Option<u64>, offset: Option<u64>) {
        let limit = match (limit, offset) {
            (None, Some(_)) => self.no_limit(),
            (l, _) => l.map(|l| i64::try_from(l).unwrap_or(i64::MAX)),
        };
        if let Some(l) = limit {
            w.push(" LIMIT ");
            w.bind(Value::I64(l));
        }
        if let Some(o) = offset {
            w.push(" OFFSET ");
            w.bind(Value::I64(i64::try_from(o).unwrap_or(i64::MAX)));
        }
    }

    /// The `LIMIT` an `OFFSET` without one needs (`None`: no `LIMIT`).
    fn no_limit(&self) -> Option<i64> {
        None
    }

    // ---------------------------------------------------------------------
    // Expressions

    /// A subquery over the rows related to the outer row: `head` then
    /// `table alias WHERE alias.inner = outer [AND filter])`, for an
    /// [`Expr::Exists`] (`EXISTS (SELECT 1 FROM `) or its count.
    fn related(&self, w: &mut SqlWriter, head: &str, e: &Expr) -> Written {
        let (table, inner_column, outer, filter) = match e {
            Expr::Exists {
                table,
                inner_column,
                outer,
                filter,
            } => (table, inner_column, outer, filter),
            // A relationship that could not be resolved says why.
            Expr::Invalid(error) => return Err(error.clone()),
            _ => {
                return Err(BuildError::new(
                    "a count of related rows needs a relationship",
                ));
            }
        };
        let alias = w.new_alias(table);
        w.push(head);
        w.table(table);
        w.push(" ");
        w.ident(&alias);
        w.push(" WHERE ");
        w.ident(&alias);
        w.push(".");
        w.ident(inner_column);
        w.push(" = ");
        // The outer column renders before the alias applies: for a
        // self-referential relationship the two are the same table.
        w.column(outer.table, outer.column);
        w.push_alias(table, alias);
        if let Some(f) = filter {
            w.push(" AND ");
            let inner = self.expr(w, f);
            w.pop_alias();
            inner?;
        } else {
            w.pop_alias();
        }
        w.push(")");
        Ok(())
    }

    /// The SQL type an aggregate's result is cast to, so that it decodes
    /// into one Rust type on every backend; `None`: as the server gives it.
    fn aggregate_cast(&self, func: AggregateFn, ty: SqlType) -> Option<&'static str> {
        let _ = (func, ty);
        None
    }

    /// The SQL type an aggregate's argument is cast to first; `None`: as
    /// it is.
    fn aggregate_arg_cast(&self, func: AggregateFn, ty: SqlType) -> Option<&'static str> {
        let _ = (func, ty);
        None
    }

    /// `COUNT(*)`, `SUM(x)`, `COUNT(DISTINCT x)`, cast where the dialect
    /// needs it.
    fn aggregate(
        &self,
        w: &mut SqlWriter,
        func: AggregateFn,
        arg: Option<&Expr>,
        ty: SqlType,
    ) -> Written {
        let cast = self.aggregate_cast(func, ty);
        if cast.is_some() {
            w.push("CAST(");
        }
        w.push(match func {
            AggregateFn::Count | AggregateFn::CountDistinct => "COUNT(",
            AggregateFn::Sum => "SUM(",
            AggregateFn::Avg => "AVG(",
            AggregateFn::Min => "MIN(",
            AggregateFn::Max => "MAX(",
        });
        if func == AggregateFn::CountDistinct {
            w.push("DISTINCT ");
        }
        let arg_cast = self.aggregate_arg_cast(func, ty);
        match arg {
            Some(a) => {
                if arg_cast.is_some() {
                    w.push("CAST(");
                }
                self.expr(w, a)?;
                if let Some(to) = arg_cast {
                    w.push(" AS ");
                    w.push(to);
                    w.push(")");
                }
            }
            None => w.push("*"),
        }
        w.push(")");
        if let Some(to) = cast {
            w.push(" AS ");
            w.push(to);
            w.push(")");
        }
        Ok(())
    }

    /// An expression.
    fn expr(&self, w: &mut SqlWriter, e: &Expr) -> Written {
        match e {
            Expr::Column(c) => w.column_through(c.table, c.alias, c.column),
            Expr::Value(v) => w.bind(v.clone()),
            Expr::Compare(l, op, r) => {
                self.expr(w, l)?;
                w.push(self.operator(*op));
                self.expr(w, r)?;
            }
            Expr::Like {
                expr,
                pattern,
                case_insensitive,
            } => {
                if let Value::String(p) = pattern
                    && ends_with_lone_escape(p)
                {
                    return Err(BuildError::new(format!(
                        "the LIKE pattern {p:?} ends with the escape character `\\`: write `\\\\` for a literal backslash"
                    )));
                }
                if *case_insensitive {
                    self.ilike(w, expr, pattern.clone())?;
                } else {
                    self.expr(w, expr)?;
                    w.push(" LIKE ");
                    w.bind(pattern.clone());
                }
                // One escape character on every backend. Bound, not
                // written: a backslash literal reads differently under
                // MySQL's NO_BACKSLASH_ESCAPES and PostgreSQL's
                // standard_conforming_strings, and SQLite has no default.
                w.push(" ESCAPE ");
                w.bind(Value::String(LIKE_ESCAPE.to_string()));
            }
            Expr::And(items) => self.junction(w, items, " AND ", "1 = 1")?,
            Expr::Or(items) => self.junction(w, items, " OR ", "1 = 0")?,
            Expr::Not(inner) => {
                w.push("NOT (");
                self.expr(w, inner)?;
                w.push(")");
            }
            Expr::IsNull(inner, negated) => {
                self.expr(w, inner)?;
                w.push(if *negated { " IS NOT NULL" } else { " IS NULL" });
            }
            Expr::InList {
                expr,
                values,
                negated,
            } => {
                if values.is_empty() {
                    w.push(if *negated { "1 = 1" } else { "1 = 0" });
                    return Ok(());
                }
                self.in_list(w, expr, values, *negated)?;
            }
            Expr::Between { expr, low, high } => {
                self.expr(w, expr)?;
                w.push(" BETWEEN ");
                w.bind(low.clone());
                w.push(" AND ");
                w.bind(high.clone());
            }
            Expr::Exists { .. } => self.related(w, "EXISTS (SELECT 1 FROM ", e)?,
            Expr::CountOf(inner) => self.related(w, "(SELECT COUNT(*) FROM ", inner)?,
            Expr::Aggregate { func, arg, ty } => self.aggregate(w, *func, arg.as_deref(), *ty)?,
            Expr::InSelect {
                expr,
                table,
                column,
                filter,
            } => {
                self.expr(w, expr)?;
                w.push(" IN (SELECT ");
                w.column(table, column);
                w.push(" FROM ");
                w.table(table);
                w.push(" WHERE ");
                self.expr(w, filter)?;
                w.push(")");
            }
            Expr::AnyOf { expr, ty, values } => {
                if values.is_empty() {
                    w.push("1 = 0");
                } else {
                    self.any_of(w, expr, *ty, values)?;
                }
            }
            Expr::Invalid(error) => return Err(error.clone()),
        }
        Ok(())
    }

    /// The text of a comparison operator, with its spaces.
    fn operator(&self, op: CmpOp) -> &'static str {
        match op {
            CmpOp::Eq => " = ",
            CmpOp::Ne => " <> ",
            CmpOp::Lt => " < ",
            CmpOp::Le => " <= ",
            CmpOp::Gt => " > ",
            CmpOp::Ge => " >= ",
        }
    }

    /// `a AND b` in parentheses; `empty` when there is nothing.
    fn junction(&self, w: &mut SqlWriter, items: &[Expr], sep: &str, empty: &str) -> Written {
        match items {
            [] => w.push(empty),
            [only] => self.expr(w, only)?,
            _ => {
                w.push("(");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        w.push(sep);
                    }
                    self.expr(w, item)?;
                }
                w.push(")");
            }
        }
        Ok(())
    }

    /// `expr IN (?, ?, ...)` of a non-empty list, or `NOT IN` when
    /// `negated`.
    fn in_list(&self, w: &mut SqlWriter, expr: &Expr, values: &[Value], negated: bool) -> Written {
        self.expr(w, expr)?;
        w.push(if negated { " NOT IN (" } else { " IN (" });
        self.list(w, values);
        w.push(")");
        Ok(())
    }

    /// Bound values separated by commas.
    fn list(&self, w: &mut SqlWriter, values: &[Value]) {
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                w.push(", ");
            }
            w.bind(v.clone());
        }
    }

    /// A case-insensitive match: `LOWER(a) LIKE LOWER(?)` with the
    /// dialect's case folding.
    fn ilike(&self, w: &mut SqlWriter, expr: &Expr, pattern: Value) -> Written {
        let fold = self.casefold();
        w.push(fold);
        w.push("(");
        self.expr(w, expr)?;
        w.push(") LIKE ");
        w.push(fold);
        w.push("(");
        w.bind(pattern);
        w.push(")");
        Ok(())
    }

    /// The function folding text to one case for `ilike`.
    fn casefold(&self) -> &'static str {
        "LOWER"
    }

    /// `expr` among a non-empty list of keys: `IN (?, ?, ...)`.
    fn any_of(&self, w: &mut SqlWriter, expr: &Expr, ty: SqlType, values: &[Value]) -> Written {
        let _ = ty;
        self.expr(w, expr)?;
        w.push(" IN (");
        self.list(w, values);
        w.push(")");
        Ok(())
    }
}

/// True when `pattern` ends with an escape character that escapes nothing.
fn ends_with_lone_escape(pattern: &str) -> bool {
    pattern
        .chars()
        .rev()
        .take_while(|c| *c == LIKE_ESCAPE)
        .count()
        % 2
        == 1
}
