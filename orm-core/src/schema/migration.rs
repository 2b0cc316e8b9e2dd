//! `schema.diff(&db)`: the migration that makes the database match the
//! models, and its files in sqlx's format.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::inspect::inspect;
use crate::backend::Executor;
use crate::error::{Error, Result};
use crate::model::Schema;
use crate::sql::{self, Dialect};

/// A migration: the DDL that makes a database match the models (`up`) and
/// the DDL that undoes it (`down`), for one dialect. Made by
/// [`Schema::diff`]; written as sqlx migration files by
/// [`write`](Migration::write).
#[derive(Debug, Clone, PartialEq)]
pub struct Migration {
    /// The statements that apply it, each ending in `;`, with a
    /// `-- destructive:` comment before each step that loses data.
    pub up: String,
    /// The statements that undo it.
    pub down: String,
    dialect: Dialect,
    steps: usize,
}

impl Migration {
    /// True when the database already matches the models.
    pub fn is_empty(&self) -> bool {
        self.steps == 0
    }

    /// How many steps it has (a table created, a column altered, ...).
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// The dialect its SQL is written in.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Writes `<version>_<name>.up.sql` and `<version>_<name>.down.sql`
    /// into `dir` (created if missing), in the format `sqlx migrate` and
    /// `orm::migrate!` read. The version is the current UTC
    /// time as `YYYYMMDDHHMMSS`, later than every migration already in
    /// `dir`. Returns the two paths.
    ///
    /// `name` is a short description: letters, digits and `_`
    /// ([`Error::Config`] otherwise); an empty migration is refused too.
    pub fn write(&self, dir: impl AsRef<Path>, name: &str) -> Result<(PathBuf, PathBuf)> {
        if self.is_empty() {
            return Err(Error::Config(
                "the migration is empty: the database already matches the models".into(),
            ));
        }
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(Error::Config(format!(
                "migration name `{name}`: use letters, digits and `_` (e.g. `add_post_summary`)"
            )));
        }
        let dir = dir.as_ref();
        let io = |e: std::io::Error, what: &Path| {
            Error::Config(format!(
                "cannot write the migration at {}: {e}",
                what.display()
            ))
        };
        std::fs::create_dir_all(dir).map_err(|e| io(e, dir))?;
        let now = SystemTime::now();
        let mut version = utc_version(now);
        let mut latest = None;
        for entry in std::fs::read_dir(dir).map_err(|e| io(e, dir))? {
            let entry = entry.map_err(|e| io(e, dir))?;
            let file = entry.file_name().to_string_lossy().to_string();
            if let Some(existing) = file.split('_').next().and_then(|v| v.parse::<i64>().ok())
                && existing >= version
            {
                latest = latest.max(Some(existing));
            }
        }
        // A later migration already there (written the same second, or by
        // a clock ahead of ours): the second after it, still a real time.
        if let Some(latest) = latest {
            version = next_second(latest);
        }
        let up = dir.join(format!("{version}_{name}.up.sql"));
        let down = dir.join(format!("{version}_{name}.down.sql"));
        std::fs::write(&up, &self.up).map_err(|e| io(e, &up))?;
        std::fs::write(&down, &self.down).map_err(|e| io(e, &down))?;
        Ok((up, down))
    }
}

/// The version one second after `version` (a `YYYYMMDDHHMMSS` time); a
/// version that is not such a time is followed by the next number.
fn next_second(version: i64) -> i64 {
    let (date, time) = (version / 1_000_000, version % 1_000_000);
    let (y, m, d) = (date / 10_000, date / 100 % 100, date % 100);
    let (h, mi, s) = (time / 10_000, time / 100 % 100, time % 100);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 59 {
        return version + 1;
    }
    // Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + mi * 60 + s + 1;
    match u64::try_from(secs) {
        Ok(secs) => utc_version(UNIX_EPOCH + std::time::Duration::from_secs(secs)),
        Err(_) => version + 1,
    }
}

/// `YYYYMMDDHHMMSS` of `time` in UTC, as a number.
fn utc_version(time: SystemTime) -> i64 {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    ((year * 100 + month) * 100 + day) * 1_000_000
        + (rest / 3600) * 10_000
        + (rest % 3600 / 60) * 100
        + rest % 60
}

impl Schema {
    /// The migration that makes the database match the models, for the
    /// database's dialect: tables created (in foreign-key order) and
    /// dropped, columns added, altered (type, nullability, default) and
    /// dropped, indexes, unique constraints and foreign keys added and
    /// dropped. On SQLite, a table whose change `ALTER TABLE` cannot make
    /// is rebuilt with its rows kept. Steps that lose data carry a
    /// `-- destructive:` comment; a rename shows as a drop and an add,
    /// with a comment saying so.
    ///
    /// A NOT NULL column without a default cannot be added to an existing
    /// table: [`Error::Config`] names it.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model)]
    /// # pub struct User { #[model(primary_key)] id: i64, name: String }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// let db = Db::connect("sqlite::memory:").await?;
    /// let schema = orm::models![User];
    /// let m = schema.diff(&db).await?;
    /// assert!(m.up.starts_with("CREATE TABLE \"user\""));
    /// assert!(m.down.ends_with("DROP TABLE \"user\";\n"));
    /// db.execute_script(&m.up).await?;
    /// assert!(schema.diff(&db).await?.is_empty());
    /// # Ok(()) }
    /// ```
    pub async fn diff(&self, exec: &(impl Executor + ?Sized)) -> Result<Migration> {
        let target = exec.target();
        let dialect = exec.dialect();
        let mariadb = target.shared().server.mariadb;
        let expected = self.catalog(dialect, mariadb)?;
        let actual = inspect(target, &self.schemas()?).await?;
        let steps = sql::plan(dialect, mariadb, &expected, &actual)?;
        let rendered = sql::render_migration(dialect, &steps);
        Ok(Migration {
            up: rendered.up,
            down: rendered.down,
            dialect,
            steps: rendered.steps,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_utc_timestamps() {
        let t = UNIX_EPOCH + std::time::Duration::from_secs(1_796_032_496);
        assert_eq!(utc_version(t), 20261130095456);
        assert_eq!(utc_version(UNIX_EPOCH), 19700101000000);
    }

    #[test]
    fn the_next_version_is_the_next_real_second() {
        assert_eq!(next_second(20261130154659), 20261130154700);
        assert_eq!(next_second(20261231235959), 20270101000000);
        assert_eq!(next_second(20240228235959), 20240229000000);
        assert_eq!(next_second(3), 4);
    }
}
