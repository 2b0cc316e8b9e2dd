//! Schema evolution: `schema.check` finds no drift on what `create_all`
//! made (for every model of this suite), `schema.diff` takes a database
//! from one model version to the next with its rows kept, and the
//! migration runner applies and reverts folders.

use orm::prelude::*;

use crate::harness::Backend;

/// Creates `schema`, checks it finds nothing and diffs to nothing, drops it.
async fn clean_after_create_all(db: &Db, schema: orm::Schema, what: &str) -> orm::Result<()> {
    db.create_all(&schema).await?;
    let drift = schema.check(db).await?;
    // Tables of a shared named schema may belong to scenarios running
    // beside this one.
    let drift: Vec<String> = drift
        .iter()
        .filter(|d| !matches!(d, orm::Difference::ExtraTable { table } if table.schema.is_some()))
        .map(|d| d.to_string())
        .collect();
    assert!(drift.is_empty(), "{what}: {}", drift.join("\n"));
    let m = schema.diff(db).await?;
    assert!(m.is_empty(), "{what}: {}", m.up);
    db.drop_all(&schema).await?;
    Ok(())
}

scenario!(async fn every_model_of_the_suite_checks_clean_after_create_all(db, backend) {
    use crate::tutorials as t;
    let schemas = vec![
        ("errors", orm::models![crate::errors::Item]),
        ("faults", orm::models![crate::faults::Order, crate::faults::Line]),
        ("loading", orm::models![
            crate::loading::User, crate::loading::Post, crate::loading::Comment, crate::loading::Tag,
            crate::loading::Profile, crate::loading::Employee, crate::loading::Note
        ]),
        ("many_to_many", orm::models![
            crate::many_to_many::library::Book, crate::many_to_many::library::Writer,
            crate::many_to_many::blog::Post, crate::many_to_many::blog::Tag,
            crate::many_to_many::blog::PostTag, crate::many_to_many::social::Member
        ]),
        ("models", orm::models![
            crate::models::User, crate::models::Post, crate::models::Store,
            crate::models::Membership, crate::models::Country, crate::models::Reading
        ]),
        ("query", orm::models![crate::query::Note]),
        ("relationships", orm::models![
            crate::relationships::Author, crate::relationships::Book, crate::relationships::Bio,
            crate::relationships::Category, crate::relationships::Article, crate::relationships::Employee,
            crate::relationships::Customer, crate::relationships::Sale, crate::relationships::Team,
            crate::relationships::Player, crate::relationships::Shelf, crate::relationships::Volume
        ]),
        ("saving", orm::models![
            crate::saving::User, crate::saving::Post, crate::saving::Tag, crate::saving::Profile,
            crate::saving::Node, crate::saving::Blog, crate::saving::Entry, crate::saving::Remark,
            crate::saving::Pingback, crate::saving::Label, crate::saving::EntryLabel, crate::saving::Folder
        ]),
        ("schema", orm::models![
            crate::schema::CatalogItem, crate::schema::Invoice, crate::schema::InvoiceLine,
            crate::schema::Setting
        ]),
        ("strings", match backend {
            Backend::Sqlite => orm::models![crate::strings::Code, crate::strings::TagSqlite],
            Backend::Postgres => orm::models![crate::strings::Code, crate::strings::TagPg],
            Backend::MySql => orm::models![crate::strings::Code, crate::strings::TagMySql],
        }),
        ("types", orm::models![crate::types::Everything, crate::types::Times]),
        ("writes", orm::models![
            crate::writes::Author, crate::writes::Article, crate::writes::Store, crate::writes::Page,
            crate::writes::Revision, crate::writes::Owner, crate::writes::Pet, crate::writes::Event
        ]),
        ("tutorials::one_to_one", orm::models![t::one_to_one::Author, t::one_to_one::Book]),
        ("tutorials::one_to_many", orm::models![t::one_to_many::User, t::one_to_many::Post]),
        ("tutorials::products", orm::models![t::products::User, t::products::Product]),
        ("tutorials::stores", orm::models![t::stores::User, t::stores::Store]),
        ("tutorials::teams", orm::models![t::teams::Team, t::teams::Player]),
        ("tutorials::book_authors", orm::models![t::book_authors::Author, t::book_authors::Book]),
        ("tutorials::songs", orm::models![t::songs::Playlist, t::songs::Song]),
        ("tutorials::rosters", orm::models![t::rosters::Team, t::rosters::Player]),
    ];
    for (what, schema) in schemas {
        clean_after_create_all(db, schema, what).await?;
    }
    Ok(())
});

/// The models of one application, three versions.
mod v1 {
    use orm::prelude::*;

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "ev_authors")]
    pub struct Author {
        #[model(primary_key)]
        pub id: i64,
        #[model(max_length = 80)]
        pub name: String,
    }

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "ev_posts")]
    pub struct Post {
        #[model(primary_key)]
        pub id: i64,
        #[model(references = Author)]
        pub author_id: i64,
        #[model(max_length = 120)]
        pub title: String,
        pub body: String,
        pub legacy: Option<String>,
        pub views: i32,
    }

    pub fn schema() -> orm::Schema {
        orm::models![Author, Post]
    }
}

/// v2: a new table; a nullable and a NOT NULL-with-default column added; a
/// column made nullable; an index added.
mod v2 {
    use orm::prelude::*;

    pub use super::v1::Author;

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "ev_posts")]
    pub struct Post {
        #[model(primary_key)]
        pub id: i64,
        #[model(references = Author)]
        pub author_id: i64,
        #[model(max_length = 120, index)]
        pub title: String,
        pub body: Option<String>,
        pub legacy: Option<String>,
        pub views: i32,
        pub summary: Option<String>,
        #[model(default = "0")]
        pub rating: i32,
    }

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "ev_tags")]
    pub struct Tag {
        #[model(primary_key)]
        pub id: i64,
        #[model(max_length = 40, unique)]
        pub name: String,
    }

    pub fn schema() -> orm::Schema {
        orm::models![Author, Post, Tag]
    }
}

/// v3: a type changed, a foreign key added, a column dropped.
mod v3 {
    use orm::prelude::*;

    pub use super::v1::Author;
    pub use super::v2::Tag;

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "ev_posts")]
    pub struct Post {
        #[model(primary_key)]
        pub id: i64,
        #[model(references = Author)]
        pub author_id: i64,
        #[model(max_length = 120, index)]
        pub title: String,
        pub body: Option<String>,
        pub views: i64,
        pub summary: Option<String>,
        #[model(default = "0")]
        pub rating: i32,
        #[model(references = Tag)]
        pub tag_id: Option<i64>,
    }

    pub fn schema() -> orm::Schema {
        orm::models![Author, Post, Tag]
    }
}

static DIRS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// An empty folder of its own for one scenario's migrations.
fn migration_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "orm_migrations_{}_{}",
        std::process::id(),
        DIRS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The differences of `schema`, one per line, none expected.
async fn assert_clean(db: &Db, schema: &orm::Schema, what: &str) -> orm::Result<()> {
    let drift = schema.check(db).await?;
    assert!(drift.is_empty(), "{what}:\n{drift}");
    Ok(())
}

scenario!(async fn a_model_history_migrates_up_and_down_with_its_rows(db, backend) {
    let dir = migration_dir();
    // v1 is the first migration: the tables created.
    let first = v1::schema().diff(db).await?;
    assert_eq!(first.steps(), 2, "{}", first.up);
    first.write(&dir, "create_tables")?;
    let applied = orm::Migrator::from_dir(&dir)?.run(db).await?;
    assert_eq!(applied.len(), 1);
    assert_clean(db, &v1::schema(), "v1").await?;
    let ada = db.insert(v1::Author { id: 0, name: "Ada".into() }).await?;
    for i in 0..3 {
        db.insert(v1::Post {
            id: 0,
            author_id: ada.id,
            title: format!("post {i}"),
            body: format!("body {i}"),
            legacy: Some("old".into()),
            views: i,
        })
        .await?;
    }

    // v1 -> v2
    let up2 = v2::schema().diff(db).await?;
    assert!(!up2.is_empty());
    assert!(!up2.up.contains("destructive"), "{}", up2.up);
    up2.write(&dir, "tags_and_summaries")?;
    let applied = orm::Migrator::from_dir(&dir)?.run(db).await?;
    assert_eq!(applied.len(), 1, "only the new migration runs");
    assert_clean(db, &v2::schema(), "v2").await?;
    let posts = v2::Post::query().order_by(v2::Post::ID).all(db).await?;
    assert_eq!(posts.len(), 3);
    assert_eq!(posts[2].title, "post 2");
    assert_eq!(posts[2].body.as_deref(), Some("body 2"));
    assert_eq!((posts[2].rating, posts[2].summary.clone()), (0, None), "the new columns took their defaults");
    db.insert(v2::Tag { id: 0, name: "rust".into() }).await?;

    // v2 -> v3: a dropped column is marked.
    let up3 = v3::schema().diff(db).await?;
    assert!(up3.up.contains("-- destructive:") && up3.up.contains("legacy"), "{}", up3.up);
    up3.write(&dir, "typed_views")?;
    orm::Migrator::from_dir(&dir)?.run(db).await?;
    assert_clean(db, &v3::schema(), "v3").await?;
    let posts = v3::Post::query().order_by(v3::Post::ID).all(db).await?;
    assert_eq!(posts.len(), 3);
    assert_eq!((posts[1].title.as_str(), posts[1].views), ("post 1", 1));
    assert_eq!(posts[0].author_id, ada.id);
    // The new foreign key holds.
    let tag = v3::Tag::query().one(db).await?;
    let mut p = posts[0].clone();
    p.tag_id = Some(tag.id + 100);
    assert!(db.update(&mut p).await.is_err(), "the foreign key refuses a missing tag");
    p.tag_id = Some(tag.id);
    db.update(&mut p).await?;

    let migrator = orm::Migrator::from_dir(&dir)?;
    let status = migrator.status(db).await?;
    assert_eq!(status.iter().filter(|s| s.applied).count(), 3);

    // Down, one step at a time, each back to its models.
    let reverted = migrator.revert(db).await?.expect("one reverted");
    assert!(reverted.migration.file.ends_with("_typed_views.up.sql"));
    assert_clean(db, &v2::schema(), "v3 reverted to v2").await?;
    assert_eq!(v2::Post::query().count(db).await?, 3);
    migrator.revert(db).await?;
    assert_clean(db, &v1::schema(), "v2 reverted to v1").await?;
    let posts = v1::Post::query().order_by(v1::Post::ID).all(db).await?;
    assert_eq!((posts[2].title.as_str(), posts[2].body.as_str()), ("post 2", "body 2"));
    assert!(v2::Tag::query().count(db).await.is_err(), "ev_tags is gone");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = backend;
    Ok(())
});

/// `name` and `sql` written into `dir`.
fn put(dir: &std::path::Path, name: &str, sql: &str) {
    std::fs::write(dir.join(name), sql).unwrap();
}

fn migration_error(result: orm::Result<impl std::fmt::Debug>) -> String {
    match result {
        Err(orm::Error::Migration(message)) => message,
        other => panic!("expected Error::Migration, got {other:?}"),
    }
}

const CREATE_A: &str = "CREATE TABLE ev_a (id INTEGER NOT NULL PRIMARY KEY);\n";
const CREATE_B: &str = "CREATE TABLE ev_b (id INTEGER NOT NULL PRIMARY KEY);\n";
const CREATE_C: &str = "CREATE TABLE ev_c (id INTEGER NOT NULL PRIMARY KEY);\n";

scenario!(async fn an_embedded_folder_runs_reverts_and_reports(db, backend) {
    let migrator = orm::migrate!("tests/migrations");
    assert_eq!(migrator.migrations().len(), 2);
    let status = migrator.status(db).await?;
    assert!(status.iter().all(|s| !s.applied));
    let applied = migrator.run(db).await?;
    let files: Vec<&str> = applied.iter().map(|a| a.migration.file.as_str()).collect();
    assert_eq!(files, ["20260101000000_create_fixture.up.sql", "20260102000000_add_note.up.sql"]);
    orm::raw("INSERT INTO ev_fixture (id, name, note) VALUES (1, 'a', 'b')").execute(db).await?;
    assert!(migrator.run(db).await?.is_empty(), "nothing pending");
    // sqlx's own migrator reads the same table the same way.
    let status = migrator.status(db).await?;
    assert!(status.iter().all(|s| s.applied && !s.changed && !s.missing));
    let reverted = migrator.revert(db).await?.unwrap();
    assert_eq!(reverted.migration.version, 20260102000000);
    let status = migrator.status(db).await?;
    assert_eq!(status.iter().map(|s| s.applied).collect::<Vec<_>>(), [true, false]);
    migrator.revert(db).await?;
    assert!(migrator.revert(db).await?.is_none(), "nothing left to revert");
    Ok(())
});

scenario!(async fn a_folder_out_of_step_with_the_database_is_refused(db, backend) {
    let dir = migration_dir();
    put(&dir, "1_a.up.sql", CREATE_A);
    put(&dir, "1_a.down.sql", "DROP TABLE ev_a;\n");
    put(&dir, "3_c.up.sql", CREATE_C);
    orm::Migrator::from_dir(&dir)?.run(db).await?;

    // A migration older than one applied: refused, nothing runs.
    put(&dir, "2_b.up.sql", CREATE_B);
    let message = migration_error(orm::Migrator::from_dir(&dir)?.run(db).await);
    assert!(message.contains("`2_b.up.sql`") && message.contains("out of order"), "{message}");
    assert!(orm::raw("SELECT COUNT(*) FROM ev_b").scalar::<i64>(db).await.is_err(), "ev_b was not created");
    std::fs::remove_file(dir.join("2_b.up.sql")).unwrap();

    // An applied file changed since.
    put(&dir, "1_a.up.sql", "CREATE TABLE ev_a (id BIGINT NOT NULL PRIMARY KEY);\n");
    let message = migration_error(orm::Migrator::from_dir(&dir)?.run(db).await);
    assert!(message.contains("`1_a.up.sql` was changed"), "{message}");
    put(&dir, "1_a.up.sql", CREATE_A);

    // An applied migration the folder no longer has: the database is newer.
    std::fs::remove_file(dir.join("3_c.up.sql")).unwrap();
    let migrator = orm::Migrator::from_dir(&dir)?;
    let message = migration_error(migrator.run(db).await);
    assert!(message.contains("migration 3") && message.contains("newer"), "{message}");
    let status = migrator.status(db).await?;
    assert!(status.iter().any(|s| s.missing && s.migration.version == 3));
    put(&dir, "3_c.up.sql", CREATE_C);

    // The latest has no down file.
    let message = migration_error(orm::Migrator::from_dir(&dir)?.revert(db).await);
    assert!(message.contains("`3_c.up.sql` has no `.down.sql`"), "{message}");

    // A name that is not a migration's.
    put(&dir, "notes.sql", "SELECT 1;\n");
    let message = migration_error(orm::Migrator::from_dir(&dir));
    assert!(message.contains("`notes.sql`"), "{message}");
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
});

scenario!(async fn a_failing_migration_names_its_file_and_leaves_nothing(db, backend) {
    let dir = migration_dir();
    put(&dir, "1_a.up.sql", CREATE_A);
    put(&dir, "1_a.down.sql", "DROP TABLE ev_nowhere;\n");
    put(&dir, "2_broken.up.sql", "CREATE TABLE ev_b (id INTEGER NOT NULL PRIMARY KEY);\nINSERT INTO ev_nowhere VALUES (1);\n");
    let migrator = orm::Migrator::from_dir(&dir)?;
    let message = migration_error(migrator.run(db).await);
    assert!(message.contains("`2_broken.up.sql` failed"), "{message}");
    if backend == Backend::MySql {
        // MySQL commits DDL as it goes: the file is marked dirty, and
        // nothing runs until a person has seen to it.
        assert!(message.contains("dirty"), "{message}");
        let status = migrator.status(db).await?;
        assert!(status.iter().any(|s| s.dirty && s.migration.version == 2), "{status:?}");
        let again = migration_error(migrator.run(db).await);
        assert!(again.contains("`2_broken.up.sql` failed part-way") && again.contains("dirty"), "{again}");
        let _ = std::fs::remove_dir_all(&dir);
        return Ok(());
    }
    assert!(message.contains("rolled back"), "{message}");
    let status = migrator.status(db).await?;
    assert_eq!(status.iter().map(|s| s.applied).collect::<Vec<_>>(), [true, false]);
    assert!(status.iter().all(|s| !s.dirty));
    assert!(orm::raw("SELECT COUNT(*) FROM ev_b").scalar::<i64>(db).await.is_err(), "ev_b was rolled back");
    // A revert that fails names its down file.
    std::fs::remove_file(dir.join("2_broken.up.sql")).unwrap();
    let migrator = orm::Migrator::from_dir(&dir)?;
    let message = migration_error(migrator.revert(db).await);
    assert!(message.contains("`1_a.down.sql` failed"), "{message}");
    assert!(orm::raw("SELECT COUNT(*) FROM ev_a").scalar::<i64>(db).await.is_ok(), "ev_a is still there");
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
});

mod strict {
    use orm::prelude::*;

    /// v1's authors with a NOT NULL column without a default.
    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "ev_authors")]
    pub struct Author {
        #[model(primary_key)]
        pub id: i64,
        #[model(max_length = 80)]
        pub name: String,
        pub born: i32,
    }
}

scenario!(async fn a_new_not_null_column_without_a_default_is_refused(db, backend) {
    db.create_all(&orm::models![v1::Author]).await?;
    let err = orm::models![strict::Author].diff(db).await.unwrap_err();
    let orm::Error::Config(message) = err else { panic!("expected Error::Config, got {err:?}") };
    assert!(message.contains("`ev_authors.born` is NOT NULL without a default"), "{message}");
    Ok(())
});

/// sqlx's migrator, on the folder and database ours ran: nothing pending,
/// nothing changed, the same versions applied.
#[tokio::test]
async fn sqlx_reads_the_folder_and_table_alike() -> orm::Result<()> {
    let dir = migration_dir();
    let file = dir.join("db.sqlite");
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let db = Db::connect(&url).await?;
    let migrations = dir.join("migrations");
    let m = v1::schema().diff(&db).await?;
    m.write(&migrations, "create_tables")?;
    put(
        &migrations,
        "20300101000000_add_note.up.sql",
        "ALTER TABLE ev_authors ADD COLUMN note TEXT NULL;\n",
    );
    put(
        &migrations,
        "20300101000000_add_note.down.sql",
        "ALTER TABLE ev_authors DROP COLUMN note;\n",
    );
    orm::Migrator::from_dir(&migrations)?.run(&db).await?;
    db.close().await;

    let pool = sqlx::SqlitePool::connect(&url)
        .await
        .map_err(orm::Error::from)?;
    let theirs = sqlx::migrate::Migrator::new(migrations.as_path())
        .await
        .expect("sqlx reads the folder");
    // Fails on a changed checksum or a missing version; applies nothing here.
    theirs
        .run(&pool)
        .await
        .expect("sqlx finds the folder applied as it is");
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&pool)
            .await
            .map_err(orm::Error::from)?;
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[1], 20300101000000);
    pool.close().await;

    let db = Db::connect(&url).await?;
    let status = orm::Migrator::from_dir(&migrations)?.status(&db).await?;
    assert!(status.iter().all(|s| s.applied && !s.changed));
    db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// Migrations run from a spawned task (a start-up task, a handler).
#[tokio::test]
async fn migrations_run_in_a_spawned_task() -> orm::Result<()> {
    let task = tokio::spawn(async move {
        let db = Db::connect("sqlite::memory:").await?;
        let migrator = orm::migrate!("tests/migrations");
        migrator.run(&db).await?;
        let status = migrator.status(&db).await?;
        migrator.revert(&db).await?;
        Ok::<_, orm::Error>(status.len())
    });
    assert_eq!(task.await.expect("the task ran")?, 2);
    Ok(())
}

mod keys_v1 {
    use orm::prelude::*;

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "ev_parents")]
    pub struct Parent {
        #[model(primary_key)]
        pub id: i32,
        pub name: String,
    }

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "ev_children")]
    pub struct Child {
        #[model(primary_key)]
        pub id: i32,
        #[model(references = Parent)]
        pub parent_id: i32,
    }
}

mod keys_v2 {
    use orm::prelude::*;

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "ev_parents")]
    pub struct Parent {
        #[model(primary_key)]
        pub id: i64,
        pub name: String,
    }

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "ev_children")]
    pub struct Child {
        #[model(primary_key)]
        pub id: i64,
        #[model(references = Parent)]
        pub parent_id: i64,
    }
}

scenario!(async fn a_referenced_key_changes_type_with_its_foreign_keys(db, backend) {
    let dir = migration_dir();
    let v1 = orm::models![keys_v1::Parent, keys_v1::Child];
    db.create_all(&v1).await?;
    let p = db.insert(keys_v1::Parent { id: 0, name: "p".into() }).await?;
    db.insert(keys_v1::Child { id: 0, parent_id: p.id }).await?;
    let v2 = orm::models![keys_v2::Parent, keys_v2::Child];
    let m = v2.diff(db).await?;
    m.write(&dir, "wider_keys")?;
    let migrator = orm::Migrator::from_dir(&dir)?;
    migrator.run(db).await?;
    let drift = v2.check(db).await?;
    assert!(drift.is_empty(), "{drift}\n{}", m.up);
    assert_eq!(keys_v2::Child::query().count(db).await?, 1);
    migrator.revert(db).await?;
    let drift = v1.check(db).await?;
    assert!(drift.is_empty(), "{drift}\n{}", m.down);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
});
