use orm::prelude::*;

#[derive(Model)]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    #[has_many(User)]
    #[secondary(Follow)]
    pub following: HasMany<User>,
}

#[derive(Model)]
pub struct Follow {
    #[model(primary_key, references = User)]
    pub follower_id: i64,
    #[model(primary_key, references = User)]
    pub followed_id: i64,
}

fn main() {}
