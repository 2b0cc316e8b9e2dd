//! The only place SQL text is made: statements as values ([`ast`]) and one
//! renderer per dialect writing them as text and binds, the fixed
//! statements of each model, DDL, and the reading of hand-written SQL.
//!
//! ```text
//!   ast.rs        Select, Insert, Update, Delete, InsertMissingPairs, CreateTable: values
//!   renderer.rs   Renderer: how statements and expressions are written (defaults)
//!   ddl.rs        SchemaRenderer: tables, indexes, schemas, constraint names (defaults)
//!   sqlite.rs     \
//!   postgres.rs    > each dialect's renderer: what it writes differently, with its tests
//!   mysql.rs      /
//!   render.rs     the entry points: a statement and a dialect in, (sql, binds) out
//!   fixed.rs      a model's fixed statements, rendered once per dialect
//!   raw.rs        placeholders and statement ends of hand-written SQL
//!   copy.rs       PostgreSQL's bulk insert: a staging table, COPY, INSERT .. SELECT
//!   catalog.rs    Catalog: a schema as data, from the models; types and defaults normalized
//!   introspect.rs the catalog queries of each dialect, their rows assembled into a Catalog
//!   drift.rs      Difference: two catalogs compared
//!   migration.rs  Step: the changes between two catalogs, up and down, as DDL
//!   writer.rs     SqlWriter: text and binds together (private to this layer)
//! ```
//!
//! Every value is a bind parameter; every identifier is quoted, with the
//! quote character doubled inside it.
//!
//! | what              | SQLite              | PostgreSQL         | MySQL / MariaDB       |
//! |-------------------|---------------------|--------------------|-----------------------|
//! | identifier        | `"users"`           | `"users"`          | `` `users` ``         |
//! | placeholder       | `?`                 | `$1`, `$2`, ...    | `?`                   |
//! | generated key     | `RETURNING "id"`    | `RETURNING "id"`   | `LAST_INSERT_ID()`    |
//! | case-insensitive  | `orm_casefold(a) LIKE orm_casefold(?)` | `a ILIKE $1` | `LOWER(a) LIKE LOWER(?)` |
//! | key list          | `IN (?, ?)`         | `= ANY($1)`        | `IN (?, ?)`           |

pub mod ast;
mod catalog;
#[cfg(feature = "postgres")]
mod copy;
mod ddl;
mod dialect;
mod drift;
mod fixed;
mod introspect;
mod migration;
mod mysql;
mod postgres;
mod raw;
mod render;
mod renderer;
mod sqlite;
#[cfg(test)]
mod testing;
mod writer;

pub use ast::{Isolation, SavepointSql, TransactionSql};
pub use catalog::{Catalog, CatalogColumn, CatalogForeignKey, Index, Table, expected};
#[cfg(feature = "postgres")]
pub use copy::{
    CopyInsert, copy_insert, copy_into, copy_into_with_keys, draw_keys, postgres_bind_type,
};
pub use dialect::Dialect;
pub use drift::{Difference, compare};
pub use fixed::statements;
pub use introspect::{IntrospectedRows, TextRow, assemble, introspection};
pub use migration::{plan, render as render_migration};
pub use mysql::SERVER_PROBE as MYSQL_SERVER_PROBE;
#[cfg(feature = "postgres")]
pub use postgres::FORGET_SESSION as POSTGRES_FORGET_SESSION;
pub use raw::{is_read, rewrite_placeholders, with_parameter_types};
pub use render::{
    begin, create_schema, create_table, delete, drop_table, insert, insert_missing_pairs,
    savepoint, select, transaction, update, upsert,
};
pub use sqlite::AFTER_FAILED_SCRIPT as SQLITE_AFTER_FAILED_SCRIPT;
pub use sqlite::CASEFOLD as SQLITE_CASEFOLD;
pub use writer::Rendered;
