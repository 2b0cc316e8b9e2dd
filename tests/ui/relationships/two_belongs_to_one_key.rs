use orm::prelude::*;
use orm::BelongsTo;

#[derive(Model)]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
}

#[derive(Model)]
pub struct Post {
    #[model(primary_key)]
    pub id: i64,
    pub author_id: i64,
    #[belongs_to(User)]
    pub author: BelongsTo<User>,
    #[belongs_to(User, key = "author_id")]
    pub writer: BelongsTo<User>,
}

fn main() {}
