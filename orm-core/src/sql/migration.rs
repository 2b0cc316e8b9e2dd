//! Migrations: the steps that turn one [`Catalog`] into another, their
//! inverses, and their DDL per dialect.
//!
//! SQLite's `ALTER TABLE` adds and drops columns and little else: a table
//! with any other change is rebuilt (SQLite's documented procedure, and
//! Alembic's batch mode): a new table with the new definition, the rows
//! copied, the old table dropped, the new one renamed, its indexes
//! recreated. It runs with foreign keys off (which SQLite allows only
//! outside a transaction), in a transaction of its own, and fails before
//! committing when a foreign key no longer holds.

use crate::error::{Error, Result};
use crate::model::OnDelete;

use super::catalog::{
    Catalog, CatalogColumn, CatalogForeignKey, Index, OnDeleteSql, Table, normalize_default,
    normalize_type,
};
use super::dialect::Dialect;
use super::drift::{Difference, compare, same_column};
use super::renderer::Renderer;
use super::writer::SqlWriter;

/// One step of a migration.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Creates a table with its constraints and indexes.
    CreateTable(Table),
    /// Drops a table.
    DropTable(Table),
    /// Adds a column.
    AddColumn(Table, CatalogColumn),
    /// Drops a column.
    DropColumn(Table, CatalogColumn),
    /// Changes a column's type, nullability, default or generation.
    AlterColumn(Table, CatalogColumn, CatalogColumn),
    /// Replaces the primary key (`from` is the table as it is).
    SetPrimaryKey(Table, Vec<String>),
    /// Adds a unique constraint.
    AddUnique(Table, Index),
    /// Drops a unique constraint.
    DropUnique(Table, Index),
    /// Creates an index.
    AddIndex(Table, Index),
    /// Drops an index.
    DropIndex(Table, Index),
    /// Adds a foreign key.
    AddForeignKey(Table, CatalogForeignKey),
    /// Drops a foreign key.
    DropForeignKey(Table, CatalogForeignKey),
    /// Rebuilds a table (SQLite): from the first definition to the second.
    Rebuild(Table, Table),
}

impl Step {
    /// The step that undoes this one.
    pub fn inverse(&self) -> Step {
        match self.clone() {
            Step::CreateTable(t) => Step::DropTable(t),
            Step::DropTable(t) => Step::CreateTable(t),
            Step::AddColumn(t, c) => Step::DropColumn(t, c),
            Step::DropColumn(t, c) => Step::AddColumn(t, c),
            Step::AlterColumn(t, from, to) => Step::AlterColumn(t, to, from),
            Step::SetPrimaryKey(mut t, pk) => {
                let old = std::mem::replace(&mut t.primary_key, pk);
                t.primary_key_name = None;
                Step::SetPrimaryKey(t, old)
            }
            Step::AddUnique(t, u) => Step::DropUnique(t, u),
            Step::DropUnique(t, u) => Step::AddUnique(t, u),
            Step::AddIndex(t, i) => Step::DropIndex(t, i),
            Step::DropIndex(t, i) => Step::AddIndex(t, i),
            Step::AddForeignKey(t, k) => Step::DropForeignKey(t, k),
            Step::DropForeignKey(t, k) => Step::AddForeignKey(t, k),
            Step::Rebuild(from, to) => Step::Rebuild(to, from),
        }
    }

    /// What it destroys, when it loses data.
    fn destroys(&self) -> Option<String> {
        match self {
            Step::DropTable(t) => Some(format!("drops table {} and its rows", t.qualified())),
            Step::DropColumn(t, c) => Some(format!(
                "drops column {}.{} and its values",
                t.qualified(),
                c.name
            )),
            Step::Rebuild(from, to) => {
                let lost: Vec<&str> = from
                    .columns
                    .iter()
                    .filter(|c| to.column(&c.name).is_none())
                    .map(|c| c.name.as_str())
                    .collect();
                (!lost.is_empty()).then(|| {
                    format!(
                        "rebuilds {} without column(s) {}: their values are lost",
                        from.qualified(),
                        lost.join(", ")
                    )
                })
            }
            _ => None,
        }
    }
}

/// A migration's steps, up and down, as DDL for one dialect.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MigrationSql {
    /// The statements (and comments) that apply it.
    pub up: String,
    /// The statements that undo it.
    pub down: String,
    /// How many steps it has.
    pub steps: usize,
}

/// The steps that turn `actual` into `expected`, in an order the database
/// accepts: new tables (in foreign-key order), then each table's changes
/// (constraints dropped before the columns they use, added after), then
/// dropped tables (referencing ones first).
///
/// A NOT NULL column without a default cannot be added to a table that
/// exists: the rows there need a value. That is [`Error::Config`] naming
/// the column.
pub fn plan(
    dialect: Dialect,
    mariadb: bool,
    expected: &Catalog,
    actual: &Catalog,
) -> Result<Vec<Step>> {
    let diffs = compare(dialect, mariadb, expected, actual);
    refuse_unfillable_columns(&diffs)?;
    let mut steps = Vec::new();
    for d in &diffs {
        if let Difference::MissingTable { table } = d {
            steps.push(Step::CreateTable(table.clone()));
        }
    }
    // Foreign keys go first and come back last: a column a key uses (on
    // either side) cannot change type under it on MySQL, and a key
    // dropped on one table may hold up a change on another.
    let readd = if dialect == Dialect::Sqlite {
        Vec::new()
    } else {
        drop_foreign_keys(dialect, mariadb, &diffs, expected, actual, &mut steps)
    };
    let mut missing_keys = Vec::new();
    for e in &expected.tables {
        let Some(a) = actual
            .tables
            .iter()
            .find(|a| a.name == e.name && a.schema == e.schema)
        else {
            continue;
        };
        let here: Vec<&Difference> = diffs
            .iter()
            .filter(|d| d.table() == e.qualified() && !matches!(d, Difference::MissingTable { .. }))
            .collect();
        if here.is_empty() {
            continue;
        }
        if dialect == Dialect::Sqlite && !here.iter().all(|d| sqlite_alters(d)) {
            steps.push(Step::Rebuild(a.clone(), e.clone()));
            continue;
        }
        table_steps(a, &here, &mut steps);
        for d in &here {
            if let Difference::MissingForeignKey { key, .. } = d {
                missing_keys.push(Step::AddForeignKey(a.clone(), key.clone()));
            }
        }
    }
    steps.extend(readd);
    steps.extend(missing_keys);
    drop_extra_tables(&diffs, &mut steps);
    Ok(steps)
}

/// [`Error::Config`] for a NOT NULL column without a default on a table
/// that exists: its rows would need a value.
fn refuse_unfillable_columns(diffs: &[Difference]) -> Result<()> {
    for d in diffs {
        if let Difference::MissingColumn { table, column } = d
            && !column.nullable
            && !column.auto
            && column.default.is_none()
        {
            return Err(Error::Config(format!(
                "column `{table}.{}` is NOT NULL without a default, and `{table}` exists: its rows need a value. Give the field `#[model(default = \"..\")]`, or make it an `Option`, then diff again (or write that step by hand)",
                column.name
            )));
        }
    }
    Ok(())
}

/// Drops the foreign keys the models no longer have, and those a column
/// type change needs out of the way; returns the steps that add the latter
/// back.
fn drop_foreign_keys(
    dialect: Dialect,
    mariadb: bool,
    diffs: &[Difference],
    expected: &Catalog,
    actual: &Catalog,
    steps: &mut Vec<Step>,
) -> Vec<Step> {
    let altered: Vec<(&Option<String>, &str, &str)> = diffs
        .iter()
        .filter_map(|d| match d {
            Difference::ColumnChanged {
                expected: ec,
                actual: ac,
                ..
            } if normalize_type(dialect, mariadb, &ec.ty)
                != normalize_type(dialect, mariadb, &ac.ty) =>
            {
                let t = actual.tables.iter().find(|t| t.qualified() == d.table())?;
                Some((&t.schema, t.name.as_str(), ec.name.as_str()))
            }
            _ => None,
        })
        .collect();
    let uses = |t: &Table, k: &CatalogForeignKey| {
        altered.iter().any(|(schema, table, column)| {
            (*schema == &t.schema && *table == t.name && k.columns.iter().any(|c| c == column))
                || (*schema == &k.target_schema
                    && *table == k.target
                    && k.target_columns.iter().any(|c| c == column))
        })
    };
    for d in diffs {
        if let Difference::ExtraForeignKey { table, key } = d
            && let Some(t) = actual.tables.iter().find(|t| t.qualified() == *table)
        {
            steps.push(Step::DropForeignKey(t.clone(), key.clone()));
        }
    }
    let mut readd = Vec::new();
    for t in &actual.tables {
        let Some(e) = expected
            .tables
            .iter()
            .find(|e| e.name == t.name && e.schema == t.schema)
        else {
            continue;
        };
        for k in &t.foreign_keys {
            if uses(t, k) && e.foreign_keys.iter().any(|x| x.same_as(k, dialect)) {
                steps.push(Step::DropForeignKey(t.clone(), k.clone()));
                readd.push(Step::AddForeignKey(t.clone(), k.clone()));
            }
        }
    }
    readd
}

/// Drops the tables no model declares, each before the tables it
/// references.
fn drop_extra_tables(diffs: &[Difference], steps: &mut Vec<Step>) {
    let mut extra: Vec<Table> = diffs
        .iter()
        .filter_map(|d| match d {
            Difference::ExtraTable { table } => Some(table.clone()),
            _ => None,
        })
        .collect();
    while !extra.is_empty() {
        let free = extra
            .iter()
            .position(|t| {
                !extra.iter().any(|o| {
                    o.name != t.name
                        && o.foreign_keys
                            .iter()
                            .any(|k| k.target == t.name && k.target_schema == t.schema)
                })
            })
            .unwrap_or(0);
        steps.push(Step::DropTable(extra.remove(free)));
    }
}

/// True when SQLite's `ALTER TABLE` (or `CREATE`/`DROP INDEX`) makes the
/// change without a rebuild.
fn sqlite_alters(d: &Difference) -> bool {
    match d {
        Difference::MissingIndex { .. } | Difference::ExtraIndex { .. } => true,
        Difference::MissingColumn { column, .. } => {
            let constant = column.default.as_deref().is_none_or(|d| {
                normalize_default(Dialect::Sqlite, false, Some(d))
                    .is_some_and(|n| n != "current_timestamp" && !n.contains('('))
            });
            !column.auto && constant
        }
        _ => false,
    }
}

fn table_steps(a: &Table, diffs: &[&Difference], steps: &mut Vec<Step>) {
    let t = || a.clone();
    for d in diffs {
        match d {
            Difference::ExtraUnique { unique, .. } => {
                steps.push(Step::DropUnique(t(), unique.clone()))
            }
            Difference::ExtraIndex { index, .. } => steps.push(Step::DropIndex(t(), index.clone())),
            _ => {}
        }
    }
    for d in diffs {
        if let Difference::PrimaryKeyChanged { expected, .. } = d {
            steps.push(Step::SetPrimaryKey(t(), expected.clone()));
        }
    }
    for d in diffs {
        match d {
            Difference::MissingColumn { column, .. } => {
                steps.push(Step::AddColumn(t(), column.clone()))
            }
            Difference::ColumnChanged {
                expected, actual, ..
            } => steps.push(Step::AlterColumn(t(), actual.clone(), expected.clone())),
            _ => {}
        }
    }
    for d in diffs {
        if let Difference::ExtraColumn { column, .. } = d {
            steps.push(Step::DropColumn(t(), column.clone()));
        }
    }
    for d in diffs {
        match d {
            Difference::MissingUnique { unique, .. } => {
                steps.push(Step::AddUnique(t(), unique.clone()))
            }
            Difference::MissingIndex { index, .. } => {
                steps.push(Step::AddIndex(t(), index.clone()))
            }
            _ => {}
        }
    }
}

/// The DDL of `steps` (up) and of their inverses in reverse order (down).
pub fn render(dialect: Dialect, steps: &[Step]) -> MigrationSql {
    let down: Vec<Step> = steps.iter().rev().map(Step::inverse).collect();
    MigrationSql {
        up: render_steps(dialect, steps),
        down: render_steps(dialect, &down),
        steps: steps.len(),
    }
}

fn render_steps(dialect: Dialect, steps: &[Step]) -> String {
    super::render::with_renderer!(dialect, |r| {
        let rebuilds =
            dialect == Dialect::Sqlite && steps.iter().any(|s| matches!(s, Step::Rebuild(..)));
        let mut out = String::new();
        if rebuilds {
            // sqlx reads this first line: the file runs outside its
            // transaction, since SQLite turns foreign keys off only there.
            out.push_str("-- no-transaction\nPRAGMA foreign_keys = OFF;\nBEGIN;\n");
        }
        let mut renames = Vec::new();
        for step in steps {
            if let Some(what) = step.destroys() {
                out.push_str(&format!("-- destructive: {what}\n"));
            }
            if let Step::DropColumn(t, c) = step
                && steps.iter().any(|s| matches!(s, Step::AddColumn(t2, _) if t2.name == t.name && t2.schema == t.schema))
                && !renames.contains(&t.qualified())
            {
                renames.push(t.qualified());
                out.push_str(&format!(
                    "-- {} gains and loses columns: if `{}` was renamed, replace its drop and add with ALTER TABLE .. RENAME COLUMN\n",
                    t.qualified(),
                    c.name
                ));
            }
            for stmt in statements(r, dialect, step) {
                out.push_str(&stmt);
                out.push_str(";\n");
            }
        }
        if rebuilds {
            out.push_str(FOREIGN_KEY_CHECK);
            out.push_str("COMMIT;\nPRAGMA foreign_keys = ON;\n");
        }
        out
    })
}

/// Fails the SQLite rebuild before its commit when a foreign key no longer
/// holds: each violation is a row the CHECK refuses.
const FOREIGN_KEY_CHECK: &str = "CREATE TEMP TABLE \"_orm_foreign_key_check\" (\"violation\" INTEGER CHECK (\"violation\" IS NULL));\n\
INSERT INTO \"_orm_foreign_key_check\" SELECT 1 FROM pragma_foreign_key_check;\n\
DROP TABLE \"_orm_foreign_key_check\";\n";

fn qualified<R: Renderer>(r: &R, w: &mut SqlWriter, t: &Table) {
    let _ = r;
    w.qualified(t.schema.as_deref(), &t.name);
}

fn alter_table<R: Renderer>(r: &R, t: &Table) -> SqlWriter {
    let mut w = r.writer();
    w.push("ALTER TABLE ");
    qualified(r, &mut w, t);
    w
}

/// A column's definition after its name. `inline_key`: the column is the
/// table's single generated key, declared with it.
fn column_def(dialect: Dialect, c: &CatalogColumn, inline_key: bool) -> String {
    let mut out = String::new();
    if c.auto && inline_key {
        out.push_str(&match dialect {
            Dialect::Sqlite => "INTEGER PRIMARY KEY".to_string(),
            Dialect::Postgres => format!("{} GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", c.ty),
            Dialect::MySql => format!("{} NOT NULL AUTO_INCREMENT PRIMARY KEY", c.ty),
        });
        return out;
    }
    out.push_str(&c.ty);
    if let Some(collation) = &c.collation
        && dialect != Dialect::Sqlite
    {
        let mut w = super::render::writer_for(dialect);
        w.push(" COLLATE ");
        w.ident(collation);
        out.push_str(&w.finish().sql);
    }
    if c.auto {
        match dialect {
            Dialect::Postgres => out.push_str(" GENERATED BY DEFAULT AS IDENTITY"),
            Dialect::MySql => out.push_str(" NOT NULL AUTO_INCREMENT"),
            Dialect::Sqlite => {}
        }
        if dialect == Dialect::MySql {
            return out;
        }
    }
    out.push_str(if c.nullable { " NULL" } else { " NOT NULL" });
    if let Some(d) = &c.default
        && !c.auto
    {
        out.push_str(" DEFAULT ");
        out.push_str(d);
    }
    if !c.variants.is_empty() {
        let numbers = c.variants.iter().all(|v| v.parse::<i64>().is_ok());
        let ty = if numbers {
            crate::value::SqlType::BigInt
        } else {
            crate::value::SqlType::Text
        };
        out.push(' ');
        out.push_str(&super::render::with_renderer!(dialect, |r| {
            super::ddl::check_in(r, &c.name, ty, &c.variants)
        }));
    }
    out
}

fn fk_clause<R: Renderer>(r: &R, w: &mut SqlWriter, k: &CatalogForeignKey) {
    let _ = r;
    w.push("FOREIGN KEY ");
    w.column_list(k.columns.iter().map(String::as_str));
    w.push(" REFERENCES ");
    w.qualified(k.target_schema.as_deref(), &k.target);
    w.push(" ");
    w.column_list(k.target_columns.iter().map(String::as_str));
    if k.on_delete != OnDelete::NoAction {
        w.push(&format!(" ON DELETE {}", OnDeleteSql(k.on_delete)));
    }
}

/// `CREATE TABLE` (named `name`) and `CREATE INDEX` of `t`.
fn create_table<R: Renderer>(r: &R, dialect: Dialect, t: &Table, name: &str) -> Vec<String> {
    let mut w = r.writer();
    w.push("CREATE TABLE ");
    w.qualified(t.schema.as_deref(), name);
    w.push(" (\n");
    let inline_key =
        t.primary_key.len() == 1 && t.column(&t.primary_key[0]).is_some_and(|c| c.auto);
    let mut parts: Vec<String> = Vec::new();
    for c in &t.columns {
        let mut p = r.writer();
        p.push("  ");
        p.ident(&c.name);
        p.push(" ");
        p.push(&column_def(
            dialect,
            c,
            inline_key && t.primary_key[0] == c.name,
        ));
        parts.push(p.finish().sql);
    }
    if !inline_key && !t.primary_key.is_empty() {
        let mut p = r.writer();
        p.push("  PRIMARY KEY ");
        p.column_list(t.primary_key.iter().map(String::as_str));
        parts.push(p.finish().sql);
    }
    for u in &t.uniques {
        let mut p = r.writer();
        p.push("  CONSTRAINT ");
        p.ident(&u.name);
        p.push(" UNIQUE ");
        p.column_list(u.columns.iter().map(String::as_str));
        parts.push(p.finish().sql);
    }
    for k in &t.foreign_keys {
        let mut p = r.writer();
        p.push("  ");
        if let Some(n) = &k.name {
            p.push("CONSTRAINT ");
            p.ident(n);
            p.push(" ");
        }
        fk_clause(r, &mut p, k);
        parts.push(p.finish().sql);
    }
    if dialect == Dialect::MySql {
        for i in &t.indexes {
            let mut p = r.writer();
            p.push("  INDEX ");
            p.ident(&i.name);
            p.push(" ");
            p.column_list(i.columns.iter().map(String::as_str));
            parts.push(p.finish().sql);
        }
    }
    w.push(&parts.join(",\n"));
    w.push("\n)");
    if let Some(options) = &t.options {
        w.push(" ");
        w.push(options);
    }
    let mut out = vec![w.finish().sql];
    if dialect != Dialect::MySql {
        for i in &t.indexes {
            let mut renamed = t.clone();
            renamed.name = name.to_string();
            out.push(create_index(r, &renamed, i));
        }
    }
    out
}

fn create_index<R: Renderer>(r: &R, t: &Table, i: &Index) -> String {
    let mut w = r.writer();
    w.push("CREATE INDEX ");
    w.ident(&i.name);
    w.push(" ON ");
    qualified(r, &mut w, t);
    w.push(" ");
    w.column_list(i.columns.iter().map(String::as_str));
    w.finish().sql
}

fn statements<R: Renderer>(r: &R, dialect: Dialect, step: &Step) -> Vec<String> {
    match step {
        Step::CreateTable(t) => create_table(r, dialect, t, &t.name),
        Step::DropTable(t) => {
            let mut w = r.writer();
            w.push("DROP TABLE ");
            qualified(r, &mut w, t);
            vec![w.finish().sql]
        }
        Step::AddColumn(t, c) => {
            let mut w = alter_table(r, t);
            w.push(" ADD COLUMN ");
            w.ident(&c.name);
            w.push(" ");
            w.push(&column_def(dialect, c, false));
            vec![w.finish().sql]
        }
        Step::DropColumn(t, c) => {
            let mut w = alter_table(r, t);
            w.push(" DROP COLUMN ");
            w.ident(&c.name);
            vec![w.finish().sql]
        }
        Step::AlterColumn(t, from, to) => alter_column(r, dialect, t, from, to),
        Step::SetPrimaryKey(t, pk) => {
            let mut w = alter_table(r, t);
            match dialect {
                Dialect::MySql => w.push(" DROP PRIMARY KEY, ADD PRIMARY KEY "),
                _ => {
                    w.push(" DROP CONSTRAINT ");
                    let name = t
                        .primary_key_name
                        .clone()
                        .unwrap_or_else(|| format!("{}_pkey", t.name));
                    w.ident(&name);
                    w.push(", ADD PRIMARY KEY ");
                }
            }
            w.column_list(pk.iter().map(String::as_str));
            vec![w.finish().sql]
        }
        Step::AddUnique(t, u) => {
            let mut w = alter_table(r, t);
            w.push(" ADD CONSTRAINT ");
            w.ident(&u.name);
            w.push(" UNIQUE ");
            w.column_list(u.columns.iter().map(String::as_str));
            vec![w.finish().sql]
        }
        Step::DropUnique(t, u) => {
            let mut w = alter_table(r, t);
            w.push(if dialect == Dialect::MySql {
                " DROP INDEX "
            } else {
                " DROP CONSTRAINT "
            });
            w.ident(&u.name);
            vec![w.finish().sql]
        }
        Step::AddIndex(t, i) => vec![create_index(r, t, i)],
        Step::DropIndex(t, i) => {
            let mut w = r.writer();
            w.push("DROP INDEX ");
            if dialect == Dialect::Postgres {
                w.qualified(t.schema.as_deref(), &i.name);
            } else {
                w.ident(&i.name);
            }
            if dialect == Dialect::MySql {
                w.push(" ON ");
                qualified(r, &mut w, t);
            }
            vec![w.finish().sql]
        }
        Step::AddForeignKey(t, k) => {
            let mut w = alter_table(r, t);
            w.push(" ADD ");
            if let Some(n) = &k.name {
                w.push("CONSTRAINT ");
                w.ident(n);
                w.push(" ");
            }
            fk_clause(r, &mut w, k);
            vec![w.finish().sql]
        }
        Step::DropForeignKey(t, k) => {
            let mut w = alter_table(r, t);
            w.push(if dialect == Dialect::MySql {
                " DROP FOREIGN KEY "
            } else {
                " DROP CONSTRAINT "
            });
            w.ident(k.name.as_deref().unwrap_or_default());
            vec![w.finish().sql]
        }
        Step::Rebuild(from, to) => rebuild(r, dialect, from, to),
    }
}

fn alter_column<R: Renderer>(
    r: &R,
    dialect: Dialect,
    t: &Table,
    from: &CatalogColumn,
    to: &CatalogColumn,
) -> Vec<String> {
    if dialect == Dialect::MySql {
        let mut w = alter_table(r, t);
        w.push(" MODIFY COLUMN ");
        w.ident(&to.name);
        w.push(" ");
        w.push(&column_def(dialect, to, false));
        return vec![w.finish().sql];
    }
    let mut out = Vec::new();
    let mut alter = |text: &dyn Fn(&mut SqlWriter)| {
        let mut w = alter_table(r, t);
        w.push(" ALTER COLUMN ");
        w.ident(&to.name);
        w.push(" ");
        text(&mut w);
        out.push(w.finish().sql);
    };
    let same_type = same_column(
        dialect,
        false,
        &CatalogColumn {
            ty: from.ty.clone(),
            ..to.clone()
        },
        to,
    );
    if from.auto && !to.auto {
        alter(&|w| w.push("DROP IDENTITY"));
    }
    if !same_type {
        alter(&|w| {
            w.push("TYPE ");
            w.push(&to.ty);
            w.push(" USING ");
            w.ident(&to.name);
            w.push("::");
            w.push(&to.ty);
        });
    }
    if from.nullable != to.nullable {
        alter(&|w| {
            w.push(if to.nullable {
                "DROP NOT NULL"
            } else {
                "SET NOT NULL"
            })
        });
    }
    let default = |c: &CatalogColumn| normalize_default(dialect, false, c.default.as_deref());
    if !to.auto && default(from) != default(to) {
        match &to.default {
            Some(d) => alter(&|w| {
                w.push("SET DEFAULT ");
                w.push(d);
            }),
            None => alter(&|w| w.push("DROP DEFAULT")),
        }
    }
    if to.auto && !from.auto {
        alter(&|w| w.push("ADD GENERATED BY DEFAULT AS IDENTITY"));
    }
    out
}

/// SQLite's rebuild of `from` as `to`, keeping the rows of the columns
/// both have.
fn rebuild<R: Renderer>(r: &R, dialect: Dialect, from: &Table, to: &Table) -> Vec<String> {
    let temp = format!("_orm_new_{}", to.name);
    let mut out = create_table(
        r,
        dialect,
        &Table {
            indexes: Vec::new(),
            ..to.clone()
        },
        &temp,
    );
    let common: Vec<&str> = to
        .columns
        .iter()
        .filter(|c| from.column(&c.name).is_some())
        .map(|c| c.name.as_str())
        .collect();
    let mut w = r.writer();
    w.push("INSERT INTO ");
    w.qualified(to.schema.as_deref(), &temp);
    w.push(" ");
    w.column_list(common.iter().copied());
    w.push(" SELECT ");
    for (i, c) in common.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        w.ident(c);
    }
    w.push(" FROM ");
    qualified(r, &mut w, from);
    out.push(w.finish().sql);
    let mut w = r.writer();
    w.push("DROP TABLE ");
    qualified(r, &mut w, from);
    out.push(w.finish().sql);
    let mut w = r.writer();
    w.push("ALTER TABLE ");
    w.qualified(to.schema.as_deref(), &temp);
    w.push(" RENAME TO ");
    w.ident(&to.name);
    out.push(w.finish().sql);
    for i in &to.indexes {
        out.push(create_index(r, to, i));
    }
    out
}
