use orm::prelude::*;

#[derive(Model)]
pub struct Tag {
    #[model(primary_key)]
    pub id: i64,
    #[model(collation = "utf8mb4_general_ci; DROP TABLE tag")]
    pub name: String,
    #[model(collation = "NOCASE")]
    pub weight: i32,
}

fn main() {}
