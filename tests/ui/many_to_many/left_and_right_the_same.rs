use orm::prelude::*;

#[derive(Model)]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    #[has_many(User)]
    #[secondary(table = "follows", left = "user_id", right = "user_id")]
    pub following: HasMany<User>,
    #[has_many(User)]
    #[secondary(table = "blocks")]
    pub blocked: HasMany<User>,
}

fn main() {}
