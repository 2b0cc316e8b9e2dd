//! The command line (feature `cli`): migrations and schema checks for a
//! project's models, and models for an existing database.
//!
//! A project gives its models a small binary, `src/bin/db.rs`:
//!
//! ```no_run
//! # use orm::prelude::*;
//! # #[derive(Model, Debug, Clone)]
//! # pub struct User { #[model(primary_key)] pub id: i64, pub name: String }
//! #[tokio::main]
//! async fn main() -> std::process::ExitCode {
//!     orm::cli::run(orm::models![User]).await
//! }
//! ```
//!
//! ```text
//! cargo run --bin db -- migrate generate add_users   # diff the database, write the files
//! cargo run --bin db -- migrate run                  # apply what is pending
//! cargo run --bin db -- migrate revert               # undo the last one
//! cargo run --bin db -- migrate status               # applied, pending, changed, missing
//! cargo run --bin db -- schema check                 # exit status 1 when the database drifted
//! ```
//!
//! The `orm` binary (`cargo install orm --features cli`) runs migration
//! folders without any models ([`tool`]), and writes models for an
//! existing database (`orm generate models`, [`generate_models`]).
//!
//! Every command takes `--database-url`, or reads `DATABASE_URL`. Exit
//! status: 0 done, 1 drift found by `schema check`, 2 an error (printed
//! as `error: ...` on standard error).

mod generate;
mod names;
mod types;

pub use generate::{ModelOptions, generate_models};

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::{Db, Error, Migrator, Result, Schema};

/// The exit status of a command that did what it was asked.
pub const SUCCESS: u8 = 0;
/// The exit status of `schema check` when the database differs from the
/// models.
pub const DRIFT: u8 = 1;
/// The exit status of a command that failed (bad arguments, no database,
/// a refused migration).
pub const FAILURE: u8 = 2;

/// Migrations and schema checks for this project's models.
#[derive(Parser, Debug)]
#[command(long_about = None)]
struct DbCli {
    #[command(flatten)]
    database: DatabaseArg,
    #[command(subcommand)]
    command: DbCommand,
}

#[derive(Args, Debug)]
struct DatabaseArg {
    /// The database URL: sqlite://FILE, postgres://USER@HOST/DB, mysql://USER@HOST/DB
    #[arg(
        long,
        env = "DATABASE_URL",
        global = true,
        hide_env_values = true,
        value_name = "URL"
    )]
    database_url: Option<String>,
}

#[derive(Subcommand, Debug)]
enum DbCommand {
    /// Migration files: generate, run, revert, status
    Migrate(Migrate),
    /// The live database against the models
    #[command(subcommand)]
    Schema(SchemaCommand),
}

#[derive(Args, Debug)]
struct Migrate {
    /// The folder of migration files
    #[arg(long, global = true, default_value = "migrations", value_name = "DIR")]
    dir: PathBuf,
    #[command(subcommand)]
    command: MigrateCommand,
}

#[derive(Subcommand, Debug)]
enum MigrateCommand {
    /// Write the migration that makes the database match the models
    Generate {
        /// What it does, in letters, digits and `_` (e.g. add_post_summary)
        name: String,
    },
    /// Apply the pending migrations, oldest first
    Run,
    /// Revert the latest applied migration
    Revert,
    /// List the migrations: applied, pending, changed or missing
    Status,
}

#[derive(Subcommand, Debug)]
enum SchemaCommand {
    /// Compare the database with the models; exit status 1 when they differ
    Check,
}

/// Runs migration folders, and writes models for an existing database.
#[derive(Parser, Debug)]
#[command(name = "orm", version, long_about = None)]
struct OrmCli {
    #[command(flatten)]
    database: DatabaseArg,
    #[command(subcommand)]
    command: OrmCommand,
}

#[derive(Subcommand, Debug)]
enum OrmCommand {
    /// Run, revert or list a folder of migrations
    Migrate(Source),
    /// Write Rust source from an existing database
    #[command(subcommand)]
    Generate(GenerateCommand),
}

#[derive(Args, Debug)]
struct Source {
    /// The folder of migration files
    #[arg(long, global = true, default_value = "migrations", value_name = "DIR")]
    source: PathBuf,
    #[command(subcommand)]
    command: FolderCommand,
}

#[derive(Subcommand, Debug)]
enum FolderCommand {
    /// Apply the pending migrations, oldest first
    Run,
    /// Revert the latest applied migration
    Revert,
    /// List the migrations: applied, pending, changed or missing
    Status,
}

#[derive(Subcommand, Debug)]
enum GenerateCommand {
    /// One #[derive(Model)] struct per table, with its relationships
    Models {
        /// Write the models to this file rather than to standard output
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Field types that need these `orm` features: chrono, rust_decimal, uuid, json
        #[arg(long, value_delimiter = ',', value_name = "FEATURES")]
        features: Vec<String>,
    },
}

/// The command line of a project's own binary (`src/bin/db.rs`), for the
/// models of `schema`: `migrate generate NAME | run | revert | status`
/// (`--dir`, default `migrations`) and `schema check`. Reads the process
/// arguments, prints to standard output and error, and returns the exit
/// status (see the [module](self) docs).
///
/// ```no_run
/// # use orm::prelude::*;
/// # #[derive(Model, Debug, Clone)]
/// # pub struct User { #[model(primary_key)] pub id: i64, pub name: String }
/// #[tokio::main]
/// async fn main() -> std::process::ExitCode {
///     orm::cli::run(orm::models![User]).await
/// }
/// ```
pub async fn run(schema: Schema) -> ExitCode {
    let code = run_with_args(
        schema,
        std::env::args_os().collect::<Vec<_>>(),
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    )
    .await;
    ExitCode::from(code)
}

/// [`run`] with the arguments given (the first one is the program's name,
/// as in `std::env::args_os`) and the output written to `out` and
/// `err`; returns the exit status: [`SUCCESS`], [`DRIFT`] or
/// [`FAILURE`].
///
/// ```
/// # use orm::prelude::*;
/// # #[derive(Model, Debug, Clone)]
/// # #[model(table = "users")]
/// # pub struct User { #[model(primary_key)] pub id: i64, pub name: String }
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let file = std::env::temp_dir().join(format!("orm_cli_doc_{}.db", std::process::id()));
/// let url = format!("sqlite://{}", file.display());
/// let (mut out, mut err) = (Vec::new(), Vec::new());
/// let args = ["db", "--database-url", &url, "schema", "check"];
/// let status = orm::cli::run_with_args(orm::models![User], args, &mut out, &mut err).await;
/// assert_eq!(status, orm::cli::DRIFT);
/// assert!(String::from_utf8(out).unwrap().contains("users"));
/// # std::fs::remove_file(file).ok();
/// # }
/// ```
pub async fn run_with_args<I, T>(
    schema: Schema,
    args: I,
    out: &mut impl Write,
    err: &mut impl Write,
) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match DbCli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => return usage(e, out, err),
    };
    finish(db_command(schema, cli, out).await, err)
}

/// The `orm` binary: `orm migrate run | revert | status [--source DIR]`
/// and `orm generate models [--out FILE] [--features ..]`. Reads the
/// process arguments, prints to standard output and error, and returns
/// the exit status.
pub async fn tool() -> ExitCode {
    let code = tool_with_args(
        std::env::args_os().collect::<Vec<_>>(),
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    )
    .await;
    ExitCode::from(code)
}

/// [`tool`] with the arguments given (the first one is the program's
/// name) and the output written to `out` and `err`; returns the exit
/// status.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let (mut out, mut err) = (Vec::new(), Vec::new());
/// let args = ["orm", "--database-url", "sqlite::memory:", "generate", "models"];
/// assert_eq!(orm::cli::tool_with_args(args, &mut out, &mut err).await, orm::cli::SUCCESS);
/// assert!(String::from_utf8(out).unwrap().starts_with("//! Models of the tables"));
/// # }
/// ```
pub async fn tool_with_args<I, T>(args: I, out: &mut impl Write, err: &mut impl Write) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match OrmCli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => return usage(e, out, err),
    };
    finish(orm_command(cli, out).await, err)
}

/// A usage error (status 2) or `--help`/`--version` (status 0), as clap
/// words it.
fn usage(e: clap::Error, out: &mut impl Write, err: &mut impl Write) -> u8 {
    let text = e.render().to_string();
    if e.use_stderr() {
        let _ = write!(err, "{text}");
        FAILURE
    } else {
        let _ = write!(out, "{text}");
        SUCCESS
    }
}

fn finish(result: Result<u8>, err: &mut impl Write) -> u8 {
    match result {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            FAILURE
        }
    }
}

async fn connect(database: &DatabaseArg) -> Result<Db> {
    let url = database
        .database_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| {
            Error::Config(
                "no database URL: pass --database-url URL or set DATABASE_URL (sqlite://FILE, postgres://USER@HOST/DB, mysql://USER@HOST/DB)"
                    .into(),
            )
        })?;
    Db::connect(url).await
}

async fn db_command(schema: Schema, cli: DbCli, out: &mut impl Write) -> Result<u8> {
    if let DbCommand::Migrate(Migrate {
        command: MigrateCommand::Generate { name },
        ..
    }) = &cli.command
    {
        check_name(name)?;
    }
    let db = connect(&cli.database).await?;
    let result = match cli.command {
        DbCommand::Migrate(Migrate { dir, command }) => match command {
            MigrateCommand::Generate { name } => generate(&schema, &db, &dir, &name, out).await,
            MigrateCommand::Run => run_folder(&db, &dir, out).await,
            MigrateCommand::Revert => revert_folder(&db, &dir, out).await,
            MigrateCommand::Status => status_folder(&db, &dir, out).await,
        },
        DbCommand::Schema(SchemaCommand::Check) => check(&schema, &db, out).await,
    };
    db.close().await;
    result
}

async fn orm_command(cli: OrmCli, out: &mut impl Write) -> Result<u8> {
    let options = match &cli.command {
        OrmCommand::Generate(GenerateCommand::Models { features, .. }) => {
            ModelOptions::from_features(features)?
        }
        OrmCommand::Migrate(_) => ModelOptions::default(),
    };
    let db = connect(&cli.database).await?;
    let result = match cli.command {
        OrmCommand::Migrate(Source { source, command }) => match command {
            FolderCommand::Run => run_folder(&db, &source, out).await,
            FolderCommand::Revert => revert_folder(&db, &source, out).await,
            FolderCommand::Status => status_folder(&db, &source, out).await,
        },
        OrmCommand::Generate(GenerateCommand::Models { out: file, .. }) => {
            models(&db, &options, file.as_deref(), out).await
        }
    };
    db.close().await;
    result
}

/// The rule [`Migration::write`](crate::Migration::write) holds names to,
/// checked before anything connects.
fn check_name(name: &str) -> Result<()> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(Error::Config(format!(
            "migration name `{name}`: use letters, digits and `_` (e.g. `add_post_summary`)"
        )));
    }
    Ok(())
}

fn print(out: &mut impl Write, line: std::fmt::Arguments<'_>) {
    let _ = writeln!(out, "{line}");
}

fn took(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{:.1} ms", d.as_secs_f64() * 1000.0)
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

async fn generate(
    schema: &Schema,
    db: &Db,
    dir: &Path,
    name: &str,
    out: &mut impl Write,
) -> Result<u8> {
    // A diff against a database that lacks migrations already written
    // would repeat them.
    if dir.is_dir() {
        let migrator = Migrator::from_dir(dir)?;
        if !migrator.migrations().is_empty() {
            let pending: Vec<String> = migrator
                .status(db)
                .await?
                .into_iter()
                .filter(|s| !s.applied)
                .map(|s| format!("`{}`", s.migration.file))
                .collect();
            if !pending.is_empty() {
                return Err(Error::Migration(format!(
                    "{} is not applied to this database yet, so a new migration would repeat it: run `migrate run` first",
                    pending.join(", ")
                )));
            }
        }
    }
    let migration = schema.diff(db).await?;
    if migration.is_empty() {
        print(
            out,
            format_args!("the database matches the models: no migration written"),
        );
        return Ok(SUCCESS);
    }
    let (up, down) = migration.write(dir, name)?;
    print(out, format_args!("{}", up.display()));
    print(out, format_args!("{}", down.display()));
    let destructive = migration
        .up
        .lines()
        .filter(|l| l.trim_start().starts_with("-- destructive"))
        .count();
    if destructive > 0 {
        print(
            out,
            format_args!(
                "{destructive} destructive step(s), marked `-- destructive` in {}: read it before running it",
                up.display()
            ),
        );
    }
    Ok(SUCCESS)
}

async fn run_folder(db: &Db, dir: &Path, out: &mut impl Write) -> Result<u8> {
    let migrator = Migrator::from_dir(dir)?;
    let applied = migrator.run(db).await?;
    if applied.is_empty() {
        print(
            out,
            format_args!("nothing to apply: every migration is applied"),
        );
    }
    for a in applied {
        print(
            out,
            format_args!(
                "applied {} {} ({})",
                a.migration.version,
                a.migration.description,
                took(a.elapsed)
            ),
        );
    }
    Ok(SUCCESS)
}

async fn revert_folder(db: &Db, dir: &Path, out: &mut impl Write) -> Result<u8> {
    let migrator = Migrator::from_dir(dir)?;
    match migrator.revert(db).await? {
        Some(a) => print(
            out,
            format_args!(
                "reverted {} {} ({})",
                a.migration.version,
                a.migration.description,
                took(a.elapsed)
            ),
        ),
        None => print(
            out,
            format_args!("nothing to revert: no migration is applied"),
        ),
    }
    Ok(SUCCESS)
}

async fn status_folder(db: &Db, dir: &Path, out: &mut impl Write) -> Result<u8> {
    let migrator = Migrator::from_dir(dir)?;
    let status = migrator.status(db).await?;
    if status.is_empty() {
        print(out, format_args!("no migrations in {}", dir.display()));
    }
    let width = status
        .iter()
        .map(|s| s.migration.description.chars().count())
        .max()
        .unwrap_or(0);
    for s in status {
        let state = if s.missing {
            "missing (applied, not in the folder)"
        } else if s.changed {
            "changed (applied, file edited since)"
        } else if s.applied {
            "applied"
        } else {
            "pending"
        };
        print(
            out,
            format_args!(
                "{}  {:width$}  {state}",
                s.migration.version, s.migration.description
            ),
        );
    }
    Ok(SUCCESS)
}

async fn check(schema: &Schema, db: &Db, out: &mut impl Write) -> Result<u8> {
    let drift = schema.check(db).await?;
    if drift.is_empty() {
        print(out, format_args!("the database matches the models"));
        return Ok(SUCCESS);
    }
    print(out, format_args!("{drift}"));
    print(
        out,
        format_args!(
            "{} difference(s): `migrate generate NAME` writes the migration",
            drift.len()
        ),
    );
    Ok(DRIFT)
}

async fn models(
    db: &Db,
    options: &ModelOptions,
    file: Option<&Path>,
    out: &mut impl Write,
) -> Result<u8> {
    let catalog = Schema::new(&[]).inspect(db).await?;
    let source = generate_models(&catalog, db.dialect(), options);
    match file {
        None => {
            let _ = write!(out, "{source}");
        }
        Some(path) => {
            std::fs::write(path, &source)
                .map_err(|e| Error::Config(format!("cannot write {}: {e}", path.display())))?;
            print(
                out,
                format_args!("{} ({} tables)", path.display(), catalog.tables.len()),
            );
        }
    }
    Ok(SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_lines_are_well_formed() {
        use clap::CommandFactory;
        DbCli::command().debug_assert();
        OrmCli::command().debug_assert();
    }
}
