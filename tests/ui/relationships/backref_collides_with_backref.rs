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
    #[belongs_to(User, backref = "items")]
    pub author: BelongsTo<User>,
}

#[derive(Model)]
pub struct Comment {
    #[model(primary_key)]
    pub id: i64,
    pub author_id: i64,
    #[belongs_to(User, backref = "items")]
    pub author: BelongsTo<User>,
}

fn main() {}
