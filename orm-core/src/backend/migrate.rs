//! Running sqlx's migrator on one connection of the pool: what is applied
//! (and whether one is dirty), apply up to a version, revert one.

use sqlx::migrate::{AppliedMigration, Migrate, MigrateError, Migration, Migrator};

use super::{Pool, Shared};

/// What to do with the migrator.
#[derive(Debug, Clone, Copy)]
pub(crate) enum MigrateOp {
    /// The applied migrations (the table is created if missing).
    Applied,
    /// Applies the pending migrations up to this version.
    RunTo(i64),
    /// Reverts the applied migration of this version with its down file.
    Revert(i64),
}

/// What the database's migration table says.
#[derive(Debug, Default)]
pub(crate) struct MigrationState {
    /// The migrations applied, by version.
    pub applied: Vec<AppliedMigration>,
    /// A migration that failed part-way and is marked so (MySQL).
    pub dirty: Option<i64>,
}

/// Runs `op` on one connection leased for it.
pub(crate) async fn migrate(
    shared: &Shared,
    migrator: &Migrator,
    op: MigrateOp,
) -> Result<MigrationState, MigrateError> {
    // After a failure: SQLite's connection (which may hold an in-memory
    // database) is put back in order; a server connection is closed, which
    // also releases the migrator's session lock.
    macro_rules! on {
        ($conn:expr, $after_failure:expr, $close:expr) => {{
            let mut conn = $conn;
            let result = run(&mut *conn, migrator, op).await;
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
        Pool::Sqlite(p) => on!(
            shared.parking().acquire_unlocked(p).await?,
            &crate::sql::SQLITE_AFTER_FAILED_SCRIPT,
            false
        ),
        #[cfg(feature = "postgres")]
        Pool::Postgres(p) if shared.pooled() => behind_pooler(p, migrator, op).await,
        #[cfg(feature = "postgres")]
        Pool::Postgres(p) => on!(p.acquire().await?, &[], true),
        #[cfg(feature = "mysql")]
        Pool::MySql(p) => on!(p.acquire().await?, &[], true),
    }
}

/// Runs `op` behind a transaction-pooling proxy: in one transaction, so
/// that every statement of the migrator reaches the same server connection
/// (each migration's own transaction becomes a savepoint in it), and with
/// the statements sqlx prepared under names dropped before it ends. A
/// migration that cannot run inside a transaction (`-- no-transaction`)
/// must be run against the server itself.
#[cfg(feature = "postgres")]
async fn behind_pooler(
    pool: &sqlx::PgPool,
    migrator: &Migrator,
    op: MigrateOp,
) -> Result<MigrationState, MigrateError> {
    let mut conn = pool.acquire().await?;
    let (result, ended) = {
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let result = run(&mut *tx, migrator, op).await;
        let forgot = sqlx::raw_sql(crate::sql::POSTGRES_FORGET_SESSION)
            .execute(&mut *tx)
            .await;
        match (result, forgot) {
            (Ok(state), Ok(_)) => (tx.commit().await.map(|()| state).map_err(Into::into), true),
            (Ok(_), Err(e)) => (Err(e.into()), false),
            (Err(e), forgot) => (Err(e), tx.rollback().await.is_ok() && forgot.is_ok()),
        }
    };
    if result.is_err() && !ended {
        // Whatever stayed on the connection goes with it.
        drop(conn.detach());
    }
    result
}

async fn run<C: Migrate + Send>(
    conn: &mut C,
    migrator: &Migrator,
    op: MigrateOp,
) -> Result<MigrationState, MigrateError> {
    let table = &*migrator.table_name;
    match op {
        MigrateOp::Applied => {
            conn.ensure_migrations_table(table).await?;
            Ok(MigrationState {
                dirty: conn.dirty_version(table).await?,
                applied: conn.list_applied_migrations(table).await?,
            })
        }
        MigrateOp::RunTo(version) => {
            migrator.run_direct(Some(version), conn, false).await?;
            Ok(MigrationState::default())
        }
        MigrateOp::Revert(version) => {
            let down: Option<&Migration> = migrator
                .iter()
                .find(|m| m.version == version && m.migration_type.is_down_migration());
            let Some(down) = down else {
                return Ok(MigrationState::default());
            };
            conn.lock().await?;
            let reverted = conn.revert(table, down).await;
            // A failed revert leaves the lock to the closed connection.
            reverted?;
            conn.unlock().await?;
            Ok(MigrationState::default())
        }
    }
}
