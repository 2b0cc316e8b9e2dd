//! The only place SQL text is made: rendering of the query AST, the fixed
//! statements of each model, and DDL, per backend dialect.
//!
//! The differences between backends are few and live in [`Dialect`]'s
//! methods and in the per-dialect modules (`postgres`, `mysql`, `sqlite`):
//! identifier quoting, placeholders, `RETURNING`, `LIMIT`/`OFFSET`, column
//! types and the bind limit. Every value is a bind parameter; every
//! identifier is quoted, with the quote character doubled inside it.
//!
//! | what              | SQLite              | PostgreSQL         | MySQL / MariaDB       |
//! |-------------------|---------------------|--------------------|-----------------------|
//! | identifier        | `"users"`           | `"users"`          | `` `users` ``         |
//! | placeholder       | `?`                 | `$1`, `$2`, ...    | `?`                   |
//! | generated key     | `RETURNING "id"`    | `RETURNING "id"`   | `LAST_INSERT_ID()`    |
//! | case-insensitive  | `LOWER(a) LIKE LOWER(?)` | `a ILIKE $1`  | `LOWER(a) LIKE LOWER(?)` |
//!
//! ```
//! use orm_core::Dialect;
//! let mut sql = String::new();
//! Dialect::MySql.write_ident(&mut sql, "odd`name");
//! assert_eq!(sql, "`odd``name`");
//! ```

mod mysql;
mod postgres;
mod sqlite;

pub use sqlite::CASEFOLD as SQLITE_CASEFOLD;

use crate::expr::LIKE_ESCAPE;

use std::fmt::Write;

use crate::expr::{Assignment, Direction, Expr, OrderBy};
use crate::model::{ColumnMeta, JoinStep, Model, ModelMeta, OnDelete, Statements};
use crate::value::{SqlType, Value};

/// A SQL dialect: one per backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dialect {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MySQL and MariaDB.
    MySql,
}

impl Dialect {
    /// Every dialect, in a fixed order (the index of a per-dialect cache).
    pub const ALL: [Dialect; 3] = [Dialect::Sqlite, Dialect::Postgres, Dialect::MySql];

    /// The position of this dialect in [`Dialect::ALL`].
    pub const fn index(self) -> usize {
        match self {
            Dialect::Sqlite => 0,
            Dialect::Postgres => 1,
            Dialect::MySql => 2,
        }
    }

    fn quote(self) -> char {
        match self {
            Dialect::MySql => '`',
            _ => '"',
        }
    }

    /// Writes `ident` quoted, doubling any quote character inside it.
    pub fn write_ident(self, out: &mut String, ident: &str) {
        let q = self.quote();
        out.push(q);
        for ch in ident.chars() {
            if ch == q {
                out.push(q);
            }
            out.push(ch);
        }
        out.push(q);
    }

    /// Writes the placeholder of the `n`th bind parameter (1-based).
    pub fn write_placeholder(self, out: &mut String, n: usize) {
        match self {
            Dialect::Postgres => {
                let _ = write!(out, "${n}");
            }
            _ => out.push('?'),
        }
    }

    /// True when every server of the dialect has `INSERT ... RETURNING`
    /// (MariaDB 10.5 and later has it, MySQL not: a [`Db`](crate::Db)
    /// asks its server).
    pub fn supports_returning(self) -> bool {
        matches!(self, Dialect::Sqlite | Dialect::Postgres)
    }

    /// The most bind parameters one statement may carry.
    pub fn max_binds(self) -> usize {
        match self {
            // SQLITE_MAX_VARIABLE_NUMBER of the bundled SQLite (3.32+).
            Dialect::Sqlite => 32_766,
            Dialect::Postgres | Dialect::MySql => 65_535,
        }
    }

    /// Writes the schema-qualified, quoted table name of `meta`.
    pub fn write_table(self, out: &mut String, meta: &ModelMeta) {
        if let (Some(schema), false) = (meta.schema, self == Dialect::Sqlite) {
            self.write_ident(out, schema);
            out.push('.');
        }
        self.write_ident(out, meta.table);
    }

    fn column_type(self, col: &ColumnMeta) -> String {
        match self {
            Dialect::Sqlite => sqlite::column_type(col),
            Dialect::Postgres => postgres::column_type(col),
            Dialect::MySql => mysql::column_type(col),
        }
    }
}

/// The statements that begin and end a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionSql {
    /// `BEGIN`; with `immediate`, SQLite's `BEGIN IMMEDIATE`, which takes
    /// the write lock up front so that a writer waits (up to the busy
    /// timeout) instead of failing when it meets another writer.
    Begin {
        /// SQLite: take the write lock at once.
        immediate: bool,
    },
    /// `COMMIT`
    Commit,
    /// `ROLLBACK`
    Rollback,
}

/// The text of a transaction statement, the same on every backend.
pub fn transaction_sql(which: TransactionSql) -> &'static str {
    match which {
        TransactionSql::Begin { immediate: true } => "BEGIN IMMEDIATE",
        TransactionSql::Begin { immediate: false } => "BEGIN",
        TransactionSql::Commit => "COMMIT",
        TransactionSql::Rollback => "ROLLBACK",
    }
}

/// SQL text and its bind parameters, built together so that placeholders
/// are numbered in the order values are pushed.
#[derive(Debug)]
pub struct SqlWriter {
    /// The dialect being written.
    pub dialect: Dialect,
    /// The SQL so far.
    pub sql: String,
    /// The bind parameters so far.
    pub binds: Vec<Value>,
    /// Tables renamed in the current subquery: their columns render with
    /// the alias.
    aliases: Vec<(&'static ModelMeta, String)>,
    /// The first expression that could not be rendered.
    error: Option<String>,
}

impl SqlWriter {
    /// An empty writer.
    pub fn new(dialect: Dialect) -> Self {
        SqlWriter {
            dialect,
            sql: String::with_capacity(128),
            binds: Vec::new(),
            aliases: Vec::new(),
            error: None,
        }
    }

    /// Fails with the first expression that could not be rendered.
    pub fn check(&self) -> crate::Result<()> {
        match &self.error {
            Some(message) => Err(crate::Error::Config(message.clone())),
            None => Ok(()),
        }
    }

    /// Appends `table.column`, with the table's alias when it has one here.
    pub fn column(&mut self, table: &'static ModelMeta, column: &str) {
        match self.aliases.iter().rev().find(|(m, _)| m.is(table)) {
            Some((_, alias)) => {
                let alias = alias.clone();
                self.ident(&alias);
            }
            None => self.table(table),
        }
        self.sql.push('.');
        self.ident(column);
    }

    /// Appends raw SQL text (only ever text of this module's making).
    pub fn push(&mut self, s: &str) {
        self.sql.push_str(s);
    }

    /// Appends a quoted identifier.
    pub fn ident(&mut self, ident: &str) {
        self.dialect.write_ident(&mut self.sql, ident);
    }

    /// Appends a quoted table name.
    pub fn table(&mut self, meta: &ModelMeta) {
        self.dialect.write_table(&mut self.sql, meta);
    }

    /// Appends a placeholder and records its value.
    pub fn bind(&mut self, value: Value) {
        self.binds.push(value);
        self.dialect
            .write_placeholder(&mut self.sql, self.binds.len());
    }

    /// Appends an expression.
    pub fn expr(&mut self, e: &Expr) {
        match e {
            Expr::Column(c) => self.column(c.table, c.column),
            Expr::Exists {
                table,
                inner_column,
                outer,
                filter,
            } => {
                let alias = format!("{}_{}", table.table, self.aliases.len() + 1);
                self.push("EXISTS (SELECT 1 FROM ");
                self.table(table);
                self.push(" ");
                self.ident(&alias);
                self.push(" WHERE ");
                self.ident(&alias);
                self.push(".");
                self.ident(inner_column);
                self.push(" = ");
                // The outer column renders before the alias applies: for a
                // self-referential relationship the two are the same table.
                self.column(outer.table, outer.column);
                self.aliases.push((table, alias));
                if let Some(f) = filter {
                    self.push(" AND ");
                    self.expr(f);
                }
                self.aliases.pop();
                self.push(")");
            }
            Expr::InSelect {
                expr,
                table,
                column,
                filter,
            } => {
                self.expr(expr);
                self.push(" IN (SELECT ");
                self.column(table, column);
                self.push(" FROM ");
                self.table(table);
                self.push(" WHERE ");
                self.expr(filter);
                self.push(")");
            }
            Expr::AnyOf { expr, ty, values } => {
                let array = self.dialect == Dialect::Postgres
                    && matches!(
                        ty,
                        SqlType::SmallInt
                            | SqlType::Int
                            | SqlType::BigInt
                            | SqlType::Text
                            | SqlType::Uuid
                    );
                if values.is_empty() {
                    self.push("1 = 0");
                } else if array {
                    self.expr(expr);
                    self.push(" = ANY(");
                    self.bind(Value::Array(*ty, values.clone()));
                    self.push(")");
                } else {
                    self.expr(expr);
                    self.push(" IN (");
                    for (i, v) in values.iter().enumerate() {
                        if i > 0 {
                            self.push(", ");
                        }
                        self.bind(v.clone());
                    }
                    self.push(")");
                }
            }
            Expr::Invalid(message) => {
                self.error.get_or_insert_with(|| message.clone());
                self.push("1 = 0");
            }
            Expr::Value(v) => self.bind(v.clone()),
            Expr::Compare(l, op, r) => {
                self.expr(l);
                self.push(op.sql());
                self.expr(r);
            }
            Expr::Like {
                expr,
                pattern,
                case_insensitive,
            } => {
                if let Value::String(p) = pattern
                    && ends_with_lone_escape(p)
                {
                    self.error.get_or_insert_with(|| {
                        format!(
                            "the LIKE pattern {p:?} ends with the escape character `\\`: write `\\\\` for a literal backslash"
                        )
                    });
                }
                match (case_insensitive, self.dialect) {
                    (false, _) => {
                        self.expr(expr);
                        self.push(" LIKE ");
                        self.bind(pattern.clone());
                    }
                    (true, Dialect::Postgres) => {
                        self.expr(expr);
                        self.push(" ILIKE ");
                        self.bind(pattern.clone());
                    }
                    (true, dialect) => {
                        // SQLite's lower() folds ASCII only: the ORM
                        // registers a Unicode one on its connections.
                        let fold = match dialect {
                            Dialect::Sqlite => SQLITE_CASEFOLD,
                            _ => "LOWER",
                        };
                        self.push(fold);
                        self.push("(");
                        self.expr(expr);
                        self.push(") LIKE ");
                        self.push(fold);
                        self.push("(");
                        self.bind(pattern.clone());
                        self.push(")");
                    }
                }
                // One escape character on every backend. Bound, not
                // written: a backslash literal reads differently under
                // MySQL's NO_BACKSLASH_ESCAPES and PostgreSQL's
                // standard_conforming_strings, and SQLite has no default.
                self.push(" ESCAPE ");
                self.bind(Value::String(LIKE_ESCAPE.to_string()));
            }
            Expr::And(items) => self.junction(items, " AND ", "1 = 1"),
            Expr::Or(items) => self.junction(items, " OR ", "1 = 0"),
            Expr::Not(inner) => {
                self.push("NOT (");
                self.expr(inner);
                self.push(")");
            }
            Expr::IsNull(inner, negated) => {
                self.expr(inner);
                self.push(if *negated { " IS NOT NULL" } else { " IS NULL" });
            }
            Expr::InList {
                expr,
                values,
                negated,
            } => {
                if values.is_empty() {
                    self.push(if *negated { "1 = 1" } else { "1 = 0" });
                    return;
                }
                self.expr(expr);
                self.push(if *negated { " NOT IN (" } else { " IN (" });
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    self.bind(v.clone());
                }
                self.push(")");
            }
            Expr::Between { expr, low, high } => {
                self.expr(expr);
                self.push(" BETWEEN ");
                self.bind(low.clone());
                self.push(" AND ");
                self.bind(high.clone());
            }
        }
    }

    fn junction(&mut self, items: &[Expr], sep: &str, empty: &str) {
        match items {
            [] => self.push(empty),
            [only] => self.expr(only),
            _ => {
                self.push("(");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.push(sep);
                    }
                    self.expr(item);
                }
                self.push(")");
            }
        }
    }

    /// Appends ` <keyword> table ON table.column = existing`, `keyword`
    /// being `INNER JOIN` or `LEFT JOIN`.
    pub(crate) fn join(&mut self, step: &JoinStep, keyword: &str) {
        self.push(" ");
        self.push(keyword);
        self.push(" ");
        self.table(step.table);
        self.push(" ON ");
        self.column(step.table, step.column);
        self.push(" = ");
        self.column(step.existing.table, step.existing.column);
    }

    /// Appends ` WHERE <filter>` when there is a filter.
    pub fn where_clause(&mut self, filter: Option<&Expr>) {
        if let Some(f) = filter {
            self.push(" WHERE ");
            self.expr(f);
        }
    }

    /// Appends ` ORDER BY ...` when there are terms.
    pub fn order_by(&mut self, order: &[OrderBy]) {
        for (i, term) in order.iter().enumerate() {
            self.push(if i == 0 { " ORDER BY " } else { ", " });
            self.expr(&term.expr);
            if term.direction == Direction::Desc {
                self.push(" DESC");
            }
        }
    }

    /// Appends `LIMIT` / `OFFSET` as bind parameters.
    pub fn limit_offset(&mut self, limit: Option<u64>, offset: Option<u64>) {
        let limit = match (limit, offset, self.dialect) {
            (None, Some(_), Dialect::Sqlite) => Some(-1),
            (None, Some(_), Dialect::MySql) => Some(i64::MAX),
            (l, _, _) => l.map(|l| i64::try_from(l).unwrap_or(i64::MAX)),
        };
        if let Some(l) = limit {
            self.push(" LIMIT ");
            self.bind(Value::I64(l));
        }
        if let Some(o) = offset {
            self.push(" OFFSET ");
            self.bind(Value::I64(i64::try_from(o).unwrap_or(i64::MAX)));
        }
    }

    /// Appends `"col" = <placeholder>` for each assignment, comma-separated.
    pub fn assignments(&mut self, set: &[Assignment]) {
        for (i, a) in set.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.ident(a.column);
            self.push(" = ");
            self.bind(a.value.clone());
        }
    }

    /// Appends `("a", "b") ` - a parenthesised, quoted column list.
    fn column_list<'a>(&mut self, names: impl Iterator<Item = &'a str>) {
        self.push("(");
        for (i, name) in names.enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.ident(name);
        }
        self.push(")");
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

/// Writes the select list of `meta` with columns qualified by `qualifier`
/// (the table itself when `None`).
pub fn write_select_list(
    out: &mut String,
    dialect: Dialect,
    meta: &ModelMeta,
    qualifier: Option<&str>,
) {
    for (i, col) in meta.columns.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        match qualifier {
            Some(q) => dialect.write_ident(out, q),
            None => dialect.write_table(out, meta),
        }
        out.push('.');
        dialect.write_ident(out, col.name);
    }
}

fn key_condition(w: &mut SqlWriter, meta: &ModelMeta, qualified: bool) {
    for (i, col) in meta.primary_key().enumerate() {
        w.push(if i == 0 { " WHERE " } else { " AND " });
        if qualified {
            w.table(meta);
            w.push(".");
        }
        w.ident(col.name);
        w.push(" = ");
        w.bind(Value::Null(col.sql_type));
    }
}

/// Appends one row's placeholders for an insert: `(?, COALESCE(?, now()))`.
pub fn write_insert_row(w: &mut SqlWriter, meta: &ModelMeta, values: impl Iterator<Item = Value>) {
    if meta.columns.iter().all(|c| c.auto) {
        // Only a generated key: the key column asks for its default, so
        // that several rows fit one statement.
        w.push(match w.dialect {
            Dialect::Postgres => "(DEFAULT)",
            _ => "(NULL)",
        });
        return;
    }
    w.push("(");
    let mut cols = meta.columns.iter().filter(|c| !c.auto);
    for (i, value) in values.enumerate() {
        if i > 0 {
            w.push(", ");
        }
        match cols.next() {
            Some(ColumnMeta {
                default: Some(default),
                nullable: true,
                ..
            }) => {
                w.push("COALESCE(");
                w.bind(value);
                w.push(", ");
                w.push(default);
                w.push(")");
            }
            _ => w.bind(value),
        }
    }
    w.push(")");
}

/// Writes `INSERT INTO "t" ("a", "b") VALUES ` for `meta`.
pub fn write_insert_head(w: &mut SqlWriter, meta: &ModelMeta) {
    w.push("INSERT INTO ");
    w.table(meta);
    w.push(" ");
    if meta.columns.iter().all(|c| c.auto) {
        // A model with nothing but its generated key names the key.
        w.column_list(meta.columns.iter().map(|c| c.name));
    } else {
        w.column_list(meta.columns.iter().filter(|c| !c.auto).map(|c| c.name));
    }
    w.push(" VALUES ");
}

/// ` RETURNING "id", "created_at"`: the columns of `meta` an insert reads
/// back ([`ColumnMeta::filled_by_database`]), with their positions; empty
/// when there are none.
fn returning_clause(meta: &ModelMeta, dialect: Dialect) -> (String, Vec<usize>) {
    let returned: Vec<usize> = meta
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.filled_by_database())
        .map(|(i, _)| i)
        .collect();
    let mut w = SqlWriter::new(dialect);
    for (n, &i) in returned.iter().enumerate() {
        w.push(if n == 0 { " RETURNING " } else { ", " });
        w.ident(meta.columns[i].name);
    }
    (w.sql, returned)
}

/// ` AND "version" = ?` for a versioned model.
fn version_condition(w: &mut SqlWriter, meta: &ModelMeta) {
    if let Some((_, col)) = meta.version_column() {
        w.push(" AND ");
        w.ident(col.name);
        w.push(" = ");
        w.bind(Value::Null(col.sql_type));
    }
}

/// The fixed statements of `M` in `dialect`, rendered on first use and kept
/// in the model's cache.
#[inline]
pub(crate) fn statements<M: Model>(dialect: Dialect) -> &'static Statements {
    M::__cache().get_or_init(dialect.index(), || model_statements(M::META, dialect))
}

pub(crate) fn model_statements(meta: &'static ModelMeta, dialect: Dialect) -> Statements {
    let mut select_list = String::new();
    write_select_list(&mut select_list, dialect, meta, None);

    let mut select_all = format!("SELECT {select_list} FROM ");
    dialect.write_table(&mut select_all, meta);

    let mut find = SqlWriter::new(dialect);
    find.push(&select_all);
    key_condition(&mut find, meta, true);

    let insert_columns = meta.columns.iter().filter(|c| !c.auto).count();
    let mut head = SqlWriter::new(dialect);
    write_insert_head(&mut head, meta);
    let insert_head = head.sql.clone();
    let mut one = head;
    write_insert_row(
        &mut one,
        meta,
        meta.columns
            .iter()
            .filter(|c| !c.auto)
            .map(|c| Value::Null(c.sql_type)),
    );
    let (returning, returned) = returning_clause(meta, dialect);
    let insert_one_returning = format!("{}{returning}", one.sql);

    let mut update = SqlWriter::new(dialect);
    let non_key: Vec<&ColumnMeta> = meta.columns.iter().filter(|c| !c.primary_key).collect();
    if !non_key.is_empty() {
        update.push("UPDATE ");
        update.table(meta);
        update.push(" SET ");
        for (i, col) in non_key.iter().enumerate() {
            if i > 0 {
                update.push(", ");
            }
            update.ident(col.name);
            update.push(" = ");
            update.bind(Value::Null(col.sql_type));
        }
        key_condition(&mut update, meta, false);
        version_condition(&mut update, meta);
    }

    let mut delete = SqlWriter::new(dialect);
    delete.push("DELETE FROM ");
    delete.table(meta);
    key_condition(&mut delete, meta, false);
    version_condition(&mut delete, meta);

    let mut exists = SqlWriter::new(dialect);
    exists.push("SELECT 1 FROM ");
    exists.table(meta);
    key_condition(&mut exists, meta, false);

    Statements {
        select_list,
        select_all,
        find_by_key: find.sql,
        insert_head,
        insert_columns,
        insert_one: one.sql,
        insert_one_returning,
        returning,
        returned,
        update_by_key: update.sql,
        delete_by_key: delete.sql,
        exists_by_key: exists.sql,
        coarsened: meta
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| matches!(c.sql_type, SqlType::DateTime | SqlType::DateTimeUtc))
            .map(|(i, _)| i)
            .collect(),
    }
}

/// Hand-written SQL with its `?` placeholders in the dialect's form, and
/// how many there are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawSql {
    /// The text to send: `?` becomes `$1`, `$2`, ... on PostgreSQL.
    pub sql: String,
    /// The number of placeholders.
    pub placeholders: usize,
    /// Text that is neither space nor a comment follows a `;` that ends a
    /// statement: the SQL holds several.
    pub several_statements: bool,
    /// A numbered placeholder (`?1`), which only SQLite would read.
    pub numbered: bool,
}

/// Rewrites the `?` placeholders of hand-written SQL into the dialect's
/// form and counts them. A `?` inside a string, a quoted identifier, a
/// comment or (on PostgreSQL) a dollar-quoted body is text, not a
/// placeholder; each dialect's own quoting and comment rules apply.
///
pub fn rewrite_placeholders(sql: &str, dialect: Dialect) -> RawSql {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    let mut i = 0;
    // A `;` ended a statement; anything but space, comments and more `;`
    // after it is a second one.
    let mut ended = false;
    let mut several = false;
    let mut numbered = false;
    let line_end = |from: usize| {
        chars[from..]
            .iter()
            .position(|&ch| ch == '\n')
            .map_or(chars.len(), |p| from + p + 1)
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        // Where the token starting at `i` ends, and whether it is space, a
        // comment or a `;` (which never make a statement).
        let (end, trivia) = match c {
            '\'' => {
                // PostgreSQL's E'..' strings and MySQL's strings take
                // backslash escapes.
                let backslash = dialect == Dialect::MySql
                    || (dialect == Dialect::Postgres
                        && i > 0
                        && matches!(chars[i - 1], 'e' | 'E')
                        && (i < 2 || !chars[i - 2].is_alphanumeric()));
                (quoted_end(&chars, i, '\'', backslash), false)
            }
            '"' => (quoted_end(&chars, i, '"', dialect == Dialect::MySql), false),
            '`' if dialect != Dialect::Postgres => (quoted_end(&chars, i, '`', false), false),
            '[' if dialect == Dialect::Sqlite => (
                chars[i..]
                    .iter()
                    .position(|&ch| ch == ']')
                    .map_or(chars.len(), |p| i + p + 1),
                false,
            ),
            '-' if next == Some('-')
                && (dialect != Dialect::MySql
                    || chars.get(i + 2).is_none_or(|ch| ch.is_whitespace())) =>
            {
                (line_end(i), true)
            }
            '#' if dialect == Dialect::MySql => (line_end(i), true),
            '/' if next == Some('*') => (
                block_comment_end(&chars, i, dialect == Dialect::Postgres),
                true,
            ),
            '$' if dialect == Dialect::Postgres => {
                (dollar_quote_end(&chars, i).unwrap_or(i + 1), false)
            }
            '?' => {
                several |= ended;
                numbered |= next.is_some_and(|c| c.is_ascii_digit());
                n += 1;
                match dialect {
                    Dialect::Postgres => dialect.write_placeholder(&mut out, n),
                    _ => out.push('?'),
                }
                i += 1;
                continue;
            }
            ';' => {
                ended = true;
                (i + 1, true)
            }
            c => (i + 1, c.is_whitespace()),
        };
        several |= ended && !trivia;
        out.extend(&chars[i..end.min(chars.len())]);
        i = end;
    }
    RawSql {
        sql: out,
        placeholders: n,
        several_statements: several,
        numbered,
    }
}

/// The end (exclusive) of the quoted text starting at `start`; a doubled
/// quote is a quote, and with `backslash` so is `\<quote>`.
fn quoted_end(chars: &[char], start: usize, quote: char, backslash: bool) -> usize {
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if backslash => i += 2,
            c if c == quote => {
                if chars.get(i + 1) == Some(&quote) {
                    i += 2;
                } else {
                    return i + 1;
                }
            }
            _ => i += 1,
        }
    }
    chars.len()
}

/// The end of the `/* .. */` comment starting at `start`; PostgreSQL's
/// nest.
fn block_comment_end(chars: &[char], start: usize, nested: bool) -> usize {
    let mut depth = 0;
    let mut i = start;
    while i + 1 < chars.len() {
        match (chars[i], chars[i + 1]) {
            ('/', '*') if nested || depth == 0 => {
                depth += 1;
                i += 2;
            }
            ('*', '/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    chars.len()
}

/// The end of the PostgreSQL dollar-quoted body `$tag$ .. $tag$` starting
/// at `start`; `None` when `$` does not open one (`$1`, an identifier's
/// `$`).
fn dollar_quote_end(chars: &[char], start: usize) -> Option<usize> {
    if start > 0 && (chars[start - 1].is_alphanumeric() || chars[start - 1] == '_') {
        return None;
    }
    let mut i = start + 1;
    while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
        i += 1;
    }
    if chars.get(i) != Some(&'$') || chars.get(start + 1).is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    let tag = &chars[start..=i];
    let body = i + 1;
    (body..chars.len())
        .find(|&j| chars[j..].starts_with(tag))
        .map(|j| j + tag.len())
        .or(Some(chars.len()))
}

// ---------------------------------------------------------------------------
// DDL

fn on_delete_sql(action: OnDelete) -> Option<&'static str> {
    match action {
        OnDelete::NoAction => None,
        OnDelete::Cascade => Some("CASCADE"),
        OnDelete::SetNull => Some("SET NULL"),
        OnDelete::Restrict => Some("RESTRICT"),
    }
}

/// The name of the unique constraint on `column`.
pub fn unique_name(meta: &ModelMeta, column: &str) -> String {
    format!("{}_{}_key", meta.table, column)
}

/// The name of the index on `column`.
pub fn index_name(meta: &ModelMeta, column: &str) -> String {
    format!("ix_{}_{}", meta.table, column)
}

/// The name of the foreign key on `column`.
pub fn foreign_key_name(meta: &ModelMeta, column: &str) -> String {
    format!("fk_{}_{}", meta.table, column)
}

/// The collation `create_all` gives MySQL 8 tables: binary and NO PAD, so
/// that text compares case- and trailing-space-sensitively, as on
/// PostgreSQL and SQLite.
pub const MYSQL_TEXT_COLLATION: &str = "utf8mb4_0900_bin";

/// MariaDB's name for the binary NO PAD collation of
/// [`MYSQL_TEXT_COLLATION`].
pub const MARIADB_TEXT_COLLATION: &str = "utf8mb4_nopad_bin";

/// The statements creating `meta`'s table and indexes, if missing.
/// `also_unique` names columns made unique by a relationship elsewhere (the
/// key of a has_one's target). On MySQL, `mariadb` picks the server's
/// name for the default text collation.
pub fn create_table(
    meta: &'static ModelMeta,
    dialect: Dialect,
    also_unique: &[&str],
    mariadb: bool,
) -> crate::Result<Vec<String>> {
    let mut w = SqlWriter::new(dialect);
    w.push("CREATE TABLE IF NOT EXISTS ");
    w.table(meta);
    w.push(" (\n");
    let pk: Vec<&ColumnMeta> = meta.primary_key().collect();
    let inline_pk = pk.len() == 1 && pk[0].auto;
    let mut first = true;
    let mut sep = |w: &mut SqlWriter| {
        if !std::mem::take(&mut first) {
            w.push(",\n");
        }
        w.push("  ");
    };
    for col in meta.columns {
        sep(&mut w);
        w.ident(col.name);
        w.push(" ");
        if col.auto {
            w.push(&match dialect {
                Dialect::Sqlite => sqlite::auto_key(col),
                Dialect::Postgres => postgres::auto_key(col),
                Dialect::MySql => mysql::auto_key(col),
            });
            continue;
        }
        w.push(&dialect.column_type(col));
        if let Some(collation) = col.collation {
            w.push(" COLLATE ");
            w.ident(collation);
        }
        w.push(if col.nullable { " NULL" } else { " NOT NULL" });
        if let Some(default) = col.default {
            w.push(" DEFAULT ");
            w.push(default);
        }
    }
    if !inline_pk && !pk.is_empty() {
        sep(&mut w);
        w.push("PRIMARY KEY ");
        w.column_list(pk.iter().map(|c| c.name));
    }
    for col in meta.columns.iter().filter(|c| {
        (c.unique || also_unique.contains(&c.name)) && !(c.primary_key && pk.len() == 1)
    }) {
        sep(&mut w);
        w.push("CONSTRAINT ");
        w.ident(&unique_name(meta, col.name));
        w.push(" UNIQUE ");
        w.column_list(std::iter::once(col.name));
    }
    for col in meta.columns {
        let Some(fk) = &col.references else { continue };
        let target = (fk.target)();
        let referenced = ModelMeta::referenced_column(fk)?;
        sep(&mut w);
        w.push("CONSTRAINT ");
        w.ident(&foreign_key_name(meta, col.name));
        w.push(" FOREIGN KEY ");
        w.column_list(std::iter::once(col.name));
        w.push(" REFERENCES ");
        w.table(target);
        w.push(" ");
        w.column_list(std::iter::once(referenced.name));
        if let Some(action) = on_delete_sql(fk.on_delete) {
            w.push(" ON DELETE ");
            w.push(action);
        }
    }
    let indexed = meta
        .columns
        .iter()
        .filter(|c| c.index && !c.unique && !c.primary_key);
    if dialect == Dialect::MySql {
        // MySQL has no `CREATE INDEX IF NOT EXISTS`: indexes go in the table body.
        for col in indexed.clone() {
            sep(&mut w);
            w.push("INDEX ");
            w.ident(&index_name(meta, col.name));
            w.push(" ");
            w.column_list(std::iter::once(col.name));
        }
    }
    w.push("\n)");
    if dialect == Dialect::MySql {
        w.push(" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=");
        w.push(if mariadb {
            MARIADB_TEXT_COLLATION
        } else {
            MYSQL_TEXT_COLLATION
        });
    }
    let mut out = vec![w.sql];
    if dialect != Dialect::MySql {
        for col in indexed {
            let mut w = SqlWriter::new(dialect);
            w.push("CREATE INDEX IF NOT EXISTS ");
            w.ident(&index_name(meta, col.name));
            w.push(" ON ");
            w.table(meta);
            w.push(" ");
            w.column_list(std::iter::once(col.name));
            out.push(w.sql);
        }
    }
    Ok(out)
}

/// The statement creating a schema (a database on MySQL), if missing.
pub fn create_schema(schema: &str, dialect: Dialect) -> Option<String> {
    let mut w = SqlWriter::new(dialect);
    match dialect {
        Dialect::Sqlite => return None,
        Dialect::Postgres => w.push("CREATE SCHEMA IF NOT EXISTS "),
        Dialect::MySql => w.push("CREATE DATABASE IF NOT EXISTS "),
    }
    w.ident(schema);
    Some(w.sql)
}

/// The statement dropping `meta`'s table, if present.
pub fn drop_table(meta: &ModelMeta, dialect: Dialect) -> String {
    let mut w = SqlWriter::new(dialect);
    w.push("DROP TABLE IF EXISTS ");
    w.table(meta);
    w.sql
}

/// Inserts the `(left, right)` pairs that are not in `assoc` yet, in one
/// statement; the rows affected are the pairs added.
///
/// PostgreSQL and SQLite skip existing pairs with `ON CONFLICT DO
/// NOTHING`. MySQL's `INSERT IGNORE` would also swallow foreign key
/// errors, so it selects the missing pairs instead.
pub fn insert_missing_pairs(
    dialect: Dialect,
    assoc: &'static ModelMeta,
    left: &ColumnMeta,
    right: &ColumnMeta,
    pairs: Vec<(Value, Value)>,
) -> SqlWriter {
    let mut w = SqlWriter::new(dialect);
    w.push("INSERT INTO ");
    w.table(assoc);
    w.push(" ");
    w.column_list([left.name, right.name].into_iter());
    if dialect == Dialect::MySql {
        w.push(" SELECT ");
        w.ident("v");
        w.push(".");
        w.ident(left.name);
        w.push(", ");
        w.ident("v");
        w.push(".");
        w.ident(right.name);
        w.push(" FROM (");
        for (i, (l, r)) in pairs.into_iter().enumerate() {
            if i == 0 {
                w.push("SELECT ");
                w.bind(l);
                w.push(" AS ");
                w.ident(left.name);
                w.push(", ");
                w.bind(r);
                w.push(" AS ");
                w.ident(right.name);
            } else {
                w.push(" UNION ALL SELECT ");
                w.bind(l);
                w.push(", ");
                w.bind(r);
            }
        }
        w.push(") AS ");
        w.ident("v");
        w.push(" WHERE NOT EXISTS (SELECT 1 FROM ");
        w.table(assoc);
        w.push(" AS ");
        w.ident("e");
        w.push(" WHERE ");
        for (i, name) in [left.name, right.name].into_iter().enumerate() {
            if i > 0 {
                w.push(" AND ");
            }
            w.ident("e");
            w.push(".");
            w.ident(name);
            w.push(" = ");
            w.ident("v");
            w.push(".");
            w.ident(name);
        }
        w.push(")");
    } else {
        w.push(" VALUES ");
        for (i, (l, r)) in pairs.into_iter().enumerate() {
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
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_placeholders_skip_strings_names_comments_and_dollar_bodies() {
        let raw = rewrite_placeholders(
            "SELECT '?', \"a?\", $$ ? $$ FROM t -- ?\nWHERE x = ? /* ? */ AND y = ?",
            Dialect::Postgres,
        );
        assert_eq!(
            raw.sql,
            "SELECT '?', \"a?\", $$ ? $$ FROM t -- ?\nWHERE x = $1 /* ? */ AND y = $2"
        );
        assert_eq!(raw.placeholders, 2);
        assert!(!raw.several_statements);
        assert!(rewrite_placeholders("SELECT 1; SELECT 2", Dialect::MySql).several_statements);
        assert!(!rewrite_placeholders("SELECT 1; -- done\n", Dialect::MySql).several_statements);
        assert!(rewrite_placeholders("SELECT ?1", Dialect::Sqlite).numbered);
    }
}
