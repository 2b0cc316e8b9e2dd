use orm::prelude::*;
use orm::{BelongsTo, HasOne};

#[derive(Model)]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    #[has_one(Post)]
    pub post: HasOne<Post>,
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
