//! [`Dialect`]: which backend's SQL to write, and what the backend allows.

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
    pub(crate) const fn index(self) -> usize {
        match self {
            Dialect::Sqlite => 0,
            Dialect::Postgres => 1,
            Dialect::MySql => 2,
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
}
