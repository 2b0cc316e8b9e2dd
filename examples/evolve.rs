//! A database through two versions of its models: the first migration
//! creates the tables, rows are written, the models change, `check` shows
//! the drift, `diff` writes the second migration, `run` applies it, and
//! the rows are still there. SQLite, in a temporary folder.
//!
//! ```text
//! cargo run --example evolve
//! ```

use orm::prelude::*;

/// Version 1: posts with a title and a body.
mod v1 {
    use orm::prelude::*;

    #[derive(Model, Debug, Clone)]
    #[model(table = "posts")]
    pub struct Post {
        #[model(primary_key)]
        pub id: i64,
        #[model(max_length = 120)]
        pub title: String,
        pub body: String,
    }
}

/// Version 2: a summary, a view counter with a default, an index on the
/// title, and the body may be empty.
mod v2 {
    use orm::prelude::*;

    #[derive(Model, Debug, Clone)]
    #[model(table = "posts")]
    pub struct Post {
        #[model(primary_key)]
        pub id: i64,
        #[model(max_length = 120, index)]
        pub title: String,
        pub body: Option<String>,
        pub summary: Option<String>,
        #[model(default = "0")]
        pub views: i64,
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> orm::Result<()> {
    let dir = std::env::temp_dir().join(format!("orm_evolve_{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| orm::Error::Config(e.to_string()))?;
    let file = dir.join("blog.db");
    let migrations = dir.join("migrations");
    let db = Db::connect(&format!("sqlite://{}?mode=rwc", file.display())).await?;

    // Version 1: the first migration creates the table.
    let v1 = orm::models![v1::Post];
    let (up, _) = v1.diff(&db).await?.write(&migrations, "create_posts")?;
    println!("wrote {}", up.display());
    run(&db, &migrations).await?;
    for title in ["Hello", "Second post"] {
        db.insert(v1::Post {
            id: 0,
            title: title.into(),
            body: format!("{title}, in full."),
        })
        .await?;
    }

    // The models move on; the database has not.
    let v2 = orm::models![v2::Post];
    let drift = v2.check(&db).await?;
    println!("\nversion 2 against the database:\n{drift}\n");

    let m = v2.diff(&db).await?;
    let (up, _) = m.write(&migrations, "summaries_and_views")?;
    println!("wrote {}:\n{}", up.display(), m.up);
    run(&db, &migrations).await?;

    let drift = v2.check(&db).await?;
    assert!(drift.is_empty(), "{drift}");
    for post in v2::Post::query().order_by(v2::Post::ID).all(&db).await? {
        println!(
            "post {}: {:?}, body {:?}, views {}",
            post.id, post.title, post.body, post.views
        );
    }

    db.close().await;
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}

/// Applies the folder's pending migrations, saying what each took.
async fn run(db: &Db, migrations: &std::path::Path) -> orm::Result<()> {
    for applied in orm::Migrator::from_dir(migrations)?.run(db).await? {
        println!(
            "applied {} in {:.1?}",
            applied.migration.file, applied.elapsed
        );
    }
    Ok(())
}
