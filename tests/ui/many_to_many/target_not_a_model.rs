use orm::prelude::*;
use orm::HasMany;

pub struct Tag {
    pub id: i64,
}

#[derive(Model)]
pub struct Post {
    #[model(primary_key)]
    pub id: i64,
    #[has_many(Tag)]
    #[secondary(table = "post_tags")]
    pub tags: HasMany<Tag>,
}

fn main() {}
