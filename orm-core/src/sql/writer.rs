//! [`SqlWriter`]: SQL text and its bind parameters, written together so
//! that placeholders are numbered in the order values are bound. Only the
//! renderers of this layer write to it.

use std::fmt::Write;

use crate::model::ModelMeta;
use crate::value::Value;

/// A rendered statement: its text and the values of its placeholders, in
/// order.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// The SQL text.
    pub sql: String,
    /// The bind parameters.
    pub binds: Vec<Value>,
}

/// SQL text under construction, in one dialect's quoting and placeholders.
#[derive(Debug)]
pub(super) struct SqlWriter {
    /// The identifier quote character.
    quote: char,
    /// Placeholders are numbered (`$1`) rather than `?`.
    numbered: bool,
    /// Tables are qualified by their schema.
    schemas: bool,
    sql: String,
    binds: Vec<Value>,
    /// Placeholders written for values the caller binds (see
    /// [`SqlWriter::placeholder`]).
    unbound: usize,
    /// Tables renamed in the current subquery: their columns render with
    /// the alias.
    aliases: Vec<(&'static ModelMeta, String)>,
    /// The joins of the statement being written that go by a name.
    named: Vec<&'static str>,
}

impl SqlWriter {
    /// An empty writer.
    pub(super) fn new(quote: char, numbered: bool, schemas: bool) -> Self {
        SqlWriter {
            quote,
            numbered,
            schemas,
            sql: String::with_capacity(128),
            binds: Vec::new(),
            unbound: 0,
            aliases: Vec::new(),
            named: Vec::new(),
        }
    }

    /// The statement written.
    pub(super) fn finish(self) -> Rendered {
        Rendered {
            sql: self.sql,
            binds: self.binds,
        }
    }

    /// Makes room for `text` more bytes and `binds` more values.
    pub(super) fn reserve(&mut self, text: usize, binds: usize) {
        self.sql.reserve(text);
        self.binds.reserve(binds);
    }

    /// Appends SQL text of this layer's making.
    pub(super) fn push(&mut self, s: &str) {
        self.sql.push_str(s);
    }

    /// Appends a quoted identifier, doubling any quote character inside.
    pub(super) fn ident(&mut self, ident: &str) {
        let q = self.quote;
        debug_assert!(q.is_ascii(), "identifier quotes are ASCII");
        self.sql.push(q);
        if ident.as_bytes().contains(&(q as u8)) {
            for ch in ident.chars() {
                if ch == q {
                    self.sql.push(q);
                }
                self.sql.push(ch);
            }
        } else {
            // The usual case, copied whole.
            self.sql.push_str(ident);
        }
        self.sql.push(q);
    }

    /// Appends the quoted table name of `meta`, qualified by its schema
    /// where the dialect has schemas.
    pub(super) fn table(&mut self, meta: &ModelMeta) {
        self.qualified(meta.schema, meta.table);
    }

    /// Appends the quoted `name`, qualified by `schema` where the dialect
    /// has schemas.
    pub(super) fn qualified(&mut self, schema: Option<&str>, name: &str) {
        if let (Some(schema), true) = (schema, self.schemas) {
            self.ident(schema);
            self.sql.push('.');
        }
        self.ident(name);
    }

    /// Appends `table.column`, with the table's alias when it has one here.
    pub(super) fn column(&mut self, table: &'static ModelMeta, column: &str) {
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

    /// Appends `alias.column` when the statement has a join named
    /// `alias`, else `table.column`.
    pub(super) fn column_through(
        &mut self,
        table: &'static ModelMeta,
        alias: Option<&'static str>,
        column: &str,
    ) {
        match alias {
            Some(a) if self.named.contains(&a) => {
                self.ident(a);
                self.sql.push('.');
                self.ident(column);
            }
            _ => self.column(table, column),
        }
    }

    /// The named joins of a statement about to be written; returns those
    /// of the statement around it, to restore after.
    pub(super) fn set_named(&mut self, named: Vec<&'static str>) -> Vec<&'static str> {
        std::mem::replace(&mut self.named, named)
    }

    /// Appends a placeholder and records its value.
    pub(super) fn bind(&mut self, value: Value) {
        debug_assert_eq!(self.unbound, 0, "a statement binds all its values or none");
        self.binds.push(value);
        self.mark(self.binds.len());
    }

    /// Appends a placeholder whose value the caller binds, in the order
    /// the placeholders are written (a statement binds all its values or
    /// none).
    pub(super) fn placeholder(&mut self) {
        debug_assert!(
            self.binds.is_empty(),
            "a statement binds all its values or none"
        );
        self.unbound += 1;
        self.mark(self.unbound);
    }

    /// Appends `times` copies of the text written since byte `from`, each
    /// after `sep`, when that text holds `placeholders` placeholders whose
    /// values the caller binds and they are not numbered (a copy of `$1`
    /// would be wrong); false, writing nothing, otherwise.
    pub(super) fn repeat(
        &mut self,
        from: usize,
        sep: &str,
        times: usize,
        placeholders: usize,
    ) -> bool {
        if self.numbered || !self.binds.is_empty() {
            return false;
        }
        let one = self.sql.len() - from;
        self.sql.reserve((one + sep.len()) * times);
        // Doubling: each copy takes as many of the copies so far as are
        // still wanted.
        let (mut written, mut left) = (1, times);
        while left > 0 {
            let take = written.min(left);
            self.sql.push_str(sep);
            self.sql
                .extend_from_within(from..from + take * (one + sep.len()) - sep.len());
            written += take;
            left -= take;
        }
        self.unbound += placeholders * times;
        true
    }

    /// The length of the text written so far.
    pub(super) fn len(&self) -> usize {
        self.sql.len()
    }

    /// Appends the `n`th placeholder.
    fn mark(&mut self, n: usize) {
        if self.numbered {
            let _ = write!(self.sql, "${n}");
        } else {
            self.sql.push('?');
        }
    }

    /// Appends `("a", "b")`: a parenthesised, quoted column list.
    pub(super) fn column_list<'a>(&mut self, names: impl Iterator<Item = &'a str>) {
        self.sql.push('(');
        for (i, name) in names.enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.ident(name);
        }
        self.sql.push(')');
    }

    /// A fresh alias for `table` in a subquery: `<table>_<depth>`.
    pub(super) fn new_alias(&self, table: &ModelMeta) -> String {
        format!("{}_{}", table.table, self.aliases.len() + 1)
    }

    /// Columns of `table` render with `alias` until [`SqlWriter::pop_alias`].
    pub(super) fn push_alias(&mut self, table: &'static ModelMeta, alias: String) {
        self.aliases.push((table, alias));
    }

    /// Ends the innermost alias.
    pub(super) fn pop_alias(&mut self) {
        self.aliases.pop();
    }
}
