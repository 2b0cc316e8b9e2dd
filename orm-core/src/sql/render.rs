//! The entry points of the layer: a statement value and a dialect in,
//! text and binds out, through that dialect's renderer.

use crate::error::{BuildError, Result};
use crate::model::ModelMeta;

use super::ast::{
    CreateTable, Delete, Insert, InsertMissingPairs, Isolation, SavepointSql, Select,
    TransactionSql, Update, Upsert,
};
use super::ddl::SchemaRenderer;
use super::dialect::Dialect;
use super::renderer::Renderer;
use super::writer::Rendered;

/// Runs `$body` with `$r` bound to the renderer of `$dialect`: each
/// statement's rendering is compiled once per dialect.
macro_rules! with_renderer {
    ($dialect:expr, |$r:ident| $body:expr) => {
        match $dialect {
            $crate::sql::Dialect::Sqlite => {
                let $r = &$crate::sql::sqlite::Sqlite;
                $body
            }
            $crate::sql::Dialect::Postgres => {
                let $r = &$crate::sql::postgres::Postgres;
                $body
            }
            $crate::sql::Dialect::MySql => {
                let $r = &$crate::sql::mysql::MySql;
                $body
            }
        }
    };
}
pub(super) use with_renderer;

/// An empty writer in `dialect`.
pub(super) fn writer_for(dialect: Dialect) -> super::writer::SqlWriter {
    with_renderer!(dialect, |r| r.writer())
}

/// A `SELECT`.
pub fn select(dialect: Dialect, s: &Select<'_>) -> Result<Rendered, BuildError> {
    with_renderer!(dialect, |r| {
        let mut w = r.writer();
        r.select(&mut w, s)?;
        Ok(w.finish())
    })
}

/// An `INSERT` of model rows.
pub fn insert(dialect: Dialect, s: Insert) -> Rendered {
    with_renderer!(dialect, |r| {
        let mut w = r.writer();
        r.insert(&mut w, s);
        w.finish()
    })
}

/// An `INSERT` meeting existing rows (an upsert).
pub fn upsert(dialect: Dialect, s: Upsert) -> Rendered {
    with_renderer!(dialect, |r| {
        let mut w = r.writer();
        r.upsert(&mut w, s);
        w.finish()
    })
}

/// An `INSERT` of the association pairs not there yet.
pub fn insert_missing_pairs(dialect: Dialect, s: InsertMissingPairs) -> Rendered {
    with_renderer!(dialect, |r| {
        let mut w = r.writer();
        r.insert_missing_pairs(&mut w, s);
        w.finish()
    })
}

/// An `UPDATE`.
pub fn update(dialect: Dialect, s: Update<'_>) -> Result<Rendered, BuildError> {
    with_renderer!(dialect, |r| {
        let mut w = r.writer();
        r.update(&mut w, s)?;
        Ok(w.finish())
    })
}

/// A `DELETE`.
pub fn delete(dialect: Dialect, s: &Delete<'_>) -> Result<Rendered, BuildError> {
    with_renderer!(dialect, |r| {
        let mut w = r.writer();
        r.delete(&mut w, s)?;
        Ok(w.finish())
    })
}

/// The statements creating a model's table and its indexes, if missing.
pub fn create_table(dialect: Dialect, s: &CreateTable<'_>) -> Result<Vec<String>> {
    with_renderer!(dialect, |r| r.create_table(s))
}

/// The statement creating a schema (a database on MySQL), if missing;
/// `None` on SQLite.
pub fn create_schema(dialect: Dialect, name: &str) -> Option<String> {
    with_renderer!(dialect, |r| r.create_schema(name))
}

/// The statement dropping a model's table, if present.
pub fn drop_table(dialect: Dialect, meta: &ModelMeta) -> String {
    with_renderer!(dialect, |r| r.drop_table(meta))
}

/// The statement beginning a transaction at `isolation` on `dialect`
/// (SQLite ignores the level: its transactions are serializable).
pub fn begin(dialect: Dialect, immediate: bool, isolation: Option<Isolation>) -> &'static str {
    use Isolation::*;
    match (dialect, isolation) {
        (Dialect::Sqlite, _) | (_, None) => transaction(TransactionSql::Begin {
            immediate: immediate && dialect == Dialect::Sqlite,
        }),
        (Dialect::Postgres, Some(ReadCommitted)) => "BEGIN ISOLATION LEVEL READ COMMITTED",
        (Dialect::Postgres, Some(RepeatableRead)) => "BEGIN ISOLATION LEVEL REPEATABLE READ",
        (Dialect::Postgres, Some(Serializable)) => "BEGIN ISOLATION LEVEL SERIALIZABLE",
        // MySQL sets the level of the next transaction, then begins it.
        (Dialect::MySql, Some(ReadCommitted)) => {
            "SET TRANSACTION ISOLATION LEVEL READ COMMITTED; BEGIN"
        }
        (Dialect::MySql, Some(RepeatableRead)) => {
            "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; BEGIN"
        }
        (Dialect::MySql, Some(Serializable)) => {
            "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE; BEGIN"
        }
    }
}

/// The text of a transaction statement, the same on every backend.
pub fn transaction(which: TransactionSql) -> &'static str {
    match which {
        TransactionSql::Begin { immediate: true } => "BEGIN IMMEDIATE",
        TransactionSql::Begin { immediate: false } => "BEGIN",
        TransactionSql::Commit => "COMMIT",
        TransactionSql::Rollback => "ROLLBACK",
    }
}

/// A savepoint's statement; the savepoints of one transaction are told
/// apart by `number`.
pub fn savepoint(dialect: Dialect, which: SavepointSql, number: u64) -> String {
    let verb = match which {
        SavepointSql::Set => "SAVEPOINT ",
        SavepointSql::Release => "RELEASE SAVEPOINT ",
        SavepointSql::RollbackTo => "ROLLBACK TO SAVEPOINT ",
    };
    format!(
        "{verb}{}",
        dialect.quote(&format!("orm_savepoint_{number}"))
    )
}

impl Dialect {
    /// `ident` quoted as this dialect quotes identifiers, any quote
    /// character inside doubled.
    ///
    /// ```
    /// assert_eq!(orm_core::Dialect::MySql.quote("odd`name"), "`odd``name`");
    /// assert_eq!(orm_core::Dialect::Postgres.quote("users"), "\"users\"");
    /// ```
    pub fn quote(self, ident: &str) -> String {
        with_renderer!(self, |r| {
            let mut w = r.writer();
            w.ident(ident);
            w.finish().sql
        })
    }
}
