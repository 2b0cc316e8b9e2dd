//! Reading a live database's schema: one query per kind of object and
//! dialect, each returning rows of text in a fixed order, and the assembly
//! of those rows into a [`Catalog`].
//!
//! Every query takes one bound parameter, the schema (PostgreSQL) or
//! database (MySQL) to read; SQLite reads its main database and ignores
//! it.

use std::collections::BTreeMap;

use super::catalog::{
    Catalog, CatalogColumn, CatalogForeignKey, Index, Table, normalize_default, on_delete_of,
};
use super::dialect::Dialect;

/// One row of an introspection query: its cells as text.
pub type TextRow = Vec<Option<String>>;

/// The queries that read one schema.
#[derive(Debug, Clone, Copy)]
pub struct Introspection {
    /// `SELECT` of the current schema (PostgreSQL) or database (MySQL);
    /// `main` on SQLite.
    pub current_schema: &'static str,
    /// Rows: table.
    pub tables: &'static str,
    /// Rows: table, column, type, nullable (`YES`/`NO`), default, auto
    /// (`1`/`0`), position, collation.
    pub columns: &'static str,
    /// Rows: table, name, kind (`p` primary key, `u` unique, `i` index),
    /// column, position.
    pub indexes: &'static str,
    /// Rows: table, name, column, target schema, target table, target
    /// column, on delete, position.
    pub foreign_keys: &'static str,
}

/// The introspection queries of `dialect`.
pub fn introspection(dialect: Dialect) -> Introspection {
    match dialect {
        Dialect::Sqlite => SQLITE,
        Dialect::Postgres => POSTGRES,
        Dialect::MySql => MYSQL,
    }
}

const SQLITE_TABLES: &str = "SELECT m.name FROM sqlite_master m WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite^_%' ESCAPE '^' AND m.name <> '_sqlx_migrations' AND ? IS NOT NULL";

const SQLITE: Introspection = Introspection {
    current_schema: "SELECT 'main'",
    tables: SQLITE_TABLES,
    columns: "SELECT m.name, p.name, p.type, CASE WHEN p.\"notnull\" THEN 'NO' ELSE 'YES' END, p.dflt_value, '0', CAST(p.cid AS TEXT), NULL \
              FROM sqlite_master m JOIN pragma_table_info(m.name) p \
              WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite^_%' ESCAPE '^' AND m.name <> '_sqlx_migrations' AND ? IS NOT NULL \
              ORDER BY m.name, p.cid",
    indexes: "SELECT m.name, CASE WHEN il.origin = 'pk' THEN '' ELSE il.name END, \
              CASE WHEN il.origin = 'pk' THEN 'p' WHEN il.\"unique\" THEN 'u' ELSE 'i' END, ii.name, CAST(ii.seqno AS TEXT) \
              FROM sqlite_master m JOIN pragma_index_list(m.name) il JOIN pragma_index_info(il.name) ii \
              WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite^_%' ESCAPE '^' AND m.name <> '_sqlx_migrations' AND ? IS NOT NULL \
              UNION ALL \
              SELECT m.name, '', 'p', p.name, CAST(p.pk AS TEXT) FROM sqlite_master m JOIN pragma_table_info(m.name) p \
              WHERE m.type = 'table' AND p.pk > 0 AND m.name NOT LIKE 'sqlite^_%' ESCAPE '^' AND m.name <> '_sqlx_migrations' \
              AND NOT EXISTS (SELECT 1 FROM pragma_index_list(m.name) il WHERE il.origin = 'pk')",
    foreign_keys: "SELECT m.name, CAST(fk.id AS TEXT), fk.\"from\", NULL, fk.\"table\", fk.\"to\", fk.on_delete, CAST(fk.seq AS TEXT) \
                   FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) fk \
                   WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite^_%' ESCAPE '^' AND m.name <> '_sqlx_migrations' AND ? IS NOT NULL \
                   ORDER BY m.name, fk.id, fk.seq",
};

const POSTGRES: Introspection = Introspection {
    current_schema: "SELECT current_schema()::text",
    tables: "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p') AND n.nspname = $1 AND c.relname <> '_sqlx_migrations' ORDER BY 1",
    columns: "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), \
              CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END, pg_get_expr(d.adbin, d.adrelid), \
              CASE WHEN a.attidentity <> '' THEN '1' ELSE '0' END, a.attnum::text, \
              CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN (SELECT co.collname::text FROM pg_collation co WHERE co.oid = a.attcollation) END \
              FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
              JOIN pg_type t ON t.oid = a.atttypid \
              LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
              WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') AND n.nspname = $1 \
              AND c.relname <> '_sqlx_migrations' ORDER BY c.relname, a.attnum",
    indexes: "SELECT c.relname::text, i.relname::text, \
              CASE WHEN con.contype = 'p' THEN 'p' WHEN ix.indisunique THEN 'u' ELSE 'i' END, a.attname::text, k.ord::text \
              FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class c ON c.oid = ix.indrelid \
              JOIN pg_namespace n ON n.oid = c.relnamespace \
              LEFT JOIN pg_constraint con ON con.conindid = ix.indexrelid AND con.contype IN ('p', 'u') \
              CROSS JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY k(attnum, ord) \
              JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum \
              WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND c.relname <> '_sqlx_migrations' ORDER BY 1, 2, k.ord",
    foreign_keys: "SELECT c.relname::text, con.conname::text, a.attname::text, rn.nspname::text, rc.relname::text, ra.attname::text, \
                   con.confdeltype::text, k.ord::text \
                   FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
                   CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY k(attnum, ord) \
                   JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum \
                   JOIN pg_class rc ON rc.oid = con.confrelid JOIN pg_namespace rn ON rn.oid = rc.relnamespace \
                   JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = con.confkey[k.ord] \
                   WHERE con.contype = 'f' AND n.nspname = $1 ORDER BY 1, 2, k.ord",
};

const MYSQL: Introspection = Introspection {
    current_schema: "SELECT DATABASE()",
    tables: "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA = ? \
             AND TABLE_NAME <> '_sqlx_migrations' ORDER BY 1",
    columns: "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, \
              CASE WHEN EXTRA LIKE '%auto_increment%' THEN '1' ELSE '0' END, CAST(ORDINAL_POSITION AS CHAR), COLLATION_NAME \
              FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME <> '_sqlx_migrations' \
              ORDER BY TABLE_NAME, ORDINAL_POSITION",
    indexes: "SELECT TABLE_NAME, INDEX_NAME, CASE WHEN INDEX_NAME = 'PRIMARY' THEN 'p' WHEN NON_UNIQUE = 0 THEN 'u' ELSE 'i' END, \
              COLUMN_NAME, CAST(SEQ_IN_INDEX AS CHAR) \
              FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME <> '_sqlx_migrations' \
              ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
    foreign_keys: "SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_SCHEMA, k.REFERENCED_TABLE_NAME, \
                   k.REFERENCED_COLUMN_NAME, r.DELETE_RULE, CAST(k.ORDINAL_POSITION AS CHAR) \
                   FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
                   ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME \
                   WHERE k.TABLE_SCHEMA = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL \
                   ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION",
};

/// The rows of the four queries on one schema.
#[derive(Debug, Default)]
pub struct IntrospectedRows {
    /// Of [`Introspection::tables`].
    pub tables: Vec<TextRow>,
    /// Of [`Introspection::columns`].
    pub columns: Vec<TextRow>,
    /// Of [`Introspection::indexes`].
    pub indexes: Vec<TextRow>,
    /// Of [`Introspection::foreign_keys`].
    pub foreign_keys: Vec<TextRow>,
}

fn cell(row: &TextRow, i: usize) -> &str {
    row.get(i).and_then(|c| c.as_deref()).unwrap_or("")
}

fn position(row: &TextRow, i: usize) -> i64 {
    cell(row, i).parse().unwrap_or(0)
}

/// The tables of one schema from its introspected rows. `schema`: the
/// name the tables carry (`None` for the connection's default schema);
/// `default_schema`: that default's name, so that a foreign key into it
/// reads as `None` too.
pub fn assemble(
    dialect: Dialect,
    mariadb: bool,
    schema: Option<&str>,
    default_schema: &str,
    rows: &IntrospectedRows,
) -> Catalog {
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for row in &rows.tables {
        let name = cell(row, 0).to_string();
        tables.insert(
            name.clone(),
            Table {
                schema: schema.map(str::to_string),
                name,
                ..Table::default()
            },
        );
    }
    add_columns(dialect, mariadb, &rows.columns, &mut tables);
    add_indexes(&rows.indexes, &mut tables);
    add_foreign_keys(dialect, default_schema, &rows.foreign_keys, &mut tables);
    for t in tables.values_mut() {
        as_the_models_see_it(dialect, t);
    }
    Catalog {
        tables: tables.into_values().collect(),
    }
}

/// The columns' rows, into their tables.
fn add_columns(
    dialect: Dialect,
    mariadb: bool,
    rows: &[TextRow],
    tables: &mut BTreeMap<String, Table>,
) {
    for row in rows {
        let Some(table) = tables.get_mut(cell(row, 0)) else {
            continue;
        };
        let raw_default = row.get(4).and_then(|c| c.as_deref());
        // A PostgreSQL `serial` is a sequence default: generated.
        let serial =
            dialect == Dialect::Postgres && raw_default.is_some_and(|d| d.starts_with("nextval("));
        table.columns.push(CatalogColumn {
            name: cell(row, 1).to_string(),
            ty: cell(row, 2).to_string(),
            nullable: cell(row, 3).eq_ignore_ascii_case("YES"),
            default: if serial || normalize_default(dialect, mariadb, raw_default).is_none() {
                None
            } else {
                raw_default.map(str::to_string)
            },
            auto: cell(row, 5) == "1" || serial,
            collation: row.get(7).cloned().flatten(),
            variants: Vec::new(),
        });
    }
}

/// The index rows (one per column of an index), into primary keys,
/// uniques and indexes.
fn add_indexes(rows: &[TextRow], tables: &mut BTreeMap<String, Table>) {
    let mut indexes: BTreeMap<(String, String, String), Vec<(i64, String)>> = BTreeMap::new();
    for row in rows {
        indexes
            .entry((
                cell(row, 0).to_string(),
                cell(row, 1).to_string(),
                cell(row, 2).to_string(),
            ))
            .or_default()
            .push((position(row, 4), cell(row, 3).to_string()));
    }
    for ((table, name, kind), mut columns) in indexes {
        let Some(t) = tables.get_mut(&table) else {
            continue;
        };
        columns.sort();
        let columns: Vec<String> = columns.into_iter().map(|(_, c)| c).collect();
        match kind.as_str() {
            "p" => {
                t.primary_key = columns;
                t.primary_key_name = (!name.is_empty()).then_some(name);
            }
            "u" => t.uniques.push(Index { name, columns }),
            _ => t.indexes.push(Index { name, columns }),
        }
    }
}

/// The foreign key rows (one per column of a key), into their tables.
fn add_foreign_keys(
    dialect: Dialect,
    default_schema: &str,
    rows: &[TextRow],
    tables: &mut BTreeMap<String, Table>,
) {
    let mut fks: BTreeMap<(String, String), CatalogForeignKey> = BTreeMap::new();
    for row in rows {
        let table = cell(row, 0).to_string();
        // SQLite keeps no name: its rows carry the key's number instead.
        let key = cell(row, 1).to_string();
        let name = (dialect != Dialect::Sqlite).then(|| key.clone());
        let target_schema = match row.get(3).and_then(|c| c.as_deref()) {
            None => None,
            Some(s) if s == default_schema => None,
            Some(s) => Some(s.to_string()),
        };
        let fk = fks
            .entry((table, key))
            .or_insert_with(|| CatalogForeignKey {
                name,
                columns: Vec::new(),
                target_schema,
                target: cell(row, 4).to_string(),
                target_columns: Vec::new(),
                on_delete: on_delete_of(cell(row, 6)),
            });
        fk.columns.push(cell(row, 2).to_string());
        fk.target_columns.push(cell(row, 5).to_string());
    }
    for ((table, _), fk) in fks {
        if let Some(t) = tables.get_mut(&table) {
            t.foreign_keys.push(fk);
        }
    }
}

/// What a backend keeps its own way, read as the models declare it.
fn as_the_models_see_it(dialect: Dialect, t: &mut Table) {
    // SQLite's `INTEGER PRIMARY KEY` is the rowid: generated, never NULL
    // (though the catalog reports it nullable).
    if dialect == Dialect::Sqlite
        && let [only] = t.primary_key.as_slice()
        && let Some(col) = t.columns.iter_mut().find(|c| &c.name == only)
        && col.ty.eq_ignore_ascii_case("INTEGER")
    {
        col.auto = true;
    }
    for col in t.columns.iter_mut() {
        if t.primary_key.contains(&col.name) {
            col.nullable = false;
        }
    }
    // SQLite names the index of an inline UNIQUE itself: named as
    // `create_all` would name the constraint, so that a migration that
    // recreates the table does not carry SQLite's reserved name.
    if dialect == Dialect::Sqlite {
        let table = t.name.clone();
        for u in t.uniques.iter_mut() {
            if u.name.starts_with("sqlite_autoindex_") {
                u.name = format!("{table}_{}_key", u.columns.join("_"));
            }
        }
    }
    // InnoDB indexes every foreign key, under the key's name when it has
    // to make the index itself.
    if dialect == Dialect::MySql {
        let fks = t.foreign_keys.clone();
        t.indexes.retain(|i| {
            !fks.iter()
                .any(|fk| fk.name.as_deref() == Some(i.name.as_str()) && fk.columns == i.columns)
        });
    }
}
