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
    pub user_id: i64,
    #[belongs_to(User, backref = "")]
    pub user: BelongsTo<User>,
}

fn main() {}
