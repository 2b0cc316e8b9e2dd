use orm::prelude::*;

#[derive(Model)]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    #[model(max_length = 0)]
    pub email: String,
    #[model(max_length = "long")]
    pub name: String,
    #[model(max_length = 20)]
    pub age: i32,
}

fn main() {}
