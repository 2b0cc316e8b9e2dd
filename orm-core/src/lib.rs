//! Runtime of [`orm`](https://docs.rs/orm): model metadata, typed columns
//! and expressions, the query builder, one dialect layer rendering SQL for
//! SQLite, PostgreSQL and MySQL/MariaDB, the [`Db`] handle over sqlx pools,
//! transactions, schema creation and errors.
//!
//! Applications use the `orm` crate, which re-exports this one together
//! with `#[derive(Model)]`:
//!
//! ```text
//!  #[derive(Model)] ──► Model impl + META + Column consts ──┐
//!                                                           ▼
//!  User::query().filter(..) ──► Select AST ──► dialect ──► (sql, binds) ──► backend ──► sqlx
//!                                                                                        │
//!  Vec<User>  ◄────────────── Model::from_row (by position) ◄──────────── RowRef ◄───────┘
//! ```
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> orm_core::Result<()> {
//! use orm_core::{Db, Executor, raw};
//! let db = Db::connect("sqlite::memory:").await?;
//! raw("CREATE TABLE t (x INTEGER)").execute(&db).await?;
//! raw("INSERT INTO t (x) VALUES (?), (?)").bind(1_i64).bind(2_i64).execute(&db).await?;
//! let total: i64 = raw("SELECT SUM(x) FROM t").scalar(&db).await?;
//! assert_eq!(total, 3);
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

#[cfg(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")))]
compile_error!("enable at least one backend feature: `sqlite`, `postgres` or `mysql`");

// The layers, lowest first; a module imports only from the layers below
// it (docs/architecture.md, held by tests/layers.rs).
pub mod error;
mod value;

mod column;
mod expr;
mod model;

mod sql;

mod backend;

mod loader;
mod persist;
mod query;
mod relation;
mod schema;

#[doc(hidden)]
pub mod __private;
mod db;
mod model_ext;

pub use backend::{ConnectOptions, Executor, JournalMode};
pub use column::{Aggregate, Column, ColumnList, Summable, count};
pub use db::{Db, Recorder, Retry, Tx};
pub use error::{BuildError, Error, Result};
pub use expr::{AggregateFn, Assignment, Direction, Expr, OrderBy};
pub use loader::{Include, SelectWith, load};
pub use model::{
    BackrefName, BelongsTo, ColumnMeta, ForeignKey, HasMany, HasOne, KeyValues, Model, ModelMeta,
    NameFree, OnDelete, Relation, RelationKind, RelationMeta, Schema,
};
pub use model_ext::ModelExt;
pub use persist::{Upsert, UpsertMany};
pub use query::load::IntoLoad;
pub use query::page::{Page, Paginate};
pub use query::project::{FromRow, Projected, Projection};
pub use query::raw::{Bind, Raw, raw};
pub use query::select::{Select, WithRow};
pub use relation::{
    ByAssociation, ByForeignKey, HasManyQuery, HasOneQuery, ManyToManyQuery, OptionalParent,
    Parent, RelatedQuery, Scope,
};
pub use schema::migrate::{Applied, MigrationFile, MigrationStatus, Migrator};
pub use schema::{Drift, Migration};
pub use sql::{
    Catalog, CatalogColumn, CatalogForeignKey, Dialect, Difference, Index, Isolation, Table,
};
#[cfg(feature = "json")]
pub use value::Json;
pub use value::{
    AutoKey, Collatable, ColumnType, HasLength, IntoValue, RowRef, SqlType, Validator, Value,
    VersionCounter,
};
