use orm::prelude::*;
use orm::{BelongsTo, HasMany};

#[derive(Model)]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    pub post_id: Option<i64>,
    #[has_many(Post, back_populates = "users")]
    pub posts: HasMany<Post>,
    #[belongs_to(Post)]
    pub post: BelongsTo<Post>,
}

#[derive(Model)]
pub struct Post {
    #[model(primary_key)]
    pub id: i64,
    pub user_id: i64,
    #[has_many(User, back_populates = "posts")]
    pub users: HasMany<User>,
    #[belongs_to(User)]
    pub user: BelongsTo<User>,
}

fn main() {}
