//! The five-minute tour: define two models, create their tables in an
//! in-memory SQLite database, insert, query, update and delete.
//!
//! ```text
//! cargo run --example quickstart
//! ```

use orm::prelude::*;

#[derive(Model, Debug, Clone)]
#[model(table = "users")]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    #[model(unique, max_length = 120)]
    pub email: String,
    pub nickname: Option<String>,
}

#[derive(Model, Debug, Clone)]
pub struct Post {
    #[model(primary_key)]
    pub id: i64,
    #[model(references = User, index)]
    pub author_id: i64,
    #[model(max_length = 200)]
    pub title: String,
    pub published: bool,
}

#[tokio::main]
async fn main() -> orm::Result<()> {
    let db = Db::connect("sqlite::memory:").await?;

    let schema = orm::models![User, Post];
    println!("-- schema\n{}", schema.to_sql(orm::Dialect::Sqlite)?);
    db.create_all(&schema).await?;

    let ada = db
        .insert(User {
            id: 0,
            email: "ada@example.com".into(),
            nickname: Some("ada".into()),
        })
        .await?;
    let grace = db
        .insert(User {
            id: 0,
            email: "grace@example.com".into(),
            nickname: None,
        })
        .await?;
    println!("inserted {ada:?}\ninserted {grace:?}");

    let posts = db
        .insert_many(vec![
            Post {
                id: 0,
                author_id: ada.id,
                title: "Notes on the Analytical Engine".into(),
                published: true,
            },
            Post {
                id: 0,
                author_id: ada.id,
                title: "Bernoulli numbers".into(),
                published: false,
            },
            Post {
                id: 0,
                author_id: grace.id,
                title: "COBOL".into(),
                published: true,
            },
        ])
        .await?;
    println!(
        "inserted {} posts with ids {:?}",
        posts.len(),
        posts.iter().map(|p| p.id).collect::<Vec<_>>()
    );

    let published = Post::query()
        .filter(Post::PUBLISHED.eq(true))
        .order_by(Post::TITLE.asc())
        .all(&db)
        .await?;
    for post in &published {
        println!("published: {} (by user {})", post.title, post.author_id);
    }

    let anonymous = User::query()
        .filter(User::NICKNAME.is_null())
        .count(&db)
        .await?;
    println!("users without a nickname: {anonymous}");

    let mut grace = User::get(&db, grace.id).await?;
    grace.nickname = Some("amazing grace".into());
    db.update(&mut grace).await?;
    println!("updated: {:?}", User::get(&db, grace.id).await?);

    let removed = Post::query()
        .filter(Post::PUBLISHED.eq(false))
        .delete(&db)
        .await?;
    println!(
        "deleted {removed} draft(s); {} posts left",
        Post::query().count(&db).await?
    );

    match db
        .insert(User {
            id: 0,
            email: "ada@example.com".into(),
            nickname: None,
        })
        .await
    {
        Err(Error::UniqueViolation { constraint, .. }) => {
            println!("a second ada@example.com is refused by `{constraint}`")
        }
        other => println!("unexpected: {other:?}"),
    }
    Ok(())
}
