//! An async ORM with SQLAlchemy's relationship modeling, on sqlx and tokio.
//!
//! Annotate plain structs with `#[derive(Model)]`; get typed columns, a
//! query builder, CRUD, transactions and schema creation, on SQLite
//! (embedded), PostgreSQL and MySQL/MariaDB. The backend is chosen from the
//! URL at run time.
//!
//! ```
//! use orm::prelude::*;
//!
//! #[derive(Model, Debug, Clone, PartialEq)]
//! #[model(table = "users")]
//! pub struct User {
//!     #[model(primary_key)]
//!     pub id: i64,
//!     #[model(unique, max_length = 120)]
//!     pub email: String,
//!     pub nickname: Option<String>,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> orm::Result<()> {
//! let db = Db::connect("sqlite::memory:").await?;
//! db.create_all(&orm::models![User]).await?;
//!
//! let ada = db
//!     .insert(User { id: 0, email: "ada@example.com".into(), nickname: None })
//!     .await?;
//! assert_eq!(ada.id, 1);
//!
//! let found = User::query()
//!     .filter(User::EMAIL.like("%@example.com").and(User::NICKNAME.is_null()))
//!     .order_by(User::ID.desc())
//!     .all(&db)
//!     .await?;
//! assert_eq!(found, vec![ada]);
//! # Ok(()) }
//! ```
//!
//! The guide lives in `docs/`: getting started, defining models, querying.

pub use orm_core::*;
pub use orm_derive::{Enum, FromRow, Model, migrate};

#[cfg(feature = "cli")]
pub mod cli;

/// What most code needs: `use orm::prelude::*;`.
pub mod prelude {
    pub use orm_core::ModelExt as _;
    pub use orm_core::{
        BelongsTo, Column, Db, Error, Executor, Expr, HasMany, HasOne, Model, Select, Tx,
    };
    pub use orm_derive::Model;
}

#[cfg(doctest)]
mod guide {
    #[doc = include_str!("../README.md")]
    struct Readme;
    #[doc = include_str!("../docs/getting-started.md")]
    struct GettingStarted;
    #[doc = include_str!("../docs/models.md")]
    struct Models;
    #[doc = include_str!("../docs/querying.md")]
    struct Querying;
    #[doc = include_str!("../docs/relationships.md")]
    struct Relationships;
    #[doc = include_str!("../docs/loading.md")]
    struct Loading;
    #[doc = include_str!("../docs/saving.md")]
    struct Saving;
    #[doc = include_str!("../docs/production.md")]
    struct Production;
    #[doc = include_str!("../docs/migrations.md")]
    struct Migrations;
    #[doc = include_str!("../docs/scaling.md")]
    struct Scaling;
}
