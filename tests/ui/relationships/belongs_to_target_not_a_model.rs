use orm::prelude::*;
use orm::BelongsTo;

pub struct Team {
    pub id: i64,
}

#[derive(Model)]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    pub team_id: i64,
    #[belongs_to(Team)]
    pub team: BelongsTo<Team>,
}

fn main() {}
