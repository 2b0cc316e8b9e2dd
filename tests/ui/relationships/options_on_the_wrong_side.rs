use orm::prelude::*;
use orm::{BelongsTo, HasMany};

#[derive(Model)]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    #[has_many(Post, key = "user_id")]
    pub posts: HasMany<Post>,
}

#[derive(Model)]
pub struct Post {
    #[model(primary_key)]
    pub id: i64,
    pub user_id: i64,
    #[belongs_to(User, foreign_key = "user_id", back_populates = "posts", backref = "entries")]
    pub user: BelongsTo<User>,
}

fn main() {}
