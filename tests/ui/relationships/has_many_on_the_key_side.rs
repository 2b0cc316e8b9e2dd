use orm::prelude::*;
use orm::HasMany;

#[derive(Model)]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    pub team_id: i64,
    #[has_many(Team)]
    pub team: HasMany<Team>,
}

#[derive(Model)]
pub struct Team {
    #[model(primary_key)]
    pub id: i64,
}

fn main() {}
