use orm::prelude::*;

#[derive(Model)]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    #[model(unique, max_length = 10)]
    #[model(unique)]
    pub email: String,
}

fn main() {}
