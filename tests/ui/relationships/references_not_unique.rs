use orm::prelude::*;
use orm::BelongsTo;

#[derive(Model)]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
}

#[derive(Model)]
pub struct Post {
    #[model(primary_key)]
    pub id: i64,
    pub author_name: String,
    #[belongs_to(User, key = "author_name", references = "name")]
    pub author: BelongsTo<User>,
}

fn main() {}
