//! The command line (feature `cli`) on every backend: models generated
//! from Chinook (compared with the files under `tests/generated/`, which
//! are compiled here and read the data), the migration commands from
//! `generate` to `revert`, `schema check` and its exit status, and bad
//! input reported as `error: ...` with exit status 2.
//!
//! `ORM_UPDATE_GENERATED=1 cargo test --features cli --test cli chinook`
//! rewrites the generated files (set the server URLs too to rewrite all
//! three).

use std::path::{Path, PathBuf};

use orm::prelude::*;

#[path = "suite/harness.rs"]
#[macro_use]
#[allow(dead_code, unused_macros)]
mod harness;

#[path = "generated/chinook_sqlite.rs"]
mod chinook_sqlite;

#[path = "generated/chinook_postgres.rs"]
mod chinook_postgres;

#[path = "generated/chinook_mysql.rs"]
mod chinook_mysql;

use harness::Backend;

// ---------------------------------------------------------------------------
// Helpers

/// What a command printed, and its exit status.
#[derive(Debug)]
struct Output {
    status: u8,
    out: String,
    err: String,
}

/// Runs the project binary's command line (`db ...`) on `schema`.
async fn db_cli(schema: orm::Schema, args: &[&str]) -> Output {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let argv = std::iter::once("db").chain(args.iter().copied());
    let status = orm::cli::run_with_args(schema, argv, &mut out, &mut err).await;
    Output {
        status,
        out: String::from_utf8(out).unwrap(),
        err: String::from_utf8(err).unwrap(),
    }
}

/// Runs the `orm` binary's command line.
async fn orm_cli(args: &[&str]) -> Output {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let argv = std::iter::once("orm").chain(args.iter().copied());
    let status = orm::cli::tool_with_args(argv, &mut out, &mut err).await;
    Output {
        status,
        out: String::from_utf8(out).unwrap(),
        err: String::from_utf8(err).unwrap(),
    }
}

/// A database both the test and the command line open: the harness's
/// server database, or for SQLite a file (an in-memory database is one per
/// connection).
async fn shared_db(db: &Db, backend: Backend) -> (Db, String, Option<harness::TempFile>) {
    match backend {
        Backend::Sqlite => {
            let (db, file) = harness::sqlite_file(|o| o).await;
            let url = format!("sqlite://{}", file.0.display());
            (db, url, Some(file))
        }
        _ => (db.clone(), harness::url_of(db), None),
    }
}

/// A fresh, not yet created folder under the temporary directory, removed
/// on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        TempDir(std::env::temp_dir().join(format!("orm_cli_{name}_{}_{n}", std::process::id())))
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }

    fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .map(|d| {
                d.map(|e| e.unwrap().file_name().to_string_lossy().to_string())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `name` quoted as `backend` quotes identifiers.
fn ident(backend: Backend, name: &str) -> String {
    match backend {
        Backend::MySql => format!("`{name}`"),
        _ => format!("\"{name}\""),
    }
}

// ---------------------------------------------------------------------------
// Chinook: generated models

/// The Chinook script for `backend`, without the lines that create and
/// enter a database of its own (the test has one): `None` when the
/// scripts are not there.
fn chinook_script(backend: Backend) -> Option<String> {
    let dir = std::env::var_os("CHINOOK_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/chinook")
        });
    let file = match backend {
        Backend::Sqlite => "Chinook_Sqlite.sql",
        Backend::Postgres => "Chinook_PostgreSql.sql",
        Backend::MySql => "Chinook_MySql.sql",
    };
    let text = std::fs::read_to_string(dir.join(file)).ok()?;
    Some(
        text.lines()
            .filter(|line| {
                let l = line.trim_start().to_ascii_uppercase();
                !(l.starts_with("DROP DATABASE")
                    || l.starts_with("CREATE DATABASE")
                    || l.starts_with("USE ")
                    || l.starts_with("\\C "))
            })
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// The generator's options for each backend's checked-in file: SQLite
/// with none (what `orm`'s default features compile), the servers with
/// the chrono and rust_decimal types their drivers read dates and
/// decimals into.
fn chinook_options(backend: Backend) -> orm::cli::ModelOptions {
    match backend {
        Backend::Sqlite => orm::cli::ModelOptions::default(),
        _ => orm::cli::ModelOptions::from_features(["chrono,rust_decimal"]).unwrap(),
    }
}

fn generated_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/generated")
        .join(name)
}

/// `source` equals the checked-in file `name`, or (with
/// `ORM_UPDATE_GENERATED=1`) becomes it.
fn matches_generated(name: &str, source: &str) {
    let path = generated_path(name);
    if std::env::var_os("ORM_UPDATE_GENERATED").is_some_and(|v| v != "0" && !v.is_empty()) {
        std::fs::write(&path, source).unwrap();
        eprintln!("updated {}", path.display());
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap();
    if expected != source {
        let line = expected
            .lines()
            .zip(source.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| expected.lines().count().min(source.lines().count()));
        panic!(
            "the generated models differ from {} at line {}:\n  file:      {:?}\n  generated: {:?}\nrerun with ORM_UPDATE_GENERATED=1 to rewrite it",
            path.display(),
            line + 1,
            expected.lines().nth(line),
            source.lines().nth(line)
        );
    }
}

/// `M::query().count` and every row read through the generated model,
/// against `SELECT COUNT(*)` in plain SQL.
async fn same_rows<M>(db: &Db, backend: Backend) -> orm::Result<i64>
where
    M: Model + Send + Unpin + 'static,
{
    let table = <M as Model>::META.table;
    let sql = format!("SELECT COUNT(*) FROM {}", ident(backend, table));
    let plain: i64 = orm::raw(sql).scalar(db).await?;
    assert!(plain > 0, "{table} is empty");
    assert_eq!(M::query().count(db).await?, plain, "count of {table}");
    assert_eq!(
        M::query().all(db).await?.len() as i64,
        plain,
        "rows of {table}"
    );
    Ok(plain)
}

/// The same checks on each backend's generated module: they name the same
/// structs and fields, with each dialect's types.
macro_rules! chinook_checks {
    ($m:ident, $db:expr, $backend:expr) => {{
        use $m::*;
        let (db, backend): (&Db, Backend) = ($db, $backend);
        let q = |s: &str| ident(backend, s);

        // Every table, through its model.
        let mut counts = Vec::new();
        counts.push(same_rows::<Album>(db, backend).await?);
        counts.push(same_rows::<Artist>(db, backend).await?);
        counts.push(same_rows::<Customer>(db, backend).await?);
        counts.push(same_rows::<Employee>(db, backend).await?);
        counts.push(same_rows::<Genre>(db, backend).await?);
        counts.push(same_rows::<Invoice>(db, backend).await?);
        counts.push(same_rows::<InvoiceLine>(db, backend).await?);
        counts.push(same_rows::<MediaType>(db, backend).await?);
        counts.push(same_rows::<Playlist>(db, backend).await?);
        counts.push(same_rows::<PlaylistTrack>(db, backend).await?);
        counts.push(same_rows::<Track>(db, backend).await?);
        assert_eq!(
            counts,
            [347, 275, 59, 8, 25, 412, 2240, 5, 18, 8715, 3503],
            "Chinook's row counts"
        );

        // has_many: each album's tracks.
        let track_album = format!(
            "SELECT COUNT(*) FROM {} WHERE {} = ?",
            q(Track::META.table),
            q(Track::ALBUM_ID.name())
        );
        let albums = Album::query().order_by(Album::ALBUM_ID).all(db).await?;
        for album in &albums {
            let plain: i64 = orm::raw(track_album.clone())
                .bind(album.album_id)
                .scalar(db)
                .await?;
            assert_eq!(
                album.tracks().count(db).await?,
                plain,
                "album {}",
                album.album_id
            );
        }
        // The same in one statement per level, eagerly.
        let loaded = Album::query().include(Album::TRACKS).all(db).await?;
        let with_album: i64 = orm::raw(format!(
            "SELECT COUNT(*) FROM {} WHERE {} IS NOT NULL",
            q(Track::META.table),
            q(Track::ALBUM_ID.name())
        ))
        .scalar(db)
        .await?;
        let eager: usize = loaded.iter().map(|a| a.tracks.get().unwrap().len()).sum();
        assert_eq!(eager as i64, with_album);

        // belongs_to: a track's album is the album its key names.
        let track = Track::query()
            .order_by(Track::TRACK_ID)
            .first(db)
            .await?
            .unwrap();
        let album = track.album().get(db).await?.unwrap();
        assert_eq!(Some(album.album_id), track.album_id);
        let artist = album.artist().get(db).await?;
        assert_eq!(artist.artist_id, album.artist_id);

        // Self-referential: who reports to whom.
        let reports_to = format!(
            "SELECT COUNT(*) FROM {} WHERE {} = ?",
            q(Employee::META.table),
            q(Employee::REPORTS_TO.name())
        );
        for e in Employee::query().all(db).await? {
            let plain: i64 = orm::raw(reports_to.clone())
                .bind(e.employee_id)
                .scalar(db)
                .await?;
            assert_eq!(
                e.employees().count(db).await?,
                plain,
                "employee {}",
                e.employee_id
            );
            if let Some(boss) = e.reports_to {
                let manager = e.reports_to_employee().get(db).await?.unwrap();
                assert_eq!(manager.employee_id, boss);
            }
        }

        // Many-to-many through the association table, both ways.
        let in_playlist = format!(
            "SELECT COUNT(*) FROM {} WHERE {} = ?",
            q(PlaylistTrack::META.table),
            q(PlaylistTrack::PLAYLIST_ID.name())
        );
        for p in Playlist::query().all(db).await? {
            let plain: i64 = orm::raw(in_playlist.clone())
                .bind(p.playlist_id)
                .scalar(db)
                .await?;
            assert_eq!(
                p.tracks().count(db).await?,
                plain,
                "playlist {}",
                p.playlist_id
            );
        }
        let grunge = Playlist::query()
            .filter(Playlist::NAME.eq("Grunge"))
            .one(db)
            .await?;
        let grunge_tracks = Track::query()
            .filter(Track::PLAYLISTS.contains(&grunge))
            .count(db)
            .await?;
        assert_eq!(grunge_tracks, 15);
    }};
}

scenario!(async fn chinook_models_are_generated_and_read_the_data(db, backend) {
    let Some(script) = chinook_script(backend) else {
        eprintln!("the Chinook scripts are not there (set CHINOOK_DIR): skipped");
        return Ok(());
    };
    db.execute_script(&script).await?;
    let catalog = orm::Schema::new(&[]).inspect(db).await?;
    let source = orm::cli::generate_models(&catalog, db.dialect(), &chinook_options(backend));
    let name = match backend {
        Backend::Sqlite => "chinook_sqlite.rs",
        Backend::Postgres => "chinook_postgres.rs",
        Backend::MySql => "chinook_mysql.rs",
    };
    matches_generated(name, &source);
    match backend {
        Backend::Sqlite => chinook_checks!(chinook_sqlite, db, backend),
        Backend::Postgres => chinook_checks!(chinook_postgres, db, backend),
        Backend::MySql => chinook_checks!(chinook_mysql, db, backend),
    }
    Ok(())
});

/// `orm generate models --out FILE` writes what the library generates.
#[tokio::test]
async fn orm_generate_models_writes_the_file() {
    let Some(script) = chinook_script(Backend::Sqlite) else {
        eprintln!("Chinook_Sqlite.sql is not there (set CHINOOK_DIR): skipped");
        return;
    };
    let (db, file) = harness::sqlite_file(|o| o).await;
    db.execute_script(&script).await.unwrap();
    db.close().await;
    let url = format!("sqlite://{}", file.0.display());
    let dir = TempDir::new("models");
    std::fs::create_dir_all(&dir.0).unwrap();
    let out_file = dir.0.join("models.rs");
    let out = orm_cli(&[
        "generate",
        "models",
        "--database-url",
        &url,
        "--out",
        out_file.to_str().unwrap(),
    ])
    .await;
    assert_eq!(out.status, 0, "{out:?}");
    assert_eq!(out.out, format!("{} (11 tables)\n", out_file.display()));
    let written = std::fs::read_to_string(&out_file).unwrap();
    assert_eq!(
        written,
        std::fs::read_to_string(generated_path("chinook_sqlite.rs")).unwrap()
    );

    // Without --out, on standard output; with the chrono types asked for.
    let out = orm_cli(&[
        "generate",
        "models",
        "--database-url",
        &url,
        "--features",
        "chrono",
    ])
    .await;
    assert_eq!(out.status, 0, "{out:?}");
    assert!(
        out.out.contains("pub invoice_date: chrono::NaiveDateTime,"),
        "{}",
        out.out
    );
    assert!(out.err.is_empty());
}

/// The generator writes as rustfmt does: the checked-in files (so that
/// `cargo fmt` keeps them equal to what the generator writes), and names
/// and defaults long enough to wrap.
#[test]
fn generated_source_is_rustfmt_clean() {
    if std::process::Command::new("rustfmt")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("rustfmt is not installed: skipped");
        return;
    }
    let check = |path: &Path| {
        let out = std::process::Command::new("rustfmt")
            .args(["--edition", "2024", "--check"])
            .arg(path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{} is not as rustfmt writes it:\n{}",
            path.display(),
            String::from_utf8_lossy(&out.stdout)
        );
    };
    for backend in ["sqlite", "postgres", "mysql"] {
        for set in ["chinook", "shop"] {
            check(&generated_path(&format!("{set}_{backend}.rs")));
        }
    }

    let column = |name: &str, ty: &str, default: Option<&str>| orm::CatalogColumn {
        name: name.into(),
        ty: ty.into(),
        nullable: true,
        default: default.map(Into::into),
        auto: false,
        collation: None,
        variants: Vec::new(),
    };
    let parent = orm::Table {
        schema: Some("accounting_department".into()),
        name: "organisational_units_of_the_company".into(),
        columns: vec![column("organisational_unit_identifier", "bigint", None)],
        primary_key: vec!["organisational_unit_identifier".into()],
        ..Default::default()
    };
    let child = orm::Table {
        schema: Some("accounting_department".into()),
        name: "InvoiceLineItemsWithVeryLongNames".into(),
        columns: vec![
            column("id", "bigint", None),
            column("ParentOrganisationalUnitIdentifier", "integer", None),
            column("SecondOrganisationalUnitIdentifier", "integer", None),
            column(
                "Description",
                "character varying(4000)",
                Some("'to be described later on'::character varying"),
            ),
            column(
                "x",
                "text",
                Some(
                    "'a default expression long enough that the attribute cannot fit on one line of a hundred columns'",
                ),
            ),
        ],
        primary_key: vec!["id".into()],
        foreign_keys: [
            "ParentOrganisationalUnitIdentifier",
            "SecondOrganisationalUnitIdentifier",
        ]
        .map(|c| orm::CatalogForeignKey {
            name: None,
            columns: vec![c.into()],
            target_schema: Some("accounting_department".into()),
            target: "organisational_units_of_the_company".into(),
            target_columns: vec!["organisational_unit_identifier".into()],
            on_delete: orm::OnDelete::Cascade,
        })
        .to_vec(),
        ..Default::default()
    };
    let catalog = orm::Catalog {
        tables: vec![parent, child],
    };
    let source = orm::cli::generate_models(&catalog, orm::Dialect::Postgres, &Default::default());
    let dir = TempDir::new("fmt");
    std::fs::create_dir_all(&dir.0).unwrap();
    let file = dir.0.join("wide.rs");
    std::fs::write(&file, &source).unwrap();
    check(&file);
    assert!(source.contains("#[model(\n"), "{source}");
}

// ---------------------------------------------------------------------------
// Migrations and schema checks, through the project binary's commands

mod v1 {
    use orm::prelude::*;

    #[derive(Model, Debug, Clone)]
    #[model(table = "cli_authors")]
    pub struct Author {
        #[model(primary_key)]
        pub id: i64,
        #[model(max_length = 80)]
        pub name: String,
        #[has_many(Book, back_populates = "author")]
        pub books: HasMany<Book>,
    }

    #[derive(Model, Debug, Clone)]
    #[model(table = "cli_books")]
    pub struct Book {
        #[model(primary_key)]
        pub id: i64,
        #[model(max_length = 200)]
        pub title: String,
        pub author_id: i64,
        #[belongs_to(Author, back_populates = "books")]
        pub author: BelongsTo<Author>,
    }

    pub fn schema() -> orm::Schema {
        orm::models![Author, Book]
    }
}

/// The next version of the models: a new column and a new table.
mod v2 {
    use orm::prelude::*;

    #[derive(Model, Debug, Clone)]
    #[model(table = "cli_authors")]
    pub struct Author {
        #[model(primary_key)]
        pub id: i64,
        #[model(max_length = 80)]
        pub name: String,
        #[has_many(Book, back_populates = "author")]
        pub books: HasMany<Book>,
    }

    #[derive(Model, Debug, Clone)]
    #[model(table = "cli_books")]
    pub struct Book {
        #[model(primary_key)]
        pub id: i64,
        #[model(max_length = 200)]
        pub title: String,
        pub author_id: i64,
        pub summary: Option<String>,
        #[belongs_to(Author, back_populates = "books")]
        pub author: BelongsTo<Author>,
        #[has_many(Review, back_populates = "book")]
        pub reviews: HasMany<Review>,
    }

    #[derive(Model, Debug, Clone)]
    #[model(table = "cli_reviews")]
    pub struct Review {
        #[model(primary_key)]
        pub id: i64,
        pub book_id: i64,
        pub stars: i16,
        #[belongs_to(Book, back_populates = "reviews")]
        pub book: BelongsTo<Book>,
    }

    pub fn schema() -> orm::Schema {
        orm::models![Author, Book, Review]
    }
}

/// The lines of a `migrate status` output, its columns split.
fn status_lines(out: &str) -> Vec<Vec<String>> {
    out.lines()
        .map(|l| {
            l.split("  ")
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect()
}

scenario!(async fn migrations_from_generate_to_revert(db, backend) {
    let (db, url, _file) = shared_db(db, backend).await;
    let db = &db;
    let dir = TempDir::new("migrations");
    let url_arg = ["--database-url", url.as_str()];
    let dir_arg = ["--dir", dir.path()];
    let args = |rest: &[&str]| -> Vec<String> {
        let dir: &[&str] = if rest[0] == "migrate" { &dir_arg } else { &[] };
        url_arg.iter().chain(rest).chain(dir).map(|s| s.to_string()).collect()
    };
    let run = async |schema: orm::Schema, rest: &[&str]| {
        let a = args(rest);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        db_cli(schema, &refs).await
    };

    // A folder that is not there yet cannot be listed.
    let out = run(v1::schema(), &["migrate", "status"]).await;
    assert_eq!(out.status, 2, "{out:?}");
    assert!(out.err.starts_with("error: migration: cannot read the migration folder"), "{}", out.err);

    // An empty database drifts from the models.
    let out = run(v1::schema(), &["schema", "check"]).await;
    assert_eq!(out.status, 1, "{out:?}");
    assert!(out.out.contains("cli_authors") && out.out.contains("cli_books"), "{}", out.out);
    assert!(out.err.is_empty(), "{}", out.err);

    // generate writes the two files and prints their paths.
    let out = run(v1::schema(), &["migrate", "generate", "create_library"]).await;
    assert_eq!(out.status, 0, "{out:?}");
    let files = dir.files();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(files[0].ends_with("_create_library.down.sql") && files[1].ends_with("_create_library.up.sql"));
    let printed: Vec<&str> = out.out.lines().collect();
    assert_eq!(printed.len(), 2, "{}", out.out);
    assert!(printed.iter().all(|p| Path::new(p).exists()), "{}", out.out);
    let first_version = files[1].split('_').next().unwrap().to_string();

    // Another one before this one is applied would repeat it.
    let out = run(v1::schema(), &["migrate", "generate", "again"]).await;
    assert_eq!(out.status, 2, "{out:?}");
    assert!(out.err.contains("is not applied to this database yet"), "{}", out.err);
    assert_eq!(dir.files().len(), 2);

    let out = run(v1::schema(), &["migrate", "status"]).await;
    assert_eq!(out.status, 0, "{out:?}");
    assert_eq!(status_lines(&out.out), [[first_version.as_str(), "create library", "pending"]]);

    let out = run(v1::schema(), &["migrate", "run"]).await;
    assert_eq!(out.status, 0, "{out:?}");
    assert!(out.out.starts_with(&format!("applied {first_version} create library (")), "{}", out.out);
    assert!(out.out.trim_end().ends_with("ms)") || out.out.trim_end().ends_with(" s)"), "{}", out.out);

    let out = run(v1::schema(), &["migrate", "run"]).await;
    assert_eq!(out.status, 0, "{out:?}");
    assert_eq!(out.out, "nothing to apply: every migration is applied\n");

    // The tables are there, and match.
    let out = run(v1::schema(), &["schema", "check"]).await;
    assert_eq!((out.status, out.out.as_str()), (0, "the database matches the models\n"), "{out:?}");
    db.insert(v1::Author { id: 0, name: "Ursula".into(), books: HasMany::default() }).await?;

    // Nothing changed: nothing written.
    let out = run(v1::schema(), &["migrate", "generate", "nothing"]).await;
    assert_eq!(out.status, 0, "{out:?}");
    assert_eq!(out.out, "the database matches the models: no migration written\n");
    assert_eq!(dir.files().len(), 2);

    // The next version of the models: a column and a table.
    let out = run(v2::schema(), &["schema", "check"]).await;
    assert_eq!(out.status, 1, "{out:?}");
    let out = run(v2::schema(), &["migrate", "generate", "add_reviews"]).await;
    assert_eq!(out.status, 0, "{out:?}");
    assert_eq!(dir.files().len(), 4);
    let out = run(v2::schema(), &["migrate", "run"]).await;
    assert_eq!(out.status, 0, "{out:?}");
    assert!(out.out.contains(" add reviews ("), "{}", out.out);
    assert_eq!(run(v2::schema(), &["schema", "check"]).await.status, 0);
    let status = status_lines(&run(v2::schema(), &["migrate", "status"]).await.out);
    assert_eq!(status.len(), 2);
    assert_eq!(status[0][1..], ["create library", "applied"]);
    assert_eq!(status[1][1..], ["add reviews", "applied"]);

    // The `orm` binary reads the same folder.
    let out = orm_cli(&["--database-url", &url, "migrate", "status", "--source", dir.path()]).await;
    assert_eq!(out.status, 0, "{out:?}");
    assert_eq!(status_lines(&out.out), status);

    // Revert the last one: the v1 models match again, the v2 ones not.
    let out = run(v2::schema(), &["migrate", "revert"]).await;
    assert_eq!(out.status, 0, "{out:?}");
    assert!(out.out.starts_with("reverted ") && out.out.contains(" add reviews ("), "{}", out.out);
    assert_eq!(run(v1::schema(), &["schema", "check"]).await.status, 0);
    assert_eq!(run(v2::schema(), &["schema", "check"]).await.status, 1);
    let status = status_lines(&run(v2::schema(), &["migrate", "status"]).await.out);
    assert_eq!(status[1][1..], ["add reviews", "pending"]);
    assert_eq!(v1::Author::query().count(db).await?, 1, "the first migration's data stays");

    // The `orm` binary applies it again and reverts both.
    let out = orm_cli(&["--database-url", &url, "migrate", "run", "--source", dir.path()]).await;
    assert_eq!(out.status, 0, "{out:?}");
    assert!(out.out.contains(" add reviews ("), "{}", out.out);
    for _ in 0..2 {
        let out = orm_cli(&["--database-url", &url, "migrate", "--source", dir.path(), "revert"]).await;
        assert_eq!(out.status, 0, "{out:?}");
        assert!(out.out.starts_with("reverted "), "{}", out.out);
    }
    let out = orm_cli(&["--database-url", &url, "migrate", "revert", "--source", dir.path()]).await;
    assert_eq!(out.status, 0, "{out:?}");
    assert_eq!(out.out, "nothing to revert: no migration is applied\n");
    let out = run(v1::schema(), &["schema", "check"]).await;
    assert_eq!(out.status, 1, "the tables are gone: {out:?}");

    // A file edited after it was applied is refused, and said so.
    assert_eq!(run(v2::schema(), &["migrate", "run"]).await.status, 0);
    let up = dir.0.join(dir.files().into_iter().find(|f| f.ends_with("_create_library.up.sql")).unwrap());
    let mut text = std::fs::read_to_string(&up).unwrap();
    text.push_str("\n-- edited\n");
    std::fs::write(&up, text).unwrap();
    let status = status_lines(&run(v2::schema(), &["migrate", "status"]).await.out);
    assert_eq!(status[0][2], "changed (applied, file edited since)");
    let out = run(v2::schema(), &["migrate", "revert"]).await;
    assert_eq!(out.status, 2, "{out:?}");
    assert!(out.err.starts_with("error: migration: `"), "{}", out.err);
    assert!(out.err.contains("was changed after it was applied"), "{}", out.err);
    Ok(())
});

// ---------------------------------------------------------------------------
// Bad input: a message and exit status 2, never a panic

#[tokio::test]
async fn no_database_url_is_an_error() {
    let out = db_cli(v1::schema(), &["--database-url", "", "schema", "check"]).await;
    assert_eq!(out.status, 2, "{out:?}");
    assert!(out.out.is_empty());
    assert_eq!(
        out.err,
        "error: configuration error: no database URL: pass --database-url URL or set DATABASE_URL (sqlite://FILE, postgres://USER@HOST/DB, mysql://USER@HOST/DB)\n"
    );
    // Without the option, DATABASE_URL is read: when it is not set, the
    // same message.
    if std::env::var_os("DATABASE_URL").is_none() {
        let out = db_cli(v1::schema(), &["migrate", "run"]).await;
        assert_eq!(out.status, 2, "{out:?}");
        assert!(
            out.err
                .starts_with("error: configuration error: no database URL"),
            "{}",
            out.err
        );
        let out = orm_cli(&["generate", "models"]).await;
        assert_eq!(out.status, 2, "{out:?}");
        assert!(
            out.err
                .starts_with("error: configuration error: no database URL"),
            "{}",
            out.err
        );
    }
}

#[tokio::test]
async fn an_unreachable_database_is_an_error_without_its_password() {
    for url in [
        "postgres://root:s3cret@127.0.0.1:1/test",
        "mysql://root:s3cret@127.0.0.1:1/test",
    ] {
        let out = db_cli(v1::schema(), &["--database-url", url, "schema", "check"]).await;
        assert_eq!(out.status, 2, "{out:?}");
        assert!(
            out.err.starts_with("error: cannot connect to `"),
            "{}",
            out.err
        );
        assert!(!out.err.contains("s3cret"), "{}", out.err);
        assert_eq!(out.err.lines().count(), 1, "{}", out.err);
        let out = orm_cli(&["--database-url", url, "migrate", "status"]).await;
        assert_eq!(out.status, 2, "{out:?}");
        assert!(out.err.starts_with("error: "), "{}", out.err);
        assert!(!out.err.contains("s3cret"), "{}", out.err);
    }
    let out = db_cli(
        v1::schema(),
        &["--database-url", "oracle://x/y", "schema", "check"],
    )
    .await;
    assert_eq!(out.status, 2, "{out:?}");
    assert!(
        out.err.starts_with("error: configuration error: "),
        "{}",
        out.err
    );
}

#[tokio::test]
async fn a_bad_migration_name_is_refused_before_connecting() {
    let dir = TempDir::new("bad_name");
    for name in ["add post", "add-post", "", "ünïcode"] {
        let out = db_cli(
            v1::schema(),
            &[
                "--database-url",
                "postgres://root@127.0.0.1:1/test",
                "migrate",
                "generate",
                name,
                "--dir",
                dir.path(),
            ],
        )
        .await;
        assert_eq!(out.status, 2, "{out:?}");
        assert_eq!(
            out.err,
            format!(
                "error: configuration error: migration name `{name}`: use letters, digits and `_` (e.g. `add_post_summary`)\n"
            )
        );
        assert!(!dir.0.exists());
    }
}

#[tokio::test]
async fn usage_errors_and_help() {
    // An unknown command, a missing argument: clap's message, status 2.
    let out = db_cli(v1::schema(), &["migrate", "fly"]).await;
    assert_eq!(out.status, 2, "{out:?}");
    assert!(
        out.err.starts_with("error: unrecognized subcommand 'fly'"),
        "{}",
        out.err
    );
    assert!(out.err.contains("Usage: db migrate"), "{}", out.err);
    let out = db_cli(v1::schema(), &["migrate", "generate"]).await;
    assert_eq!(out.status, 2, "{out:?}");
    assert!(
        out.err
            .starts_with("error: the following required arguments were not provided"),
        "{}",
        out.err
    );
    let out = orm_cli(&[
        "generate",
        "models",
        "--database-url",
        "sqlite::memory:",
        "--features",
        "time",
    ])
    .await;
    assert_eq!(out.status, 2, "{out:?}");
    assert!(
        out.err
            .starts_with("error: configuration error: unknown feature `time`"),
        "{}",
        out.err
    );

    // Help is not an error.
    let out = db_cli(v1::schema(), &["--help"]).await;
    assert_eq!(out.status, 0, "{out:?}");
    assert!(
        out.out.contains("Usage: db [OPTIONS] <COMMAND>"),
        "{}",
        out.out
    );
    assert!(
        out.out.contains("migrate") && out.out.contains("schema"),
        "{}",
        out.out
    );
    let out = db_cli(v1::schema(), &["migrate", "--help"]).await;
    assert_eq!(out.status, 0, "{out:?}");
    for command in ["generate", "run", "revert", "status", "--dir <DIR>"] {
        assert!(out.out.contains(command), "{command}: {}", out.out);
    }
    let out = orm_cli(&["--version"]).await;
    assert_eq!(
        (out.status, out.out.as_str()),
        (0, concat!("orm ", env!("CARGO_PKG_VERSION"), "\n"))
    );
}

// ---------------------------------------------------------------------------
// The shapes Chinook lacks, from models: generated back, compiled, used

/// Models with two keys to one table, a self-reference, a one-to-one, a
/// self-referential many-to-many, a composite key, keyword and unique
/// columns, defaults and delete rules.
mod shop {
    use orm::prelude::*;

    #[derive(Model, Debug, Clone)]
    #[model(table = "customers")]
    pub struct Customer {
        #[model(primary_key)]
        pub id: i64,
        #[model(unique, max_length = 120)]
        pub email: String,
        #[model(column = "type", max_length = 20, default = "'person'")]
        pub kind: Option<String>,
        #[has_many(Sale, foreign_key = "buyer_id", back_populates = "buyer")]
        pub purchases: HasMany<Sale>,
        #[has_many(Sale, foreign_key = "seller_id", back_populates = "seller")]
        pub sales: HasMany<Sale>,
    }

    #[derive(Model, Debug, Clone)]
    #[model(table = "sales")]
    pub struct Sale {
        #[model(primary_key)]
        pub id: i64,
        pub buyer_id: i64,
        pub seller_id: i64,
        #[model(index)]
        pub amount: i32,
        #[belongs_to(Customer, key = "buyer_id", back_populates = "purchases")]
        pub buyer: BelongsTo<Customer>,
        #[belongs_to(Customer, key = "seller_id", back_populates = "sales")]
        pub seller: BelongsTo<Customer>,
    }

    #[derive(Model, Debug, Clone)]
    #[model(table = "people")]
    pub struct Person {
        #[model(primary_key)]
        pub id: i64,
        pub name: String,
        pub manager_id: Option<i64>,
        #[belongs_to(
            Person,
            key = "manager_id",
            back_populates = "reports",
            on_delete = "set null"
        )]
        pub manager: BelongsTo<Person>,
        #[has_many(Person, back_populates = "manager")]
        pub reports: HasMany<Person>,
        #[has_one(Profile, back_populates = "person")]
        pub profile: HasOne<Profile>,
        #[has_many(Person, back_populates = "followers")]
        #[secondary(table = "follows", left = "follower_id", right = "followed_id")]
        pub following: HasMany<Person>,
        #[has_many(Person, back_populates = "following")]
        #[secondary(table = "follows", left = "followed_id", right = "follower_id")]
        pub followers: HasMany<Person>,
    }

    #[derive(Model, Debug, Clone)]
    #[model(table = "profiles")]
    pub struct Profile {
        #[model(primary_key)]
        pub id: i64,
        pub person_id: i64,
        pub bio: Option<String>,
        #[belongs_to(Person, back_populates = "profile", on_delete = "cascade")]
        pub person: BelongsTo<Person>,
    }

    #[derive(Model, Debug, Clone)]
    #[model(table = "gadgets")]
    pub struct Gadget {
        #[model(primary_key, max_length = 40)]
        pub maker: String,
        #[model(primary_key)]
        pub serial: i32,
        pub weight: f64,
        pub active: bool,
        pub blob: Option<Vec<u8>>,
    }

    pub fn schema() -> orm::Schema {
        orm::models![Customer, Sale, Person, Profile, Gadget]
    }
}

#[path = "generated/shop_sqlite.rs"]
mod shop_sqlite;

#[path = "generated/shop_postgres.rs"]
mod shop_postgres;

#[path = "generated/shop_mysql.rs"]
mod shop_mysql;

/// The generated shop models at work, on each backend's module.
macro_rules! shop_checks {
    ($m:ident, $db:expr) => {{
        use $m::*;
        let db: &Db = $db;
        // Read back from what `create_all` wrote, the models say the same,
        // but for SQLite's integers: INTEGER is read as `i64`.
        let drift = orm::models![Customer, Sale, Follow, Person, Profile, Gadget]
            .check(db)
            .await?;
        let lines: Vec<String> = drift.iter().map(|d| d.to_string()).collect();
        if db.dialect() == orm::Dialect::Sqlite {
            assert_eq!(
                lines,
                [
                    "column `sales.amount` is INTEGER NOT NULL in the database, the model says BIGINT NOT NULL: alter it",
                    "column `gadgets.serial` is INTEGER NOT NULL in the database, the model says BIGINT NOT NULL: alter it",
                ],
            );
        } else {
            assert!(drift.is_empty(), "{drift}");
        }

        // Two keys to one table, written through the hand-written models,
        // read through the generated ones: each relationship reads its own.
        let customer = |email: &str, kind: Option<&str>| shop::Customer {
            id: 0,
            email: email.into(),
            kind: kind.map(Into::into),
            purchases: HasMany::default(),
            sales: HasMany::default(),
        };
        let ann = db.insert(customer("ann@example.com", None)).await?;
        let bob = db.insert(customer("bob@example.com", Some("shop"))).await?;
        for amount in [10, 20, 30] {
            let sale = shop::Sale {
                id: 0,
                buyer_id: ann.id,
                seller_id: bob.id,
                amount,
                buyer: BelongsTo::default(),
                seller: BelongsTo::default(),
            };
            db.insert(sale).await?;
        }
        let ann_g = Customer::get(db, ann.id).await?;
        assert_eq!(ann_g.type_.as_deref(), Some("person"), "the default filled it");
        assert_eq!(ann_g.buyer_sales().count(db).await?, 3);
        assert_eq!(ann_g.seller_sales().count(db).await?, 0);
        let bob_g = Customer::get(db, bob.id).await?;
        assert_eq!(bob_g.seller_sales().count(db).await?, 3);
        let sale = Sale::query().first(db).await?.unwrap();
        assert_eq!(sale.buyer().get(db).await?.email, "ann@example.com");
        assert_eq!(sale.seller().get(db).await?.email, "bob@example.com");

        // Written through the generated models: a self-reference, a
        // one-to-one, a self-referential many-to-many.
        let person = |name: &str, manager_id| Person {
            id: 0,
            name: name.into(),
            manager_id,
            manager: BelongsTo::default(),
            people: HasMany::default(),
            profile: HasOne::default(),
            followers: HasMany::default(),
            followeds: HasMany::default(),
        };
        let boss = db.insert(person("boss", None)).await?;
        let a = db.insert(person("a", Some(boss.id))).await?;
        let b = db.insert(person("b", Some(boss.id))).await?;
        assert_eq!(boss.people().count(db).await?, 2);
        assert_eq!(a.manager().get(db).await?.unwrap().id, boss.id);
        let profile = Profile {
            id: 0,
            person_id: boss.id,
            bio: Some("hi".into()),
            person: BelongsTo::default(),
        };
        db.insert(profile).await?;
        let bio = boss.profile().get(db).await?.unwrap().bio;
        assert_eq!(bio.as_deref(), Some("hi"));
        boss.followers().add(db, &a).await?;
        boss.followers().add(db, &b).await?;
        assert_eq!(boss.followers().count(db).await?, 2);
        assert_eq!(a.followeds().count(db).await?, 1);
        let hand_written = shop::Person::get(db, boss.id).await?;
        assert_eq!(hand_written.followers().count(db).await?, 2);

        // A composite key and the plain types.
        let gadget = Gadget {
            maker: "acme".into(),
            serial: 7,
            weight: 1.5,
            active: true,
            blob: Some(vec![1, 2]),
        };
        db.insert(gadget).await?;
        let g = Gadget::query().one(db).await?;
        assert_eq!(
            (g.serial, g.weight, g.active, g.blob),
            (7, 1.5, true, Some(vec![1, 2]))
        );
    }};
}

scenario!(async fn models_generated_from_models_relate_alike(db, backend) {
    db.create_all(&shop::schema()).await?;
    let catalog = orm::Schema::new(&[]).inspect(db).await?;
    let source = orm::cli::generate_models(&catalog, db.dialect(), &Default::default());
    let name = match backend {
        Backend::Sqlite => "shop_sqlite.rs",
        Backend::Postgres => "shop_postgres.rs",
        Backend::MySql => "shop_mysql.rs",
    };
    matches_generated(name, &source);
    match backend {
        Backend::Sqlite => shop_checks!(shop_sqlite, db),
        Backend::Postgres => shop_checks!(shop_postgres, db),
        Backend::MySql => shop_checks!(shop_mysql, db),
    }
    Ok(())
});
