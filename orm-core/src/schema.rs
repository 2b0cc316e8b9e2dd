//! Schema creation: a registry of models ([`Schema`], built with
//! [`models!`](crate::models)), `create_all` in foreign-key order,
//! `drop_all` in reverse, and `to_sql` for migration files.

use crate::backend::{self, Sql, Target};
use crate::dialect::{self, Dialect};
use crate::error::{Error, Result};
use crate::model::ModelMeta;
use crate::relation::RelationKind;

/// A set of models whose tables are created and dropped together.
///
/// Models referenced through foreign keys are included even when not
/// listed, so the DDL always runs.
#[derive(Debug, Clone)]
pub struct Schema {
    models: Vec<&'static ModelMeta>,
}

/// Builds a [`Schema`] from model types: `orm::models![User, Post]`.
#[macro_export]
macro_rules! models {
    ($($model:ty),* $(,)?) => {
        $crate::Schema::new(&[$(<$model as $crate::Model>::META),*])
    };
}

impl Schema {
    /// A schema of these models (and the models they reference).
    pub fn new(models: &[&'static ModelMeta]) -> Schema {
        let mut all: Vec<&'static ModelMeta> = Vec::new();
        let mut pending: Vec<&'static ModelMeta> = models.to_vec();
        while let Some(m) = pending.pop() {
            if all.iter().any(|seen| seen.is(m)) {
                continue;
            }
            pending.extend(m.dependencies());
            // Association tables of many-to-many relationships come along.
            pending.extend(
                m.relations
                    .iter()
                    .filter_map(|r| r.secondary.map(|s| (s.table)())),
            );
            all.push(m);
        }
        // Keep the caller's order for listed models, dependencies after.
        all.sort_by_key(|m| models.iter().position(|l| l.is(m)).unwrap_or(usize::MAX));
        Schema { models: all }
    }

    /// The models, referenced tables before the tables referencing them.
    pub fn ordered(&self) -> Result<Vec<&'static ModelMeta>> {
        let mut done: Vec<&'static ModelMeta> = Vec::with_capacity(self.models.len());
        let mut left = self.models.clone();
        while !left.is_empty() {
            let before = left.len();
            left.retain(|m| {
                let ready = m.dependencies().all(|d| done.iter().any(|x| x.is(d)));
                if ready {
                    done.push(m);
                }
                !ready
            });
            if left.len() == before {
                let names: Vec<&str> = left.iter().map(|m| m.name).collect();
                return Err(Error::Config(format!(
                    "foreign keys form a cycle between {}: make one of them nullable and add it after creation",
                    names.join(", ")
                )));
            }
        }
        Ok(done)
    }

    /// Every statement of `create_all`, in order (MySQL 8's collation names
    /// for [`Dialect::MySql`]).
    pub fn create_statements(&self, dialect: Dialect) -> Result<Vec<String>> {
        self.create_statements_for(dialect, false)
    }

    fn create_statements_for(&self, dialect: Dialect, mariadb: bool) -> Result<Vec<String>> {
        let ordered = self.ordered()?;
        let mut out = Vec::new();
        let mut schemas: Vec<&str> = Vec::new();
        for m in &ordered {
            if let Some(s) = m.schema
                && !schemas.contains(&s)
            {
                schemas.push(s);
                out.extend(dialect::create_schema(s, dialect));
            }
        }
        // The key of a has_one's target is unique: one row per parent.
        let mut unique: Vec<(&'static ModelMeta, &'static str)> = Vec::new();
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
        for m in ordered {
            let also: Vec<&str> = unique
                .iter()
                .filter(|(t, _)| t.is(m))
                .map(|(_, c)| *c)
                .collect();
            out.extend(dialect::create_table(m, dialect, &also, mariadb)?);
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
    pub fn to_sql_for(&self, exec: &(impl crate::Executor + ?Sized)) -> Result<String> {
        let target = exec.target();
        Ok(join_statements(self.create_statements_for(
            exec.dialect(),
            target.shared().server.mariadb,
        )?))
    }

    pub(crate) async fn create_all(&self, target: Target<'_>) -> Result<()> {
        let dialect = crate::query::insert::dialect_of(target);
        for stmt in self.create_statements_for(dialect, target.shared().server.mariadb)? {
            backend::execute(target, Sql::Owned(stmt), Vec::new()).await?;
        }
        Ok(())
    }

    pub(crate) async fn drop_all(&self, target: Target<'_>) -> Result<()> {
        let dialect = crate::query::insert::dialect_of(target);
        let mut ordered = self.ordered()?;
        ordered.reverse();
        for m in ordered {
            backend::execute(
                target,
                Sql::Owned(dialect::drop_table(m, dialect)),
                Vec::new(),
            )
            .await?;
        }
        Ok(())
    }
}

fn join_statements(statements: Vec<String>) -> String {
    let mut out = String::new();
    for stmt in statements {
        out.push_str(&stmt);
        out.push_str(";\n");
    }
    out
}
