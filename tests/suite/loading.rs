//! Eager loading without N+1: `include` (one statement per level),
//! `include_joined` (LEFT JOIN), `orm::load`, relationship defaults.

use orm::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "users")]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
    #[has_many(Post, back_populates = "author", order_by = "id")]
    pub posts: HasMany<Post>,
    #[has_one(Profile, back_populates = "user")]
    pub profile: HasOne<Profile>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "posts")]
pub struct Post {
    #[model(primary_key)]
    pub id: i64,
    pub author_id: i64,
    pub title: String,
    pub published: bool,
    #[belongs_to(User, back_populates = "posts")]
    pub author: BelongsTo<User>,
    #[has_many(Comment, back_populates = "post", order_by = "id")]
    pub comments: HasMany<Comment>,
    #[has_many(Tag, back_populates = "posts", order_by = "name")]
    #[secondary(table = "post_tags")]
    pub tags: HasMany<Tag>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "comments")]
pub struct Comment {
    #[model(primary_key)]
    pub id: i64,
    pub post_id: i64,
    pub body: String,
    #[belongs_to(Post, back_populates = "comments", lazy = "joined")]
    pub post: BelongsTo<Post>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "tags")]
pub struct Tag {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
    #[has_many(Post, back_populates = "tags")]
    #[secondary(table = "post_tags")]
    pub posts: HasMany<Post>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "profiles")]
pub struct Profile {
    #[model(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub bio: String,
    #[belongs_to(User, back_populates = "profile")]
    pub user: BelongsTo<User>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "employees")]
pub struct Employee {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
    pub manager_id: Option<i64>,
    #[belongs_to(Employee, key = "manager_id", back_populates = "reports")]
    pub manager: BelongsTo<Employee>,
    #[has_many(Employee, back_populates = "manager", order_by = "name", lazy = "selectin")]
    pub reports: HasMany<Employee>,
}

fn schema() -> orm::Schema {
    orm::models![User, Post, Comment, Tag, Profile, Employee]
}

/// `users` users with `posts` posts each and `comments` comments per post;
/// every other user has no posts when `gaps` is set.
async fn seed(db: &Db, users: usize, posts: usize, comments: usize, gaps: bool) -> orm::Result<()> {
    db.create_all(&schema()).await?;
    let us = db
        .insert_many(
            (0..users)
                .map(|i| User { id: 0, name: format!("u{i:03}"), posts: HasMany::default(), profile: HasOne::default() })
                .collect(),
        )
        .await?;
    let mut ps = Vec::new();
    for (i, u) in us.iter().enumerate() {
        if gaps && i % 2 == 1 {
            continue;
        }
        for j in 0..posts {
            ps.push(Post {
                id: 0,
                author_id: u.id,
                title: format!("{} p{j}", u.name),
                published: j % 2 == 0,
                author: BelongsTo::default(),
                comments: HasMany::default(),
                tags: HasMany::default(),
            });
        }
    }
    let ps = db.insert_many(ps).await?;
    let mut cs = Vec::new();
    for p in &ps {
        for k in 0..comments {
            cs.push(Comment { id: 0, post_id: p.id, body: format!("{} c{k}", p.title), post: BelongsTo::default() });
        }
    }
    db.insert_many(cs).await?;
    Ok(())
}

scenario!(async fn two_nested_includes_are_three_statements(db, backend) {
    seed(db, 100, 10, 10, false).await?;
    let rec = db.recorder();
    let users = User::query()
        .order_by(User::ID)
        .include(User::POSTS.include(Post::COMMENTS))
        .all(db)
        .await?;
    assert_eq!(rec.count(), 3, "{:#?}", rec.statements());
    if backend == crate::harness::Backend::Postgres {
        assert!(rec.statements()[1].contains("= ANY($1)"), "{}", rec.statements()[1]);
    }
    assert_eq!(users.len(), 100);
    for u in &users {
        let posts = u.posts.get()?;
        assert_eq!(posts.len(), 10);
        for p in posts {
            assert_eq!(p.author_id, u.id);
            let comments = p.comments.get()?;
            assert_eq!(comments.len(), 10);
            assert!(comments.iter().all(|c| c.post_id == p.id && c.body.starts_with(&p.title)));
        }
    }
    Ok(())
});

scenario!(async fn lazy_access_in_a_loop_is_the_n_plus_one_this_removes(db, backend) {
    seed(db, 100, 10, 10, false).await?;
    let rec = db.recorder();
    let users = User::query().all(db).await?;
    let mut comments = 0;
    for u in &users {
        for p in u.posts().all(db).await? {
            comments += p.comments().count(db).await?;
        }
    }
    assert_eq!(comments, 10_000);
    assert_eq!(rec.count(), 1 + 100 + 1000);
    Ok(())
});

scenario!(async fn parents_without_children_get_loaded_empty_slots(db, backend) {
    seed(db, 6, 2, 0, true).await?;
    let users = User::query().order_by(User::ID).include(User::POSTS).include(User::PROFILE).all(db).await?;
    let counts: Vec<usize> = users.iter().map(|u| u.posts.get().map(|p| p.len())).collect::<orm::Result<_>>()?;
    assert_eq!(counts, [2, 0, 2, 0, 2, 0]);
    assert!(users.iter().all(|u| matches!(u.profile.get(), Ok(None))));
    // No rows at all: nothing to load, no statement for the include.
    let rec = db.recorder();
    let none = User::query().filter(User::ID.lt(0)).include(User::POSTS).all(db).await?;
    assert!(none.is_empty());
    assert_eq!(rec.count(), 1);
    Ok(())
});

scenario!(async fn filtered_and_ordered_includes_and_siblings(db, backend) {
    seed(db, 3, 4, 1, false).await?;
    let rust = db.insert(Tag { id: 0, name: "rust".into(), posts: HasMany::default() }).await?;
    let sql = db.insert(Tag { id: 0, name: "sql".into(), posts: HasMany::default() }).await?;
    let first = Post::query().order_by(Post::ID).first(db).await?.unwrap();
    first.tags().add_many(db, &[rust.clone(), sql.clone()]).await?;
    let rec = db.recorder();
    let users = User::query()
        .order_by(User::ID)
        .include(
            User::POSTS
                .filter(Post::PUBLISHED.eq(true))
                .order_by(Post::ID.desc())
                .include(Post::COMMENTS)
                .include(Post::TAGS),
        )
        .all(db)
        .await?;
    assert_eq!(rec.count(), 4, "root, posts, comments and tags: {:#?}", rec.statements());
    let posts = users[0].posts.get()?;
    assert_eq!(posts.iter().map(|p| p.title.as_str()).collect::<Vec<_>>(), ["u000 p2", "u000 p0"]);
    assert!(posts.iter().all(|p| p.published && p.comments.get().unwrap().len() == 1));
    let tags: Vec<&str> = posts[1].tags.get()?.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tags, ["rust", "sql"]);
    assert!(posts[0].tags.get()?.is_empty());
    Ok(())
});

scenario!(async fn belongs_to_many_to_many_and_shared_rows(db, backend) {
    seed(db, 2, 3, 0, false).await?;
    let rust = db.insert(Tag { id: 0, name: "rust".into(), posts: HasMany::default() }).await?;
    let posts = Post::query().all(db).await?;
    rust.posts().add_many(db, &posts).await?;
    let rec = db.recorder();
    // belongs_to: 6 posts, 2 authors, each decoded once.
    let loaded = Post::query().order_by(Post::ID).include(Post::AUTHOR).all(db).await?;
    assert_eq!(rec.take().len(), 2);
    assert!(loaded.iter().all(|p| p.author.get().unwrap().id == p.author_id));
    // many-to-many from the other side: one statement through the association.
    let tags = Tag::query().include(Tag::POSTS.include(Post::AUTHOR)).all(db).await?;
    assert_eq!(rec.take().len(), 3);
    assert_eq!(tags[0].posts.get()?.len(), 6);
    assert!(tags[0].posts.get()?.iter().all(|p| p.author.get().is_ok()));
    Ok(())
});

scenario!(async fn joined_to_one_with_limit_and_offset(db, backend) {
    seed(db, 4, 2, 0, false).await?;
    let rec = db.recorder();
    let page = Post::query()
        .include_joined(Post::AUTHOR)
        .order_by(Post::ID)
        .limit(3)
        .offset(2)
        .all(db)
        .await?;
    assert_eq!(rec.count(), 1, "one statement");
    assert!(rec.statements()[0].contains("LEFT JOIN"));
    assert_eq!(page.len(), 3);
    assert_eq!(page.iter().map(|p| p.title.as_str()).collect::<Vec<_>>(), ["u001 p0", "u001 p1", "u002 p0"]);
    assert!(page.iter().all(|p| p.author.get().unwrap().id == p.author_id));
    // has_one joined: users without a profile get a loaded None.
    let u = User::query().order_by(User::ID).first(db).await?.unwrap();
    db.insert(Profile { id: 0, user_id: u.id, bio: "hi".into(), user: BelongsTo::default() }).await?;
    let users = User::query().include_joined(User::PROFILE).order_by(User::ID).all(db).await?;
    assert_eq!(users[0].profile.get()?.map(|p| p.bio.as_str()), Some("hi"));
    assert!(matches!(users[1].profile.get(), Ok(None)));
    Ok(())
});

scenario!(async fn loading_onto_models_already_fetched(db, backend) {
    seed(db, 3, 2, 2, false).await?;
    let mut users = User::query().order_by(User::ID).all(db).await?;
    assert!(users[0].posts.get().is_err());
    let rec = db.recorder();
    orm::load(&mut users, User::POSTS.include(Post::COMMENTS), db).await?;
    assert_eq!(rec.count(), 2);
    assert_eq!(users[2].posts.get()?[1].comments.get()?.len(), 2);
    Ok(())
});

scenario!(async fn relationship_defaults_apply_to_every_query(db, backend) {
    seed(db, 1, 2, 2, false).await?;
    // Comment.post is lazy = "joined": loaded in the same statement.
    let rec = db.recorder();
    let comments = Comment::query().all(db).await?;
    assert_eq!(rec.take().len(), 1);
    assert!(comments.iter().all(|c| c.post.get().unwrap().id == c.post_id));
    // User.posts is lazy = "raise" (the default): left unloaded.
    let u = User::query().first(db).await?.unwrap();
    assert!(matches!(u.posts.get(), Err(Error::NotLoaded { model: "User", relation: "posts" })));
    Ok(())
});

scenario!(async fn self_referential_tree_to_a_stated_depth(db, backend) {
    db.create_all(&schema()).await?;
    let emp = |name: &str, manager: Option<i64>| Employee { id: 0, name: name.into(), manager_id: manager, manager: BelongsTo::default(), reports: HasMany::default() };
    let ceo = db.insert(emp("Andrew", None)).await?;
    let vps = db.insert_many(vec![emp("Nancy", Some(ceo.id)), emp("Michael", Some(ceo.id))]).await?;
    let staff = db.insert_many(vec![emp("Jane", Some(vps[0].id)), emp("Robert", Some(vps[1].id))]).await?;
    db.insert(emp("Intern", Some(staff[0].id))).await?;
    let rec = db.recorder();
    // Employee.reports is lazy = "selectin" (one level by default); depth(3)
    // goes three levels: 1 + 3 statements, plus the default on the root.
    let top = Employee::query()
        .filter(Employee::MANAGER.is_none())
        .include(Employee::REPORTS.depth(3))
        .all(db)
        .await?;
    assert!(rec.count() <= 5, "{:#?}", rec.statements());
    let ceo = &top[0];
    let vps = ceo.reports.get()?;
    assert_eq!(vps.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["Michael", "Nancy"]);
    let nancy = &vps[1];
    assert_eq!(nancy.reports.get()?[0].name, "Jane");
    assert_eq!(nancy.reports.get()?[0].reports.get()?[0].name, "Intern");
    Ok(())
});

scenario!(async fn a_backref_side_is_loaded_as_pairs_only(db, backend) {
    seed(db, 1, 1, 0, false).await?;
    // Profile.user is declared; loading it works like any belongs_to.
    let u = User::query().first(db).await?.unwrap();
    db.insert(Profile { id: 0, user_id: u.id, bio: "b".into(), user: BelongsTo::default() }).await?;
    let profiles = Profile::query().include(Profile::USER).all(db).await?;
    assert_eq!(profiles[0].user.get()?.id, u.id);
    Ok(())
});

#[tokio::test]
async fn a_hundred_thousand_parents_load_in_chunks() {
    let db = Db::connect("sqlite::memory:").await.unwrap();
    db.create_all(&schema()).await.unwrap();
    let users: Vec<User> = (0..100_000)
        .map(|i| User { id: 0, name: format!("u{i}"), posts: HasMany::default(), profile: HasOne::default() })
        .collect();
    db.insert_many(users).await.unwrap();
    let rec = db.recorder();
    let users = User::query().include(User::POSTS).all(&db).await.unwrap();
    assert_eq!(users.len(), 100_000);
    // SQLite binds at most 32,766 values a statement: 4 chunks of keys.
    assert_eq!(rec.count(), 1 + 4, "{}", rec.count());
    assert!(users.iter().all(|u| u.posts.get().unwrap().is_empty()));
}
