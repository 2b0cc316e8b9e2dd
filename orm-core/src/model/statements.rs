//! The fixed statements of a model ([`Statements`]), rendered once per
//! dialect by the sql layer and kept for the life of the process in the
//! model's [`StatementCache`].

use std::sync::OnceLock;

/// A model's fixed statements in one dialect.
#[doc(hidden)]
#[derive(Debug)]
pub struct Statements {
    /// `"t"."a", "t"."b", ...`
    pub select_list: String,
    /// `SELECT <list> FROM "t"`
    pub select_all: String,
    /// `SELECT <list> FROM "t" WHERE <key> = ?`
    pub find_by_key: String,
    /// `INSERT INTO "t" ("a", "b") VALUES `
    pub insert_head: String,
    /// One row's placeholder group without numbering, e.g. `(?, ?)`; on
    /// PostgreSQL rendered per row since placeholders are numbered.
    pub insert_columns: usize,
    /// The full single-row insert, without RETURNING.
    pub insert_one: String,
    /// The full single-row insert reading back [`Statements::returned`].
    pub insert_one_returning: String,
    /// ` RETURNING "id", "created_at"`: the columns an insert reads back
    /// (empty when there are none).
    pub returning: String,
    /// The positions in [`ModelMeta::columns`] of the columns in
    /// [`Statements::returning`], in order.
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
    /// the field's (timestamps: microseconds on PostgreSQL and MySQL).
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
