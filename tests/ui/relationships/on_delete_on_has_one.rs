use orm::prelude::*;
use orm::{BelongsTo, HasOne};

#[derive(Model)]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    #[has_one(Profile, on_delete = "set null")]
    pub profile: HasOne<Profile>,
}

#[derive(Model)]
pub struct Profile {
    #[model(primary_key)]
    pub id: i64,
    pub user_id: Option<i64>,
    #[belongs_to(User)]
    pub user: BelongsTo<User>,
}

fn main() {}
