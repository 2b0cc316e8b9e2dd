//! SQLite: `"quoted"` names, `?` placeholders, no schemas. Its column types
//! are affinities; the names chosen here are the ones sqlx reads back as
//! the matching Rust type.

use crate::model::ColumnMeta;
use crate::value::SqlType;

use super::ddl::SchemaRenderer;
use super::renderer::Renderer;

/// The function `ilike` folds case with: SQLite's own `lower()` folds
/// ASCII letters only, so the ORM registers this Unicode one on its
/// connections (as PostgreSQL's `ILIKE` and MySQL's `LOWER` fold).
pub const CASEFOLD: &str = "orm_casefold";

/// What a connection runs after a migration script failed part-way: the
/// script's own transaction rolled back (an error when there was none is
/// ignored) and foreign keys on again, as a rebuild turns them off.
pub const AFTER_FAILED_SCRIPT: [&str; 2] = ["ROLLBACK", "PRAGMA foreign_keys = ON"];

/// The SQLite renderer.
pub(super) struct Sqlite;

impl Renderer for Sqlite {
    const SCHEMAS: bool = false;

    /// An `OFFSET` needs a `LIMIT`: `-1` is none.
    fn no_limit(&self) -> Option<i64> {
        Some(-1)
    }

    fn casefold(&self) -> &'static str {
        CASEFOLD
    }
}

impl SchemaRenderer for Sqlite {
    fn column_type(&self, col: &ColumnMeta) -> String {
        match col.sql_type {
            SqlType::SmallInt => "SMALLINT".into(),
            SqlType::Int => "INTEGER".into(),
            SqlType::BigInt => "BIGINT".into(),
            SqlType::Real => "REAL".into(),
            SqlType::Double => "DOUBLE".into(),
            SqlType::Bool => "BOOLEAN".into(),
            SqlType::Text => match col.max_length {
                Some(n) => format!("VARCHAR({n})"),
                None => "TEXT".into(),
            },
            SqlType::Bytes => "BLOB".into(),
            SqlType::Date => "DATE".into(),
            SqlType::DateTime => "DATETIME".into(),
            SqlType::DateTimeUtc => "DATETIME".into(),
            SqlType::Uuid => "BLOB".into(),
            // sqlx has no decimal support on SQLite: kept exact as text.
            SqlType::Decimal => "TEXT".into(),
            SqlType::Json => "TEXT".into(),
        }
    }

    /// `INTEGER PRIMARY KEY` makes the column the rowid: generated, and
    /// the fastest key SQLite has.
    fn auto_key(&self, _col: &ColumnMeta) -> String {
        "INTEGER PRIMARY KEY".into()
    }

    fn create_schema(&self, _name: &str) -> Option<String> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::Dialect::Sqlite;

    #[test]
    fn select_with_filter_order_and_paging() {
        assert_eq!(
            select_users(Sqlite),
            (
                r#"SELECT "users"."id", "users"."name", "users"."nick" FROM "users" WHERE ("users"."name" = ? AND "users"."id" IN (?, ?)) ORDER BY "users"."id" DESC LIMIT ? OFFSET ?"#.into(),
                5
            )
        );
        assert_eq!(
            offset_only(Sqlite),
            r#"SELECT "users"."id", "users"."name", "users"."nick" FROM "users" LIMIT ? OFFSET ?"#
        );
    }

    #[test]
    fn ilike_folds_with_the_registered_function() {
        assert_eq!(
            ilike(Sqlite),
            r#"SELECT 1 FROM "users" WHERE orm_casefold("users"."name") LIKE orm_casefold(?) ESCAPE ?"#
        );
    }

    #[test]
    fn insert_update_delete() {
        // Placeholders for values bound by the caller are the same.
        for rows in 1..=9 {
            let [bound, unbound] = insert_users_both_ways(Sqlite, rows);
            assert_eq!(unbound.0, bound.0, "{rows} rows");
            assert_eq!((bound.1, unbound.1), (rows * 2, 0));
        }
        assert_eq!(
            insert_two_users(Sqlite),
            r#"INSERT INTO "users" ("name", "nick") VALUES (?, COALESCE(?, 'anon')), (?, COALESCE(?, 'anon')) RETURNING "id", "nick""#
        );
        assert_eq!(
            update_user(Sqlite),
            r#"UPDATE "users" SET "name" = ? WHERE "id" = ?"#
        );
        assert_eq!(
            delete_users(Sqlite),
            r#"DELETE FROM "users" WHERE "users"."name" LIKE ? ESCAPE ?"#
        );
        assert_eq!(
            insert_pairs(Sqlite),
            r#"INSERT INTO "users_tags" ("user_id", "tag_id") VALUES (?, ?), (?, ?) ON CONFLICT DO NOTHING"#
        );
    }

    #[test]
    fn ddl() {
        assert_eq!(
            create_users(Sqlite),
            vec![
                "CREATE TABLE IF NOT EXISTS \"users\" (\n  \"id\" INTEGER PRIMARY KEY,\n  \"name\" VARCHAR(40) NOT NULL,\n  \"nick\" TEXT NULL DEFAULT 'anon'\n)".to_string(),
                r#"CREATE INDEX IF NOT EXISTS "ix_users_name" ON "users" ("name")"#.to_string(),
            ]
        );
    }
}
