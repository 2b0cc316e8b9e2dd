use orm::prelude::*;
use orm::HasMany;

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
    #[belongs_to(User)]
    pub user: HasMany<User>,
}

fn main() {}
