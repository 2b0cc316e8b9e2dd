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
    pub writer_id: i64,
    #[belongs_to(User, key = "writer")]
    pub author: BelongsTo<User>,
    #[belongs_to(User)]
    pub editor: BelongsTo<User>,
}

fn main() {}
