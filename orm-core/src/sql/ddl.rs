//! [`SchemaRenderer`]: how a dialect writes DDL (tables, indexes, schemas)
//! and names constraints. The defaults write what SQLite and PostgreSQL
//! share; MySQL keeps its indexes in the table body and adds table options.

use crate::error::Result;
use crate::model::{ColumnMeta, ModelMeta, OnDelete};

use super::ast::CreateTable;
use super::renderer::Renderer;
use super::writer::SqlWriter;

/// The name of the unique constraint on `column`.
pub fn unique_name(meta: &ModelMeta, column: &str) -> String {
    format!("{}_{}_key", meta.table, column)
}

/// The name of the index on `column`.
pub fn index_name(meta: &ModelMeta, column: &str) -> String {
    format!("ix_{}_{}", meta.table, column)
}

/// The name of the foreign key on `column`.
pub fn foreign_key_name(meta: &ModelMeta, column: &str) -> String {
    format!("fk_{}_{}", meta.table, column)
}

/// `CHECK (column IN ('a', 'b'))`: the values an enum column may hold
/// (numbers unquoted for an integer column).
pub(super) fn check_in<R: Renderer>(
    r: &R,
    column: &str,
    ty: crate::value::SqlType,
    values: &[impl AsRef<str>],
) -> String {
    let mut w = r.writer();
    w.push("CHECK (");
    w.ident(column);
    w.push(" IN (");
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        let v = v.as_ref();
        if ty.is_integer() && v.parse::<i64>().is_ok() {
            w.push(v);
        } else {
            w.push("'");
            w.push(&v.replace('\'', "''"));
            w.push("'");
        }
    }
    w.push("))");
    w.finish().sql
}

/// How one dialect writes DDL.
pub(super) trait SchemaRenderer: Renderer {
    /// Indexes are declared in the `CREATE TABLE` body (there is no
    /// `CREATE INDEX IF NOT EXISTS`).
    const INDEXES_IN_TABLE: bool = false;

    /// The column type of `col`.
    fn column_type(&self, col: &ColumnMeta) -> String;

    /// The declaration of a generated key column after its name.
    fn auto_key(&self, col: &ColumnMeta) -> String;

    /// What follows the closing parenthesis of `CREATE TABLE`.
    fn table_options(&self, w: &mut SqlWriter, table: &CreateTable<'_>) {
        let _ = (w, table);
    }

    /// The statement creating a schema, if missing; `None` where the
    /// dialect has no schemas.
    fn create_schema(&self, name: &str) -> Option<String> {
        let mut w = self.writer();
        w.push("CREATE SCHEMA IF NOT EXISTS ");
        w.ident(name);
        Some(w.finish().sql)
    }

    /// The statement dropping a model's table, if present.
    fn drop_table(&self, meta: &ModelMeta) -> String {
        let mut w = self.writer();
        w.push("DROP TABLE IF EXISTS ");
        w.table(meta);
        w.finish().sql
    }

    /// The statements creating a model's table and indexes, if missing.
    fn create_table(&self, ct: &CreateTable<'_>) -> Result<Vec<String>> {
        let meta = ct.table;
        let mut w = self.writer();
        w.push("CREATE TABLE IF NOT EXISTS ");
        w.table(meta);
        w.push(" (\n");
        let pk: Vec<&ColumnMeta> = meta.primary_key().collect();
        let inline_pk = pk.len() == 1 && pk[0].auto;
        let mut first = true;
        let mut sep = |w: &mut SqlWriter| {
            if !std::mem::take(&mut first) {
                w.push(",\n");
            }
            w.push("  ");
        };
        for col in meta.columns {
            sep(&mut w);
            w.ident(col.name);
            w.push(" ");
            if col.auto {
                w.push(&self.auto_key(col));
                continue;
            }
            w.push(&self.column_type(col));
            if let Some(collation) = col.collation {
                w.push(" COLLATE ");
                w.ident(collation);
            }
            w.push(if col.nullable { " NULL" } else { " NOT NULL" });
            if let Some(default) = col.default {
                w.push(" DEFAULT ");
                w.push(default);
            }
            if !col.variants.is_empty() {
                w.push(" ");
                w.push(&check_in(self, col.name, col.sql_type, col.variants));
            }
        }
        if !inline_pk && !pk.is_empty() {
            sep(&mut w);
            w.push("PRIMARY KEY ");
            w.column_list(pk.iter().map(|c| c.name));
        }
        for col in meta.columns.iter().filter(|c| {
            (c.unique || ct.also_unique.contains(&c.name)) && !(c.primary_key && pk.len() == 1)
        }) {
            sep(&mut w);
            w.push("CONSTRAINT ");
            w.ident(&unique_name(meta, col.name));
            w.push(" UNIQUE ");
            w.column_list(std::iter::once(col.name));
        }
        for col in meta.columns {
            let Some(fk) = &col.references else { continue };
            let target = (fk.target)();
            let referenced = ModelMeta::referenced_column(fk)?;
            sep(&mut w);
            w.push("CONSTRAINT ");
            w.ident(&foreign_key_name(meta, col.name));
            w.push(" FOREIGN KEY ");
            w.column_list(std::iter::once(col.name));
            w.push(" REFERENCES ");
            w.table(target);
            w.push(" ");
            w.column_list(std::iter::once(referenced.name));
            let action = match fk.on_delete {
                OnDelete::NoAction => None,
                OnDelete::Cascade => Some("CASCADE"),
                OnDelete::SetNull => Some("SET NULL"),
                OnDelete::Restrict => Some("RESTRICT"),
            };
            if let Some(action) = action {
                w.push(" ON DELETE ");
                w.push(action);
            }
        }
        let indexed = meta
            .columns
            .iter()
            .filter(|c| c.index && !c.unique && !c.primary_key);
        if Self::INDEXES_IN_TABLE {
            for col in indexed.clone() {
                sep(&mut w);
                w.push("INDEX ");
                w.ident(&index_name(meta, col.name));
                w.push(" ");
                w.column_list(std::iter::once(col.name));
            }
        }
        w.push("\n)");
        self.table_options(&mut w, ct);
        let mut out = vec![w.finish().sql];
        if !Self::INDEXES_IN_TABLE {
            for col in indexed {
                let mut w = self.writer();
                w.push("CREATE INDEX IF NOT EXISTS ");
                w.ident(&index_name(meta, col.name));
                w.push(" ON ");
                w.table(meta);
                w.push(" ");
                w.column_list(std::iter::once(col.name));
                out.push(w.finish().sql);
            }
        }
        Ok(out)
    }
}
