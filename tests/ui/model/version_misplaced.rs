use orm::prelude::*;

#[derive(Model)]
pub struct Page {
    #[model(primary_key, version)]
    pub id: i64,
    #[model(version)]
    pub revision: i32,
    #[model(version)]
    pub edits: Option<i64>,
}

fn main() {}
