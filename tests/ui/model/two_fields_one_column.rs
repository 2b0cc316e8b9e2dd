use orm::prelude::*;

#[derive(Model)]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    #[model(column = "name")]
    pub full_name: String,
    pub name: String,
}

fn main() {}
