//! [`Difference`]: one way a database differs from its models, found by
//! comparing two [`Catalog`]s; each says what to do about it.

use std::fmt;

use super::catalog::{
    Catalog, CatalogColumn, CatalogForeignKey, Index, OnDeleteSql, Table, normalize_default,
    normalize_type,
};
use super::dialect::Dialect;

/// One way the database differs from the models.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Difference {
    /// A model's table is not in the database.
    MissingTable {
        /// The table the models declare.
        table: Table,
    },
    /// The database has a table no model declares.
    ExtraTable {
        /// The table the database holds.
        table: Table,
    },
    /// A model's column is not in its table.
    MissingColumn {
        /// The table (`schema.table` when qualified).
        table: String,
        /// The column the model declares.
        column: CatalogColumn,
    },
    /// The table has a column no field maps to.
    ExtraColumn {
        /// The table.
        table: String,
        /// The column the database holds.
        column: CatalogColumn,
    },
    /// A column's type, nullability, default or generation differs.
    ColumnChanged {
        /// The table.
        table: String,
        /// What the model declares.
        expected: CatalogColumn,
        /// What the database holds.
        actual: CatalogColumn,
    },
    /// The primary key has other columns.
    PrimaryKeyChanged {
        /// The table.
        table: String,
        /// The model's key columns.
        expected: Vec<String>,
        /// The database's key columns.
        actual: Vec<String>,
    },
    /// A unique constraint of the models is missing.
    MissingUnique {
        /// The table.
        table: String,
        /// The constraint.
        unique: Index,
    },
    /// The database has a unique constraint the models do not declare.
    ExtraUnique {
        /// The table.
        table: String,
        /// The constraint.
        unique: Index,
    },
    /// An index of the models is missing.
    MissingIndex {
        /// The table.
        table: String,
        /// The index.
        index: Index,
    },
    /// The database has an index the models do not declare.
    ExtraIndex {
        /// The table.
        table: String,
        /// The index.
        index: Index,
    },
    /// A foreign key of the models is missing (or has another `ON DELETE`).
    MissingForeignKey {
        /// The table.
        table: String,
        /// The key.
        key: CatalogForeignKey,
    },
    /// The database has a foreign key the models do not declare (or with
    /// another `ON DELETE`).
    ExtraForeignKey {
        /// The table.
        table: String,
        /// The key.
        key: CatalogForeignKey,
    },
}

impl Difference {
    /// The table it is about (`schema.table` when qualified).
    pub fn table(&self) -> String {
        match self {
            Difference::MissingTable { table } | Difference::ExtraTable { table } => {
                table.qualified()
            }
            Difference::MissingColumn { table, .. }
            | Difference::ExtraColumn { table, .. }
            | Difference::ColumnChanged { table, .. }
            | Difference::PrimaryKeyChanged { table, .. }
            | Difference::MissingUnique { table, .. }
            | Difference::ExtraUnique { table, .. }
            | Difference::MissingIndex { table, .. }
            | Difference::ExtraIndex { table, .. }
            | Difference::MissingForeignKey { table, .. }
            | Difference::ExtraForeignKey { table, .. } => table.clone(),
        }
    }

    /// True when applying it loses data (a table or column dropped).
    pub fn is_destructive(&self) -> bool {
        matches!(
            self,
            Difference::ExtraTable { .. } | Difference::ExtraColumn { .. }
        )
    }
}

fn columns(c: &[String]) -> String {
    c.join(", ")
}

fn describe(c: &CatalogColumn) -> String {
    let mut out = c.ty.clone();
    if c.auto {
        out.push_str(" generated");
    }
    out.push_str(if c.nullable { " NULL" } else { " NOT NULL" });
    if let Some(d) = &c.default {
        out.push_str(" DEFAULT ");
        out.push_str(d);
    }
    out
}

fn describe_fk(k: &CatalogForeignKey) -> String {
    let target = match &k.target_schema {
        Some(s) => format!("{s}.{}", k.target),
        None => k.target.clone(),
    };
    format!(
        "({}) -> {target} ({}) ON DELETE {}",
        columns(&k.columns),
        columns(&k.target_columns),
        OnDeleteSql(k.on_delete)
    )
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::MissingTable { table } => write!(
                f,
                "table `{}` is missing: create it (a migration from `schema.diff`, or `create_all`)",
                table.qualified()
            ),
            Difference::ExtraTable { table } => write!(
                f,
                "table `{}` is in the database but no model declares it: add its model to the schema, or drop it",
                table.qualified()
            ),
            Difference::MissingColumn { table, column } => write!(
                f,
                "column `{table}.{}` ({}) is missing: add it",
                column.name,
                describe(column)
            ),
            Difference::ExtraColumn { table, column } => write!(
                f,
                "column `{table}.{}` ({}) is in the database but no field maps to it: add the field, or drop the column",
                column.name,
                describe(column)
            ),
            Difference::ColumnChanged {
                table,
                expected,
                actual,
            } => write!(
                f,
                "column `{table}.{}` is {} in the database, the model says {}: alter it",
                expected.name,
                describe(actual),
                describe(expected)
            ),
            Difference::PrimaryKeyChanged {
                table,
                expected,
                actual,
            } => write!(
                f,
                "the primary key of `{table}` is ({}) in the database, the model says ({}): change it",
                columns(actual),
                columns(expected)
            ),
            Difference::MissingUnique { table, unique } => write!(
                f,
                "unique constraint `{}` on `{table}` ({}) is missing: add it",
                unique.name,
                columns(&unique.columns)
            ),
            Difference::ExtraUnique { table, unique } => write!(
                f,
                "unique constraint `{}` on `{table}` ({}) is in the database but not in the model: drop it, or mark the field `unique`",
                unique.name,
                columns(&unique.columns)
            ),
            Difference::MissingIndex { table, index } => write!(
                f,
                "index `{}` on `{table}` ({}) is missing: create it",
                index.name,
                columns(&index.columns)
            ),
            Difference::ExtraIndex { table, index } => write!(
                f,
                "index `{}` on `{table}` ({}) is in the database but not in the model: drop it, or mark the field `index`",
                index.name,
                columns(&index.columns)
            ),
            Difference::MissingForeignKey { table, key } => write!(
                f,
                "foreign key on `{table}` {} is missing: add it",
                describe_fk(key)
            ),
            Difference::ExtraForeignKey { table, key } => write!(
                f,
                "foreign key {}on `{table}` {} is in the database but not in the model: drop it, or declare it",
                key.name
                    .as_deref()
                    .map(|n| format!("`{n}` "))
                    .unwrap_or_default(),
                describe_fk(key)
            ),
        }
    }
}

/// The differences between what the models declare (`expected`) and what
/// the database holds (`actual`), tables in the models' order, extra
/// tables last.
pub fn compare(
    dialect: Dialect,
    mariadb: bool,
    expected: &Catalog,
    actual: &Catalog,
) -> Vec<Difference> {
    let mut out = Vec::new();
    let find = |t: &Table| {
        actual
            .tables
            .iter()
            .find(|a| a.name == t.name && a.schema == t.schema)
    };
    for e in &expected.tables {
        match find(e) {
            None => out.push(Difference::MissingTable { table: e.clone() }),
            Some(a) => compare_table(dialect, mariadb, e, a, &mut out),
        }
    }
    for a in &actual.tables {
        if !expected
            .tables
            .iter()
            .any(|e| e.name == a.name && e.schema == a.schema)
        {
            out.push(Difference::ExtraTable { table: a.clone() });
        }
    }
    out
}

/// True when the two say the same column (the name aside).
pub fn same_column(dialect: Dialect, mariadb: bool, e: &CatalogColumn, a: &CatalogColumn) -> bool {
    normalize_type(dialect, mariadb, &e.ty) == normalize_type(dialect, mariadb, &a.ty)
        && e.nullable == a.nullable
        // SQLite's rowid is generated whether or not the model says so.
        && (e.auto == a.auto || dialect == Dialect::Sqlite)
        // A generated key's default is the database's own.
        && (e.auto
            || normalize_default(dialect, mariadb, e.default.as_deref())
                == normalize_default(dialect, mariadb, a.default.as_deref()))
        && (e.collation.is_none() || dialect == Dialect::Sqlite || e.collation == a.collation)
}

fn compare_table(dialect: Dialect, mariadb: bool, e: &Table, a: &Table, out: &mut Vec<Difference>) {
    let table = e.qualified();
    for ec in &e.columns {
        match a.column(&ec.name) {
            None => out.push(Difference::MissingColumn {
                table: table.clone(),
                column: ec.clone(),
            }),
            Some(ac) if !same_column(dialect, mariadb, ec, ac) => {
                out.push(Difference::ColumnChanged {
                    table: table.clone(),
                    expected: ec.clone(),
                    actual: ac.clone(),
                })
            }
            Some(_) => {}
        }
    }
    for ac in &a.columns {
        if e.column(&ac.name).is_none() {
            out.push(Difference::ExtraColumn {
                table: table.clone(),
                column: ac.clone(),
            });
        }
    }
    if e.primary_key != a.primary_key {
        out.push(Difference::PrimaryKeyChanged {
            table: table.clone(),
            expected: e.primary_key.clone(),
            actual: a.primary_key.clone(),
        });
    }
    // Uniques and indexes are told apart by their columns.
    for u in &e.uniques {
        if !a.uniques.iter().any(|x| x.columns == u.columns) {
            out.push(Difference::MissingUnique {
                table: table.clone(),
                unique: u.clone(),
            });
        }
    }
    for u in &a.uniques {
        if !e.uniques.iter().any(|x| x.columns == u.columns) {
            out.push(Difference::ExtraUnique {
                table: table.clone(),
                unique: u.clone(),
            });
        }
    }
    for i in &e.indexes {
        if !a.indexes.iter().any(|x| x.columns == i.columns) {
            out.push(Difference::MissingIndex {
                table: table.clone(),
                index: i.clone(),
            });
        }
    }
    for i in &a.indexes {
        if !e.indexes.iter().any(|x| x.columns == i.columns) {
            out.push(Difference::ExtraIndex {
                table: table.clone(),
                index: i.clone(),
            });
        }
    }
    for k in &a.foreign_keys {
        if !e.foreign_keys.iter().any(|x| x.same_as(k, dialect)) {
            out.push(Difference::ExtraForeignKey {
                table: table.clone(),
                key: k.clone(),
            });
        }
    }
    for k in &e.foreign_keys {
        if !a.foreign_keys.iter().any(|x| x.same_as(k, dialect)) {
            out.push(Difference::MissingForeignKey {
                table: table.clone(),
                key: k.clone(),
            });
        }
    }
}
