use orm::prelude::*;

#[derive(Model)]
pub struct Tag {
    pub id: i64,
    pub name: String,
}

fn main() {}
