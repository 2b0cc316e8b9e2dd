//! `schema.check(&db)`: how the live database differs from the models.

use std::fmt;

use super::inspect::inspect;
use crate::backend::Executor;
use crate::error::Result;
use crate::model::Schema;
use crate::sql::{self, Difference};

/// How a database differs from its models: what [`Schema::check`] finds.
/// `Display` prints one line per difference, each saying what to do.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Drift {
    differences: Vec<Difference>,
}

impl Drift {
    /// True when the database matches the models.
    pub fn is_empty(&self) -> bool {
        self.differences.is_empty()
    }

    /// How many differences there are.
    pub fn len(&self) -> usize {
        self.differences.len()
    }

    /// The differences, tables in the models' order, extra tables last.
    pub fn iter(&self) -> std::slice::Iter<'_, Difference> {
        self.differences.iter()
    }
}

impl<'a> IntoIterator for &'a Drift {
    type Item = &'a Difference;
    type IntoIter = std::slice::Iter<'a, Difference>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.differences.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl Schema {
    /// The schemas (PostgreSQL) or databases (MySQL) the models live in;
    /// `None`: the connection's default.
    pub(crate) fn schemas(&self) -> Result<Vec<Option<&'static str>>> {
        let mut out: Vec<Option<&'static str>> = vec![None];
        for m in self.ordered()? {
            if !out.contains(&m.schema) {
                out.push(m.schema);
            }
        }
        Ok(out)
    }

    /// Compares the database with the models: missing and extra tables
    /// and columns, column types, nullability and defaults, primary keys,
    /// unique constraints, indexes and foreign keys (with their `ON
    /// DELETE`). Tables in the schemas the models use count; the
    /// `_sqlx_migrations` table does not.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model)]
    /// # pub struct User { #[model(primary_key)] id: i64, name: String }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// let db = Db::connect("sqlite::memory:").await?;
    /// let schema = orm::models![User];
    /// assert_eq!(schema.check(&db).await?.len(), 1); // table `users` is missing
    /// db.create_all(&schema).await?;
    /// let drift = schema.check(&db).await?;
    /// assert!(drift.is_empty(), "{drift}");
    /// # Ok(()) }
    /// ```
    pub async fn check(&self, exec: &(impl Executor + ?Sized)) -> Result<Drift> {
        let target = exec.target();
        let mariadb = target.shared().server.mariadb;
        let expected = self.catalog(exec.dialect(), mariadb)?;
        let actual = inspect(target, &self.schemas()?).await?;
        Ok(Drift {
            differences: sql::compare(exec.dialect(), mariadb, &expected, &actual),
        })
    }

    /// The database's tables in the schemas the models use, as a
    /// [`Catalog`](crate::Catalog): what [`check`](Schema::check) compares
    /// the models with (and what `orm generate models` writes models from).
    pub async fn inspect(&self, exec: &(impl Executor + ?Sized)) -> Result<crate::sql::Catalog> {
        inspect(exec.target(), &self.schemas()?).await
    }
}
