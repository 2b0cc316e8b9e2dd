//! A small blog: users, their posts and their profiles, with the three
//! relationship kinds, lazy accessors, relationship filters, a join and the
//! delete rules.
//!
//! ```text
//! cargo run --example blog                          # in-memory SQLite
//! cargo run --example blog -- postgres://root@127.0.0.1/test
//! cargo run --example blog -- mysql://root@127.0.0.1/test
//! ```

use orm::prelude::*;

#[derive(Model, Debug, Clone)]
#[model(table = "blog_users")]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    #[model(unique, max_length = 120)]
    pub email: String,
    #[has_many(
        Post,
        back_populates = "author",
        cascade = "all, delete-orphan",
        order_by = "title"
    )]
    pub posts: HasMany<Post>,
    #[has_one(Profile, backref = "user", cascade = "delete")]
    pub profile: HasOne<Profile>,
}

#[derive(Model, Debug, Clone)]
#[model(table = "blog_posts")]
pub struct Post {
    #[model(primary_key)]
    pub id: i64,
    pub author_id: i64,
    #[model(max_length = 200)]
    pub title: String,
    pub published: bool,
    #[belongs_to(User, back_populates = "posts")]
    pub author: BelongsTo<User>,
}

#[derive(Model, Debug, Clone)]
#[model(table = "blog_profiles")]
pub struct Profile {
    #[model(primary_key)]
    pub id: i64,
    #[model(references = User)]
    pub user_id: i64,
    pub bio: String,
}

fn user(email: &str) -> User {
    User {
        id: 0,
        email: email.into(),
        posts: HasMany::default(),
        profile: HasOne::default(),
    }
}

fn post(title: &str, published: bool) -> Post {
    Post {
        id: 0,
        author_id: 0,
        title: title.into(),
        published,
        author: BelongsTo::default(),
    }
}

#[tokio::main]
async fn main() -> orm::Result<()> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "sqlite::memory:".into());
    let db = Db::connect(&url).await?;
    println!("connected to {db}");
    let schema = orm::models![User, Post, Profile];
    db.drop_all(&schema).await?;
    db.create_all(&schema).await?;

    let ada = db.insert(user("ada@example.com")).await?;
    let grace = db.insert(user("grace@example.com")).await?;
    for (title, published) in [("Notes on the Engine", true), ("Bernoulli numbers", false)] {
        ada.posts().add(&db, post(title, published)).await?;
    }
    grace
        .posts()
        .add(&db, post("Compilers for everyone", true))
        .await?;
    ada.profile()
        .set(
            &db,
            Profile {
                id: 0,
                user_id: 0,
                bio: "Countess of Lovelace".into(),
            },
        )
        .await?;

    // Lazy accessors: each is one statement you can see.
    for p in ada.posts().all(&db).await? {
        println!(
            "{} wrote {:?} (published: {})",
            ada.email, p.title, p.published
        );
    }
    let profile = ada.profile().get(&db).await?.expect("a profile");
    println!(
        "{}'s bio: {}",
        profile.user().get(&db).await?.email,
        profile.bio
    );

    // Relationship filters.
    let with_drafts = User::query()
        .filter(User::POSTS.any(Post::PUBLISHED.eq(false)))
        .all(&db)
        .await?;
    println!(
        "users with drafts: {:?}",
        with_drafts.iter().map(|u| &u.email).collect::<Vec<_>>()
    );
    let by_grace = Post::query()
        .filter(Post::AUTHOR.is(&grace))
        .count(&db)
        .await?;
    println!("posts by grace: {by_grace}");

    // A join, no ON clause written.
    for (p, author) in Post::query()
        .join(Post::AUTHOR)
        .filter(Post::PUBLISHED.eq(true))
        .order_by(User::EMAIL)
        .all_with::<User>(&db)
        .await?
    {
        println!("published: {:?} by {}", p.title, author.email);
    }

    // cascade = "all, delete-orphan": the posts and profile go with the user.
    db.delete(&ada).await?;
    println!(
        "after deleting ada: {} post(s), {} profile(s) left",
        Post::query().count(&db).await?,
        Profile::query().count(&db).await?
    );
    Ok(())
}
