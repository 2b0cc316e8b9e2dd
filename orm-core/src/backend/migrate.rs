//! Running sqlx's migrator on a connection of the pool: list what is
//! applied, apply up to a version, revert down to one.

use sqlx::migrate::{AppliedMigration, MigrateError, Migrator};

use super::{Pool, Shared};

/// What to do with the migrator.
#[derive(Debug, Clone, Copy)]
pub(crate) enum MigrateOp {
    /// The applied migrations (the table is created if missing).
    Applied,
    /// Applies the pending migrations up to this version.
    RunTo(i64),
    /// Reverts the applied migrations above this version.
    UndoTo(i64),
}

/// Runs `op` on one connection leased for it.
pub(crate) async fn migrate(
    shared: &Shared,
    migrator: &Migrator,
    op: MigrateOp,
) -> Result<Vec<AppliedMigration>, MigrateError> {
    // After a failure: SQLite's connection (which may hold an in-memory
    // database) is put back in order; a server connection is closed, which
    // also releases the migrator's session lock.
    macro_rules! on {
        ($pool:expr, $after_failure:expr, $close:expr) => {{
            let mut conn = $pool.acquire().await?;
            let result = match op {
                MigrateOp::Applied => {
                    use sqlx::migrate::Migrate;
                    let table = &migrator.table_name;
                    match conn.ensure_migrations_table(table).await {
                        Ok(()) => conn.list_applied_migrations(table).await,
                        Err(e) => Err(e),
                    }
                }
                MigrateOp::RunTo(v) => migrator.run_to(v, &mut *conn).await.map(|()| Vec::new()),
                MigrateOp::UndoTo(v) => migrator.undo(&mut *conn, v).await.map(|()| Vec::new()),
            };
            if result.is_err() {
                let after: &[&str] = $after_failure;
                for stmt in after {
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(*stmt))
                        .execute(&mut *conn)
                        .await;
                }
                if $close {
                    drop(conn.detach());
                }
            }
            result
        }};
    }
    match shared.pool() {
        #[cfg(feature = "sqlite")]
        Pool::Sqlite(p) => on!(p, &crate::sql::SQLITE_AFTER_FAILED_SCRIPT, false),
        #[cfg(feature = "postgres")]
        Pool::Postgres(p) => on!(p, &[], true),
        #[cfg(feature = "mysql")]
        Pool::MySql(p) => on!(p, &[], true),
    }
}
