//! MySQL and MariaDB: `` `quoted` `` names, `?` placeholders, indexes in
//! the table body, a binary NO PAD default collation.
//!
//! Text and binary columns that are keys, unique or indexed need a length
//! on MySQL; without `max_length` they get 255.

use crate::expr::AggregateFn;
use crate::model::ColumnMeta;
use crate::value::SqlType;

use super::ast::{Conflict, CreateTable, Insert, InsertMissingPairs, Upsert};
use super::ddl::SchemaRenderer;
use super::renderer::Renderer;
use super::writer::SqlWriter;

const KEY_LENGTH: u32 = 255;

/// The collation `create_all` gives MySQL 8 tables: binary and NO PAD, so
/// that text compares case- and trailing-space-sensitively, as on
/// PostgreSQL and SQLite.
pub const MYSQL_TEXT_COLLATION: &str = "utf8mb4_0900_bin";

/// MariaDB's name for the binary NO PAD collation of
/// [`MYSQL_TEXT_COLLATION`].
pub const MARIADB_TEXT_COLLATION: &str = "utf8mb4_nopad_bin";

/// What a new connection asks the server: its version (MariaDB says so in
/// it), the step between generated keys and the largest command it takes.
pub const SERVER_PROBE: &str = "SELECT VERSION(), CAST(@@auto_increment_increment AS UNSIGNED), CAST(@@max_allowed_packet AS UNSIGNED)";

/// The MySQL / MariaDB renderer.
pub(super) struct MySql;

impl Renderer for MySql {
    /// SUM of integers as `SIGNED`, of floats and AVG as `DOUBLE`: the
    /// same Rust types (`i64`, `f64`) as on the other backends.
    fn aggregate_cast(&self, func: AggregateFn, ty: SqlType) -> Option<&'static str> {
        match func {
            AggregateFn::Sum if ty.is_integer() => Some("SIGNED"),
            AggregateFn::Sum if ty != SqlType::Decimal => Some("DOUBLE"),
            _ => None,
        }
    }

    /// AVG of a DOUBLE: MySQL averages integers as DECIMAL with a scale
    /// that depends on the query, which a cast after cannot give back.
    fn aggregate_arg_cast(&self, func: AggregateFn, ty: SqlType) -> Option<&'static str> {
        (func == AggregateFn::Avg && ty != SqlType::Decimal).then_some("DOUBLE")
    }

    const QUOTE: char = '`';

    /// An `OFFSET` needs a `LIMIT`: the largest there is.
    fn no_limit(&self) -> Option<i64> {
        Some(i64::MAX)
    }

    /// `ON DUPLICATE KEY UPDATE c = VALUES(c)` (MySQL meets any unique
    /// key, not only the columns named); keeping the row is setting its
    /// first conflict column to itself. Nothing is returned: the rows are
    /// read back.
    fn upsert(&self, w: &mut SqlWriter, s: Upsert) {
        self.insert(
            w,
            Insert {
                returning: false,
                ..s.insert
            },
        );
        w.push(" ON DUPLICATE KEY UPDATE ");
        match &s.action {
            Conflict::DoNothing => {
                let c = s.columns.first().copied().unwrap_or_default();
                w.ident(c);
                w.push(" = ");
                w.ident(c);
            }
            Conflict::Update(set) => {
                for (i, c) in set.iter().enumerate() {
                    if i > 0 {
                        w.push(", ");
                    }
                    w.ident(c);
                    w.push(" = VALUES(");
                    w.ident(c);
                    w.push(")");
                }
            }
        }
    }

    /// MySQL's `INSERT IGNORE` would also swallow foreign key errors: the
    /// missing pairs are selected instead.
    fn insert_missing_pairs(&self, w: &mut SqlWriter, s: InsertMissingPairs) {
        let (left, right) = (s.left.name, s.right.name);
        w.push("INSERT INTO ");
        w.table(s.table);
        w.push(" ");
        w.column_list([left, right].into_iter());
        w.push(" SELECT ");
        w.ident("v");
        w.push(".");
        w.ident(left);
        w.push(", ");
        w.ident("v");
        w.push(".");
        w.ident(right);
        w.push(" FROM (");
        for (i, (l, r)) in s.pairs.into_iter().enumerate() {
            if i == 0 {
                w.push("SELECT ");
                w.bind(l);
                w.push(" AS ");
                w.ident(left);
                w.push(", ");
                w.bind(r);
                w.push(" AS ");
                w.ident(right);
            } else {
                w.push(" UNION ALL SELECT ");
                w.bind(l);
                w.push(", ");
                w.bind(r);
            }
        }
        w.push(") AS ");
        w.ident("v");
        w.push(" WHERE NOT EXISTS (SELECT 1 FROM ");
        w.table(s.table);
        w.push(" AS ");
        w.ident("e");
        w.push(" WHERE ");
        for (i, name) in [left, right].into_iter().enumerate() {
            if i > 0 {
                w.push(" AND ");
            }
            w.ident("e");
            w.push(".");
            w.ident(name);
            w.push(" = ");
            w.ident("v");
            w.push(".");
            w.ident(name);
        }
        w.push(")");
    }
}

impl SchemaRenderer for MySql {
    /// MySQL has no `CREATE INDEX IF NOT EXISTS`.
    const INDEXES_IN_TABLE: bool = true;

    fn column_type(&self, col: &ColumnMeta) -> String {
        let keyed = col.primary_key || col.unique || col.index || col.references.is_some();
        let length = col.max_length.or(keyed.then_some(KEY_LENGTH));
        match col.sql_type {
            SqlType::SmallInt => "SMALLINT".into(),
            SqlType::Int => "INT".into(),
            SqlType::BigInt => "BIGINT".into(),
            SqlType::Real => "FLOAT".into(),
            SqlType::Double => "DOUBLE".into(),
            SqlType::Bool => "BOOLEAN".into(),
            SqlType::Text => match length {
                Some(n) => format!("VARCHAR({n})"),
                None => "LONGTEXT".into(),
            },
            SqlType::Bytes => match length {
                Some(n) => format!("VARBINARY({n})"),
                None => "LONGBLOB".into(),
            },
            SqlType::Date => "DATE".into(),
            SqlType::DateTime => "DATETIME(6)".into(),
            SqlType::DateTimeUtc => "DATETIME(6)".into(),
            SqlType::Uuid => "BINARY(16)".into(),
            SqlType::Decimal => "DECIMAL(38, 12)".into(),
            SqlType::Json => "JSON".into(),
        }
    }

    fn auto_key(&self, col: &ColumnMeta) -> String {
        format!(
            "{} NOT NULL AUTO_INCREMENT PRIMARY KEY",
            self.column_type(col)
        )
    }

    fn table_options(&self, w: &mut SqlWriter, table: &CreateTable<'_>) {
        w.push(" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=");
        w.push(if table.mariadb {
            MARIADB_TEXT_COLLATION
        } else {
            MYSQL_TEXT_COLLATION
        });
    }

    /// A schema is a database.
    fn create_schema(&self, name: &str) -> Option<String> {
        let mut w = self.writer();
        w.push("CREATE DATABASE IF NOT EXISTS ");
        w.ident(name);
        Some(w.finish().sql)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::Dialect::MySql;

    #[test]
    fn select_with_filter_order_and_paging() {
        assert_eq!(
            select_users(MySql),
            (
                "SELECT `users`.`id`, `users`.`name`, `users`.`nick` FROM `users` WHERE (`users`.`name` = ? AND `users`.`id` IN (?, ?)) ORDER BY `users`.`id` DESC LIMIT ? OFFSET ?".into(),
                5
            )
        );
        assert_eq!(
            offset_only(MySql),
            "SELECT `users`.`id`, `users`.`name`, `users`.`nick` FROM `users` LIMIT ? OFFSET ?"
        );
    }

    #[test]
    fn ilike_folds_with_lower() {
        assert_eq!(
            ilike(MySql),
            "SELECT 1 FROM `users` WHERE LOWER(`users`.`name`) LIKE LOWER(?) ESCAPE ?"
        );
    }

    #[test]
    fn insert_update_delete() {
        // Placeholders for values bound by the caller are the same.
        for rows in 1..=9 {
            let [bound, unbound] = insert_users_both_ways(MySql, rows);
            assert_eq!(unbound.0, bound.0, "{rows} rows");
            assert_eq!((bound.1, unbound.1), (rows * 2, 0));
        }
        assert_eq!(
            insert_two_users(MySql),
            "INSERT INTO `users` (`name`, `nick`) VALUES (?, COALESCE(?, 'anon')), (?, COALESCE(?, 'anon')) RETURNING `id`, `nick`"
        );
        assert_eq!(
            update_user(MySql),
            "UPDATE `users` SET `name` = ? WHERE `id` = ?"
        );
        assert_eq!(
            delete_users(MySql),
            "DELETE FROM `users` WHERE `users`.`name` LIKE ? ESCAPE ?"
        );
        assert_eq!(
            insert_pairs(MySql),
            "INSERT INTO `users_tags` (`user_id`, `tag_id`) SELECT `v`.`user_id`, `v`.`tag_id` FROM (SELECT ? AS `user_id`, ? AS `tag_id` UNION ALL SELECT ?, ?) AS `v` WHERE NOT EXISTS (SELECT 1 FROM `users_tags` AS `e` WHERE `e`.`user_id` = `v`.`user_id` AND `e`.`tag_id` = `v`.`tag_id`)"
        );
    }

    #[test]
    fn ddl() {
        assert_eq!(
            create_users(MySql),
            vec![
                "CREATE TABLE IF NOT EXISTS `users` (\n  `id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,\n  `name` VARCHAR(40) NOT NULL,\n  `nick` LONGTEXT NULL DEFAULT 'anon',\n  INDEX `ix_users_name` (`name`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin".to_string(),
            ]
        );
    }
}
