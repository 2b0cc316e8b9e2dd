use orm::prelude::*;
use orm::{BelongsTo, HasMany};

#[derive(Model)]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    #[has_many(Post)]
    pub posts: HasMany<Post>,
}

#[derive(Model)]
pub struct Post {
    #[model(primary_key)]
    pub id: i64,
    pub author_id: i64,
    #[belongs_to(User)]
    pub author: BelongsTo<User>,
}

fn main() {}
