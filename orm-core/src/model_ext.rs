//! [`ModelExt`]: what users call on a model type (`User::query()`,
//! `User::get(&db, 7)`, `User::find(&db, 7)`), with the relationships
//! declared `lazy = "selectin"` or `"joined"` loaded.

use std::future::Future;

use crate::backend::{self, Executor, Sql};
use crate::error::{Error, Result};
use crate::expr::Expr;
use crate::model::{KeyValues, Model};
use crate::query::select::Select;
use crate::relation::with_default_loads;

/// The entry points of every model: `User::query()`, `User::get(&db, 7)`,
/// `User::find(&db, 7)`. Implemented for every [`Model`]; in the prelude.
pub trait ModelExt: Model {
    /// A query over all rows of this model, with the relationships
    /// declared `lazy = "selectin"` or `"joined"` loaded.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model)] #[model(table = "users")]
    /// # pub struct User { #[model(primary_key)] id: i64 }
    /// let q = User::query().limit(10);
    /// ```
    fn query() -> Select<Self> {
        with_default_loads(Select::new())
    }

    /// The row with primary key `key`, or [`Error::NotFound`].
    fn get<E: Executor + ?Sized>(
        exec: &E,
        key: Self::Key,
    ) -> impl Future<Output = Result<Self>> + Send {
        async move {
            Self::find(exec, key).await?.ok_or(Error::NotFound {
                model: Self::META.name,
            })
        }
    }

    /// The row with primary key `key`, if there is one. Relationships
    /// declared `lazy = "selectin"` or `lazy = "joined"` are loaded with
    /// it, as by [`ModelExt::query`].
    fn find<E: Executor + ?Sized>(
        exec: &E,
        key: Self::Key,
    ) -> impl Future<Output = Result<Option<Self>>> + Send {
        async move {
            let mut binds = Vec::with_capacity(1);
            key.push_values(&mut binds);
            let query = Self::query();
            if query.has_defaults() {
                let by_key = Expr::And(
                    Self::META
                        .primary_key()
                        .zip(binds)
                        .map(|(col, value)| Expr::column_eq(Self::META, col, value))
                        .collect(),
                );
                return query.filter(by_key).optional(exec).await;
            }
            let stmts = crate::sql::statements::<Self>(exec.dialect());
            backend::fetch_optional(
                exec.target(),
                Sql::Static(&stmts.find_by_key),
                binds,
                |row| Self::from_row(row, 0),
            )
            .await
        }
    }
}

impl<M: Model> ModelExt for M {}
