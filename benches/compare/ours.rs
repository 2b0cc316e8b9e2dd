//! This ORM, through its idiomatic API.

use orm::prelude::*;

use crate::fixture::{hair_color, user_name};

#[derive(Model, Debug, Clone)]
#[model(table = "users")]
pub struct User {
    #[model(primary_key)]
    pub id: i32,
    pub name: String,
    pub hair_color: Option<String>,
    #[has_many(Post, back_populates = "user")]
    pub posts: HasMany<Post>,
}

#[derive(Model, Debug, Clone)]
#[model(table = "posts")]
pub struct Post {
    #[model(primary_key)]
    pub id: i32,
    pub user_id: i32,
    pub title: String,
    pub body: Option<String>,
    #[belongs_to(User, back_populates = "posts")]
    pub user: BelongsTo<User>,
    #[has_many(Comment, back_populates = "post")]
    pub comments: HasMany<Comment>,
    #[has_many(Tag)]
    #[secondary(PostTag)]
    pub tags: HasMany<Tag>,
}

#[derive(Model, Debug, Clone)]
#[model(table = "comments")]
pub struct Comment {
    #[model(primary_key)]
    pub id: i32,
    pub post_id: i32,
    pub text: String,
    #[belongs_to(Post, back_populates = "comments")]
    pub post: BelongsTo<Post>,
}

#[derive(Model, Debug, Clone)]
#[model(table = "tags")]
pub struct Tag {
    #[model(primary_key)]
    pub id: i32,
    pub name: String,
}

#[derive(Model, Debug, Clone)]
#[model(table = "post_tags")]
pub struct PostTag {
    #[model(primary_key)]
    pub post_id: i32,
    #[model(primary_key)]
    pub tag_id: i32,
    #[belongs_to(Post)]
    pub post: BelongsTo<Post>,
    #[belongs_to(Tag)]
    pub tag: BelongsTo<Tag>,
}

pub fn new_user(i: usize) -> User {
    User {
        id: 0,
        name: user_name(i),
        hair_color: Some(hair_color(i).to_string()),
        posts: HasMany::default(),
    }
}

pub async fn trivial(db: &Db) -> Vec<User> {
    User::query().all(db).await.unwrap()
}

pub async fn get(db: &Db, id: i32) -> User {
    User::get(db, id).await.unwrap()
}

pub async fn medium(db: &Db) -> Vec<(User, Option<Post>)> {
    User::query()
        .left_join(User::POSTS)
        .filter(User::HAIR_COLOR.eq("black"))
        .all_with::<Option<Post>>(db)
        .await
        .unwrap()
}

/// The rows only, keys not read back (the graph insert reads them).
pub async fn insert(db: &Db, users: &[User]) -> u64 {
    db.bulk_insert(users).await.unwrap()
}

pub async fn associations(db: &Db) -> Vec<User> {
    User::query()
        .include(User::POSTS.include(Post::COMMENTS))
        .all(db)
        .await
        .unwrap()
}

pub async fn posts_with_tags(db: &Db) -> Vec<Post> {
    Post::query().include(Post::TAGS).all(db).await.unwrap()
}

pub fn graph(users: usize, per_user: usize) -> Vec<User> {
    (0..users)
        .map(|i| {
            let mut u = new_user(i);
            u.posts = HasMany::new(
                (0..per_user)
                    .map(|j| Post {
                        id: 0,
                        user_id: 0,
                        title: format!("Post {j}"),
                        body: None,
                        user: BelongsTo::default(),
                        comments: HasMany::default(),
                        tags: HasMany::default(),
                    })
                    .collect(),
            );
            u
        })
        .collect()
}

pub async fn graph_insert(db: &Db, users: Vec<User>) -> Vec<User> {
    db.insert_many(users).await.unwrap()
}

#[derive(Model, Debug, Clone)]
#[model(table = "labels")]
pub struct Label {
    #[model(primary_key)]
    pub id: i32,
    #[model(unique)]
    pub name: String,
}

/// Posts per user.
pub async fn aggregate(db: &Db) -> Vec<(i32, i64)> {
    Post::query()
        .select((Post::USER_ID, orm::count()))
        .group_by(Post::USER_ID)
        .all(db)
        .await
        .unwrap()
}

/// Labels inserted or updated by name, read back.
pub async fn upsert(db: &Db, names: &[String]) -> Vec<Label> {
    let labels = names
        .iter()
        .map(|n| Label {
            id: 0,
            name: n.clone(),
        })
        .collect();
    db.upsert_many(labels)
        .on_conflict(Label::NAME)
        .update(Label::NAME)
        .await
        .unwrap()
}
