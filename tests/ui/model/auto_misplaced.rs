use orm::prelude::*;

#[derive(Model)]
pub struct Membership {
    #[model(primary_key, auto)]
    pub user_id: i64,
    #[model(primary_key)]
    pub team_id: i64,
    #[model(auto)]
    pub rank: i64,
}

fn main() {}
