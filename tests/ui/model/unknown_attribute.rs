use orm::prelude::*;

#[derive(Model)]
#[model(tabel = "users")]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    #[model(uniqe)]
    pub email: String,
}

fn main() {}
