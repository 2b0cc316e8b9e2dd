use orm::prelude::*;
use orm::{BelongsTo, HasMany};

#[derive(Model)]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    #[has_many(Post, order_by = "published_at", back_populates = "user")]
    pub posts: HasMany<Post>,
}

#[derive(Model)]
pub struct Post {
    #[model(primary_key)]
    pub id: i64,
    pub user_id: i64,
    #[belongs_to(User, back_populates = "posts")]
    pub user: BelongsTo<User>,
}

fn main() {}
