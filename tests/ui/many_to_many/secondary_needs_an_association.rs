use orm::prelude::*;

#[derive(Model)]
pub struct Post {
    #[model(primary_key)]
    pub id: i64,
    #[has_many(Tag)]
    #[secondary(left = "post_id")]
    pub tags: HasMany<Tag>,
}

#[derive(Model)]
pub struct Tag {
    #[model(primary_key)]
    pub id: i64,
}

fn main() {}
