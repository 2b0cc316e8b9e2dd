//! Migration folders in sqlx's format, checked and run with sqlx's own
//! migrator and its `_sqlx_migrations` table (so `sqlx migrate info`
//! agrees with [`Migrator::status`]).
//!
//! Before anything runs, the folder is held against what the database has
//! applied: a file changed since it was applied, an applied migration the
//! folder no longer has (a database newer than the code), a pending
//! migration older than one applied (it would run out of order) are each
//! [`Error::Migration`] naming the file, and nothing is applied.

use std::borrow::Cow;
use std::path::Path;
use std::time::{Duration, Instant};

use sqlx::SqlSafeStr;
use sqlx::migrate::{MigrateError, Migration, MigrationType};

use crate::backend::Executor;
use crate::backend::migrate::{MigrateOp, MigrationState, migrate};
use crate::error::{Error, Result};

/// One migration of a folder: its version, description and file names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationFile {
    /// The version: the number the file name starts with.
    pub version: i64,
    /// The description: the rest of the name, `_` read as spaces.
    pub description: String,
    /// The file that applies it (`<version>_<name>.up.sql`, or
    /// `<version>_<name>.sql` for one that cannot be reverted).
    pub file: String,
    /// The file that reverts it, when there is one.
    pub down_file: Option<String>,
}

/// What [`Migrator::status`] says of one migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    /// The migration (for one applied but missing from the folder, only
    /// its version is known: the file names are empty).
    pub migration: MigrationFile,
    /// Applied to the database.
    pub applied: bool,
    /// Applied, but the file has changed since.
    pub changed: bool,
    /// Applied, but not in the folder.
    pub missing: bool,
    /// Failed part-way on a database that commits DDL as it goes (MySQL),
    /// and marked so: a person must finish or undo it.
    pub dirty: bool,
}

/// A migration [`Migrator::run`] or [`Migrator::revert`] applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The migration.
    pub migration: MigrationFile,
    /// How long its SQL took.
    pub elapsed: Duration,
}

/// A folder of migrations: embedded at compile time by
/// `orm::migrate!`, or read at run time by
/// [`Migrator::from_dir`].
#[derive(Debug)]
pub struct Migrator {
    inner: sqlx::migrate::Migrator,
    files: Vec<MigrationFile>,
    /// Why the embedded folder cannot run, reported by every operation.
    error: Option<String>,
}

/// The parts of a migration file name: version, description, kind.
fn parse_name(name: &str) -> Result<(i64, String, MigrationType)> {
    let bad = || {
        Error::Migration(format!(
            "`{name}` is not a migration file name: expected `<version>_<description>.up.sql`, `.down.sql` or `.sql`, e.g. `20261130120000_add_post_summary.up.sql`"
        ))
    };
    let (stem, kind) = if let Some(stem) = name.strip_suffix(".up.sql") {
        (stem, MigrationType::ReversibleUp)
    } else if let Some(stem) = name.strip_suffix(".down.sql") {
        (stem, MigrationType::ReversibleDown)
    } else if let Some(stem) = name.strip_suffix(".sql") {
        (stem, MigrationType::Simple)
    } else {
        return Err(bad());
    };
    let (version, description) = stem.split_once('_').ok_or_else(bad)?;
    let version: i64 = version.parse().map_err(|_| bad())?;
    if version < 0 || description.is_empty() {
        return Err(bad());
    }
    Ok((version, description.replace('_', " "), kind))
}

impl Migrator {
    /// The migrations of files given by name and content (what
    /// `orm::migrate!` embeds). Files whose name does not end
    /// in `.sql` are ignored.
    #[doc(hidden)]
    pub fn __embedded(files: &[(&str, &'static str)]) -> Migrator {
        let files = files
            .iter()
            .map(|(name, sql)| (name.to_string(), Cow::Borrowed(*sql)))
            .collect();
        Self::from_files(files).unwrap_or_else(|e| Migrator {
            inner: sqlx::migrate::Migrator::with_migrations(Vec::new()),
            files: Vec::new(),
            error: Some(match e {
                Error::Migration(m) => m,
                other => other.to_string(),
            }),
        })
    }

    /// The migrations of the folder `dir`, read now: what the `orm`
    /// command line runs. Files whose name does not end in `.sql` are
    /// ignored.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Migrator> {
        let dir = dir.as_ref();
        let io = |e: std::io::Error| {
            Error::Migration(format!(
                "cannot read the migration folder {}: {e}",
                dir.display()
            ))
        };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            if !name.ends_with(".sql") {
                continue;
            }
            let sql = std::fs::read_to_string(&path).map_err(io)?;
            files.push((name, Cow::Owned(sql)));
        }
        Self::from_files(files)
    }

    fn from_files(mut files: Vec<(String, Cow<'static, str>)>) -> Result<Migrator> {
        files.retain(|(name, _)| name.ends_with(".sql"));
        let mut parsed = Vec::with_capacity(files.len());
        for (name, sql) in files {
            let (version, description, kind) = parse_name(&name)?;
            parsed.push((
                version,
                kind.is_down_migration(),
                name,
                description,
                kind,
                sql,
            ));
        }
        // Each version's up before its down.
        parsed.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
        let mut migrations = Vec::new();
        let mut list: Vec<MigrationFile> = Vec::new();
        for (version, _, name, description, kind, sql) in parsed {
            let existing = list.iter_mut().find(|m| m.version == version);
            match (kind, existing) {
                (MigrationType::ReversibleDown, Some(m)) if m.down_file.is_none() => {
                    m.down_file = Some(name.clone());
                }
                (MigrationType::ReversibleDown, None) => {
                    return Err(Error::Migration(format!(
                        "`{name}` reverts version {version}, but no `{version}_{}.up.sql` applies it: add the up file, or remove this one",
                        description.replace(' ', "_")
                    )));
                }
                (_, Some(m)) => {
                    return Err(Error::Migration(format!(
                        "`{name}` and `{}` have the same version {version}: give one a later version",
                        m.file
                    )));
                }
                (_, None) => list.push(MigrationFile {
                    version,
                    description: description.clone(),
                    file: name.clone(),
                    down_file: None,
                }),
            }
            let no_tx = sql.trim_start().starts_with("-- no-transaction");
            let sql = match sql {
                Cow::Borrowed(s) => sqlx::AssertSqlSafe(s).into_sql_str(),
                Cow::Owned(s) => sqlx::AssertSqlSafe(s).into_sql_str(),
            };
            migrations.push(Migration::new(
                version,
                Cow::Owned(description),
                kind,
                sql,
                no_tx,
            ));
        }
        // sqlx wants the up of a version before its down.
        migrations.sort_by_key(|m| (m.version, m.migration_type.is_down_migration()));
        list.sort_by_key(|m| m.version);
        Ok(Migrator {
            inner: sqlx::migrate::Migrator::with_migrations(migrations),
            files: list,
            error: None,
        })
    }

    /// The migrations of the folder, oldest first.
    pub fn migrations(&self) -> &[MigrationFile] {
        &self.files
    }

    fn file(&self, version: i64) -> Option<&MigrationFile> {
        self.files.iter().find(|m| m.version == version)
    }

    fn up_checksum(&self, version: i64) -> Option<&[u8]> {
        self.inner
            .iter()
            .find(|m| m.version == version && !m.migration_type.is_down_migration())
            .map(|m| &*m.checksum)
    }

    async fn applied(&self, exec: &(impl Executor + ?Sized)) -> Result<MigrationState> {
        if let Some(e) = &self.error {
            return Err(Error::Migration(e.clone()));
        }
        migrate(exec.target().shared(), &self.inner, MigrateOp::Applied)
            .await
            .map_err(|e| self.error(e, None))
    }

    /// `name` of version `v`, quoted, or the bare version when the folder
    /// does not have it.
    fn name_of(&self, v: i64, down: bool) -> String {
        match self.file(v) {
            Some(f) if down => format!("`{}`", f.down_file.as_deref().unwrap_or(&f.file)),
            Some(f) => format!("`{}`", f.file),
            None => format!("migration {v}"),
        }
    }

    /// Each migration of the folder and of the database, oldest first:
    /// applied or pending, and whether an applied one has changed or is
    /// missing from the folder.
    pub async fn status(&self, exec: &(impl Executor + ?Sized)) -> Result<Vec<MigrationStatus>> {
        let state = self.applied(exec).await?;
        let applied = &state.applied;
        let mut out: Vec<MigrationStatus> = self
            .files
            .iter()
            .map(|f| {
                let done = applied.iter().find(|a| a.version == f.version);
                MigrationStatus {
                    migration: f.clone(),
                    applied: done.is_some(),
                    changed: done
                        .is_some_and(|a| Some(&*a.checksum) != self.up_checksum(f.version)),
                    missing: false,
                    dirty: state.dirty == Some(f.version),
                }
            })
            .collect();
        for a in applied {
            if self.file(a.version).is_none() {
                out.push(MigrationStatus {
                    migration: MigrationFile {
                        version: a.version,
                        description: String::new(),
                        file: String::new(),
                        down_file: None,
                    },
                    applied: true,
                    changed: false,
                    missing: true,
                    dirty: state.dirty == Some(a.version),
                });
            }
        }
        out.sort_by_key(|s| s.migration.version);
        Ok(out)
    }

    /// The refusals that hold before anything runs.
    fn validate(&self, state: &MigrationState) -> Result<()> {
        if let Some(v) = state.dirty {
            return Err(Error::Migration(format!(
                "{} failed part-way on an earlier run and is marked dirty in `_sqlx_migrations` (MySQL commits each DDL statement as it runs, so the statements before the failing one stayed applied): finish or undo its statements by hand, then delete its row from `_sqlx_migrations` (to run it again) or set its `success` to true (if you finished it)",
                self.name_of(v, false)
            )));
        }
        let applied = &state.applied;
        for a in applied {
            match self.file(a.version) {
                None => {
                    return Err(Error::Migration(format!(
                        "the database has migration {} applied, which this folder does not have: the database is newer than this code. Run the code that has it, or restore its file",
                        a.version
                    )));
                }
                Some(f) if Some(&*a.checksum) != self.up_checksum(a.version) => {
                    return Err(Error::Migration(format!(
                        "`{}` was changed after it was applied to this database: restore it as it was applied, and put the change in a new migration",
                        f.file
                    )));
                }
                Some(_) => {}
            }
        }
        if let Some(latest) = applied.iter().map(|a| a.version).max()
            && let Some(early) = self
                .files
                .iter()
                .find(|f| f.version < latest && !applied.iter().any(|a| a.version == f.version))
        {
            let latest_file = self
                .file(latest)
                .map_or_else(|| latest.to_string(), |f| f.file.clone());
            return Err(Error::Migration(format!(
                "`{}` is not applied, but the later `{latest_file}` is: it would run out of order. Give it a version after {latest} (rename the file), or revert down to it first",
                early.file
            )));
        }
        Ok(())
    }

    /// Applies the pending migrations, oldest first, each in a transaction
    /// where the backend allows it (MySQL commits each DDL statement by
    /// itself: a migration that fails there part-way is left marked dirty
    /// for a person to finish). Returns what it applied, with the time
    /// each took.
    pub async fn run(&self, exec: &(impl Executor + ?Sized)) -> Result<Vec<Applied>> {
        let state = self.applied(exec).await?;
        self.validate(&state)?;
        let mut out = Vec::new();
        for f in &self.files {
            if state.applied.iter().any(|a| a.version == f.version) {
                continue;
            }
            let started = Instant::now();
            migrate(
                exec.target().shared(),
                &self.inner,
                MigrateOp::RunTo(f.version),
            )
            .await
            .map_err(|e| self.error(e, Some((f.version, false, exec.dialect()))))?;
            out.push(Applied {
                migration: f.clone(),
                elapsed: started.elapsed(),
            });
        }
        Ok(out)
    }

    /// Reverts the latest applied migration with its `.down.sql`; `None`
    /// when none is applied. A migration without a down file cannot be
    /// reverted: [`Error::Migration`] names it.
    pub async fn revert(&self, exec: &(impl Executor + ?Sized)) -> Result<Option<Applied>> {
        let state = self.applied(exec).await?;
        self.validate(&state)?;
        let mut versions: Vec<i64> = state.applied.iter().map(|a| a.version).collect();
        versions.sort_unstable();
        let Some(&last) = versions.last() else {
            return Ok(None);
        };
        let file = self
            .file(last)
            .cloned()
            .ok_or_else(|| Error::Migration(format!("migration {last} is not in the folder")))?;
        if file.down_file.is_none() {
            return Err(Error::Migration(format!(
                "`{}` has no `.down.sql`, so it cannot be reverted: write one beside it",
                file.file
            )));
        }
        let started = Instant::now();
        migrate(exec.target().shared(), &self.inner, MigrateOp::Revert(last))
            .await
            .map_err(|e| self.error(e, Some((last, true, exec.dialect()))))?;
        Ok(Some(Applied {
            migration: file,
            elapsed: started.elapsed(),
        }))
    }

    /// sqlx's error, with the file it is about. `running`: the version
    /// being applied (or reverted, when `down`), and the dialect, which
    /// says whether a failure was rolled back.
    fn error(&self, e: MigrateError, running: Option<(i64, bool, crate::sql::Dialect)>) -> Error {
        let failed = |v: i64, down: bool, dialect: crate::sql::Dialect, e: sqlx::Error| {
            let what = if dialect == crate::sql::Dialect::MySql {
                "MySQL commits each DDL statement as it runs, so the statements before the failing one stayed applied, and it is marked dirty in `_sqlx_migrations`: finish or undo it by hand"
            } else {
                "it was rolled back: nothing of it stayed applied"
            };
            Error::Migration(format!(
                "{} failed: {}; {what}",
                self.name_of(v, down),
                Error::from(e)
            ))
        };
        match (e, running) {
            (MigrateError::ExecuteMigration(e, v), Some((_, down, dialect))) => {
                failed(v, down, dialect, e)
            }
            (MigrateError::Execute(e), Some((v, down, dialect))) => failed(v, down, dialect, e),
            (MigrateError::ExecuteMigration(e, v), None) => {
                failed(v, false, crate::sql::Dialect::Postgres, e)
            }
            (MigrateError::Execute(e), None) => Error::from(e),
            (MigrateError::Dirty(v), _) => Error::Migration(format!(
                "{} failed part-way on an earlier run and is marked dirty in `_sqlx_migrations`: finish or undo its statements by hand, then delete its row there (to run it again) or set its `success` to true (if you finished it)",
                self.name_of(v, false)
            )),
            (MigrateError::VersionMismatch(v), _) => Error::Migration(format!(
                "{} was changed after it was applied to this database: restore it as it was applied",
                self.name_of(v, false)
            )),
            (MigrateError::VersionMissing(v), _) => Error::Migration(format!(
                "the database has migration {v} applied, which this folder does not have: the database is newer than this code"
            )),
            (other, _) => Error::Migration(other.to_string()),
        }
    }
}
