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

mod backend;
pub mod column;
pub mod db;
pub mod dialect;
pub mod error;
pub mod expr;
pub mod loader;
pub mod model;
pub mod persist;
pub mod query;
pub mod raw;
pub mod relation;
pub mod schema;
pub mod value;

#[doc(hidden)]
pub mod __private;

pub use column::Column;
pub use db::{ConnectOptions, Db, Executor, JournalMode, Recorder, Tx};
pub use dialect::Dialect;
pub use error::{Error, Result};
pub use expr::{Assignment, Direction, Expr, OrderBy};
pub use loader::{Include, load};
pub use model::{ColumnMeta, ForeignKey, KeyValues, Model, ModelMeta, OnDelete};
pub use query::select::{Select, WithRow};
pub use raw::{Raw, raw};
pub use relation::{BelongsTo, HasMany, HasOne, Relation};
pub use schema::Schema;
#[cfg(feature = "json")]
pub use value::Json;
pub use value::{ColumnType, IntoValue, RowRef, SqlType, Value};

#[doc(hidden)]
pub use backend::Target;
