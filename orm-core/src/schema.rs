//! Schema operations: `create_all` in foreign-key order, `drop_all` in
//! reverse, the DDL text of the models, and their evolution: the live
//! database read back ([`inspect`]), compared ([`Drift`]), the migration
//! between them ([`Migration`]) and the runner of migration folders
//! ([`migrate`]).

mod drift;
mod inspect;
pub mod migrate;
mod migration;

pub use drift::Drift;
pub use migration::Migration;

use crate::backend::{self, Sql, Target};
use crate::error::Result;
use crate::model::{ModelMeta, RelationKind, Schema};
use crate::sql::ast::CreateTable;
use crate::sql::{self, Catalog, Dialect};

impl Schema {
    /// Every statement of `create_all`, in order (MySQL 8's collation names
    /// for [`Dialect::MySql`]).
    pub fn create_statements(&self, dialect: Dialect) -> Result<Vec<String>> {
        self.create_statements_for(dialect, false)
    }

    /// The models in foreign-key order, and the columns made unique
    /// beyond their own declaration: the key of a has_one's target (one
    /// row per parent).
    #[allow(clippy::type_complexity)]
    fn ordered_with_uniques(
        &self,
    ) -> Result<(
        Vec<&'static ModelMeta>,
        Vec<(&'static ModelMeta, &'static str)>,
    )> {
        let ordered = self.ordered()?;
        let mut unique = Vec::new();
        for m in &ordered {
            for rel in m
                .relations
                .iter()
                .filter(|r| r.kind == RelationKind::HasOne)
            {
                let link = rel.link(m)?;
                unique.push((link.child, link.child_column.name));
            }
        }
        Ok((ordered, unique))
    }

    /// The catalog the models declare, as `create_all` makes it on a
    /// `dialect` server (`mariadb`: the MySQL-family server is MariaDB).
    pub(crate) fn catalog(&self, dialect: Dialect, mariadb: bool) -> Result<Catalog> {
        let (ordered, unique) = self.ordered_with_uniques()?;
        sql::expected(dialect, mariadb, &ordered, &unique)
    }

    fn create_statements_for(&self, dialect: Dialect, mariadb: bool) -> Result<Vec<String>> {
        let (ordered, unique) = self.ordered_with_uniques()?;
        let mut out = Vec::new();
        let mut schemas: Vec<&str> = Vec::new();
        for m in &ordered {
            if let Some(s) = m.schema
                && !schemas.contains(&s)
            {
                schemas.push(s);
                out.extend(sql::create_schema(dialect, s));
            }
        }
        for m in ordered {
            let also: Vec<&str> = unique
                .iter()
                .filter(|(t, _)| t.is(m))
                .map(|(_, c)| *c)
                .collect();
            out.extend(sql::create_table(
                dialect,
                &CreateTable {
                    table: m,
                    also_unique: &also,
                    mariadb,
                },
            )?);
        }
        Ok(out)
    }

    /// The DDL of the schema in `dialect`, one statement per line group,
    /// each ending in `;`: ready for a migration file. For
    /// [`Dialect::MySql`] the text collation is MySQL 8's
    /// (`utf8mb4_0900_bin`); [`Schema::to_sql_for`] renders for the server
    /// a database is connected to (MariaDB names it `utf8mb4_nopad_bin`).
    pub fn to_sql(&self, dialect: Dialect) -> Result<String> {
        Ok(join_statements(self.create_statements(dialect)?))
    }

    /// The DDL of the schema for the server `exec` is connected to, as
    /// `create_all` would run it.
    pub fn to_sql_for(&self, exec: &(impl crate::backend::Executor + ?Sized)) -> Result<String> {
        let target = exec.target();
        Ok(join_statements(self.create_statements_for(
            exec.dialect(),
            target.shared().server.mariadb,
        )?))
    }
}

/// Creates the schema's missing tables, in foreign-key order.
pub(crate) async fn create_all(schema: &Schema, target: Target<'_>) -> Result<()> {
    let dialect = target.dialect();
    for stmt in schema.create_statements_for(dialect, target.shared().server.mariadb)? {
        backend::execute(target, Sql::Owned(stmt), Vec::new()).await?;
    }
    Ok(())
}

/// Drops the schema's tables, dependents first.
pub(crate) async fn drop_all(schema: &Schema, target: Target<'_>) -> Result<()> {
    let dialect = target.dialect();
    let mut ordered = schema.ordered()?;
    ordered.reverse();
    for m in ordered {
        backend::execute(target, Sql::Owned(sql::drop_table(dialect, m)), Vec::new()).await?;
    }
    Ok(())
}

fn join_statements(statements: Vec<String>) -> String {
    let mut out = String::new();
    for stmt in statements {
        out.push_str(&stmt);
        out.push_str(";\n");
    }
    out
}
