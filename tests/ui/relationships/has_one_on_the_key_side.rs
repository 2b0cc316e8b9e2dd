use orm::prelude::*;
use orm::HasOne;

#[derive(Model)]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    pub profile_id: i64,
    #[has_one(Profile)]
    pub profile: HasOne<Profile>,
}

#[derive(Model)]
pub struct Profile {
    #[model(primary_key)]
    pub id: i64,
    pub bio: String,
}

fn main() {}
