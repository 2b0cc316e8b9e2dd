//! The fixed statements of a model ([`Statements`]), rendered once per
//! dialect by the sql layer and kept for the life of the process in the
//! model's [`StatementCache`].

use std::sync::OnceLock;

/// A model's fixed statements in one dialect.
#[doc(hidden)]
#[derive(Debug)]
pub struct Statements {
    /// `SELECT <list> FROM "t"`
    pub select_all: String,
    /// `SELECT <list> FROM "t" WHERE <key> = ?`
    pub find_by_key: String,
    /// The number of values one row of an insert binds (every column but
    /// a generated key).
    pub insert_columns: usize,
    /// The full single-row insert, without RETURNING.
    pub insert_one: String,
    /// The full single-row insert reading back [`Statements::returned`].
    pub insert_one_returning: String,
    /// The positions in [`ModelMeta::columns`](super::ModelMeta::columns)
    /// of the columns an insert reads back (generated keys, defaults), in
    /// order.
    pub returned: Vec<usize>,
    /// `UPDATE "t" SET "a" = ?, ... WHERE <key> = ?` (and `AND "version" =
    /// ?` for a versioned model); empty when every column is part of the
    /// key.
    pub update_by_key: String,
    /// `DELETE FROM "t" WHERE <key> = ?` (and the version).
    pub delete_by_key: String,
    /// `SELECT 1 FROM "t" WHERE <key> = ?`
    pub exists_by_key: String,
    /// The positions of the columns whose stored value may be coarser than
    /// the field's (timestamps: microseconds on PostgreSQL and MySQL;
    /// floats: a zero keeps no sign on SQLite and MySQL).
    pub coarsened: Vec<usize>,
}

/// The per-dialect statements of one model: a `static` the derive emits,
/// filled on first use.
#[doc(hidden)]
#[derive(Debug)]
pub struct StatementCache {
    per_dialect: [OnceLock<Statements>; 3],
}

impl StatementCache {
    /// An empty cache.
    pub const fn new() -> Self {
        StatementCache {
            per_dialect: [OnceLock::new(), OnceLock::new(), OnceLock::new()],
        }
    }

    /// The statements of the dialect at `index`, built on first use.
    pub fn get_or_init(&self, index: usize, build: impl FnOnce() -> Statements) -> &Statements {
        self.per_dialect[index % 3].get_or_init(build)
    }
}

impl Default for StatementCache {
    fn default() -> Self {
        Self::new()
    }
}
