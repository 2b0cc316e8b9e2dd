use orm::prelude::*;

#[derive(Model)]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    #[model(skip, unique)]
    pub cache: String,
}

fn main() {}
