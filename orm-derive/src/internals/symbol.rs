//! The attribute names the derive understands.

use std::fmt;

use syn::{Ident, Path};

#[derive(Copy, Clone)]
pub struct Symbol(pub &'static str);

pub const MODEL: Symbol = Symbol("model");

// struct level
pub const TABLE: Symbol = Symbol("table");
pub const SCHEMA: Symbol = Symbol("schema");
pub const RENAME_ALL: Symbol = Symbol("rename_all");
pub const CRATE: Symbol = Symbol("crate");

// field level
pub const PRIMARY_KEY: Symbol = Symbol("primary_key");
pub const AUTO: Symbol = Symbol("auto");
pub const COLUMN: Symbol = Symbol("column");
pub const UNIQUE: Symbol = Symbol("unique");
pub const INDEX: Symbol = Symbol("index");
pub const MAX_LENGTH: Symbol = Symbol("max_length");
pub const DEFAULT: Symbol = Symbol("default");
pub const REFERENCES: Symbol = Symbol("references");
pub const VALIDATE: Symbol = Symbol("validate");
pub const SKIP: Symbol = Symbol("skip");
pub const VERSION: Symbol = Symbol("version");
pub const COLLATION: Symbol = Symbol("collation");

pub const STRUCT_ATTRS: &str = "`table`, `schema`, `rename_all`, `crate`";
pub const FIELD_ATTRS: &str = "`primary_key`, `auto`, `column`, `unique`, `index`, `max_length`, `default`, `references`, `validate`, `version`, `collation`, `skip`";

impl PartialEq<Symbol> for Ident {
    fn eq(&self, word: &Symbol) -> bool {
        self == word.0
    }
}

impl PartialEq<Symbol> for &Ident {
    fn eq(&self, word: &Symbol) -> bool {
        *self == word.0
    }
}

impl PartialEq<Symbol> for Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}

impl PartialEq<Symbol> for &Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

// relationship attributes
pub const BELONGS_TO: Symbol = Symbol("belongs_to");
pub const HAS_MANY: Symbol = Symbol("has_many");
pub const HAS_ONE: Symbol = Symbol("has_one");
pub const KEY: Symbol = Symbol("key");
pub const FOREIGN_KEY: Symbol = Symbol("foreign_key");
pub const BACK_POPULATES: Symbol = Symbol("back_populates");
pub const BACKREF: Symbol = Symbol("backref");
pub const ON_DELETE: Symbol = Symbol("on_delete");
pub const CASCADE: Symbol = Symbol("cascade");
pub const ORDER_BY: Symbol = Symbol("order_by");
pub const LAZY: Symbol = Symbol("lazy");
pub const SECONDARY: Symbol = Symbol("secondary");

pub const RELATION_ATTRS: &str = "`key`, `references`, `foreign_key`, `back_populates`, `backref`, `on_delete`, `cascade`, `order_by`, `lazy`";
