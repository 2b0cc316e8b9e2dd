use orm::prelude::*;

#[derive(Model)]
#[model(table = "users", table = "people")]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
}

fn main() {}
