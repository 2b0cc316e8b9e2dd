//! Hand-written SQL: its `?` placeholders rewritten into the dialect's
//! form and counted, and whether it holds more than one statement, read
//! with each dialect's own quoting and comment rules.

use std::fmt::Write;

use super::dialect::Dialect;
use crate::value::Value;

/// Hand-written SQL with its `?` placeholders in the dialect's form, and
/// how many there are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawSql {
    /// The text to send: `?` becomes `$1`, `$2`, ... on PostgreSQL.
    pub sql: String,
    /// The number of placeholders.
    pub placeholders: usize,
    /// Text that is neither space nor a comment follows a `;` that ends a
    /// statement: the SQL holds several (a PostgreSQL `BEGIN ATOMIC` body,
    /// whose `;` stay inside one statement, does not count).
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
                    Dialect::Postgres => {
                        let _ = write!(out, "${n}");
                    }
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
    // A PostgreSQL `BEGIN ATOMIC` body holds `;` within one statement.
    if dialect == Dialect::Postgres && sql.to_ascii_uppercase().contains("BEGIN ATOMIC") {
        several = false;
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

/// Hand-written PostgreSQL `sql` with a comment after it naming the type
/// each of `binds` is sent as (`/* parameters: BIGINT, TEXT */`).
///
/// The driver keeps one prepared statement per text on each connection,
/// typed by the parameters it was first sent with; the same text sent
/// later with other types would run with the first ones (a float read as
/// the bits of an integer, a parameter of the wrong length). With the
/// types in the text, each set of types has a prepared statement of its
/// own. The query builder needs none: its values take their columns'
/// types.
pub fn with_parameter_types(mut sql: String, binds: &[Value]) -> String {
    sql.push_str("\n/* parameters: ");
    for (i, value) in binds.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(super::copy::postgres_bind_type(value).unwrap_or("ARRAY"));
    }
    sql.push_str(" */");
    sql
}

/// Whether `sql` only reads, so that it may run on a read replica: its
/// first word (after blanks and comments) is `SELECT`, and it takes no row
/// locks (`FOR UPDATE`, `FOR SHARE`, `LOCK IN SHARE MODE`). A function
/// called by a `SELECT` that writes cannot be seen here: run such
/// statements through `Db::primary`.
pub fn is_read(sql: &str) -> bool {
    let mut rest = sql.trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, r)| r).trim_start();
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, r)| r).trim_start();
        } else {
            break;
        }
    }
    let starts = rest
        .get(..6)
        .is_some_and(|w| w.eq_ignore_ascii_case("SELECT"))
        && !rest[6..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_');
    if !starts {
        return false;
    }
    let upper = rest.to_ascii_uppercase();
    ![
        "FOR UPDATE",
        "FOR SHARE",
        "FOR NO KEY UPDATE",
        "FOR KEY SHARE",
        "LOCK IN SHARE MODE",
    ]
    .iter()
    .any(|lock| upper.contains(lock))
}

#[cfg(test)]
mod read_tests {
    use super::is_read;

    #[test]
    fn reads_are_selects_without_locks() {
        assert!(is_read("SELECT 1"));
        assert!(is_read("  -- note\n/* c */ select * from t"));
        assert!(!is_read("SELECT * FROM t FOR UPDATE"));
        assert!(!is_read("select * from t lock in share mode"));
        assert!(!is_read("INSERT INTO t VALUES (1) RETURNING id"));
        assert!(!is_read(
            "WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x"
        ));
        assert!(!is_read("SELECTED"));
        assert!(!is_read(""));
    }
}
