use orm::prelude::*;
use orm::BelongsTo;

#[derive(Model)]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    #[model(unique)]
    pub email: String,
}

#[derive(Model)]
pub struct Post {
    #[model(primary_key)]
    pub id: i64,
    pub author_email: i64,
    #[belongs_to(User, key = "author_email", references = "email")]
    pub author: BelongsTo<User>,
}

fn main() {}
