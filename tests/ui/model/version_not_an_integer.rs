use orm::prelude::*;

#[derive(Model)]
pub struct Page {
    #[model(primary_key)]
    pub id: i64,
    #[model(version)]
    pub etag: String,
}

fn main() {}
