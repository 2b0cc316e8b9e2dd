use orm::prelude::*;

#[derive(Model)]
#[model(rename_all = "camel")]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
}

fn main() {}
