use orm::prelude::*;
use orm::HasMany;

#[derive(Model)]
pub struct Post {
    #[model(primary_key)]
    pub id: i64,
    #[has_many(Tag, order_by = "label desc")]
    #[secondary(table = "post_tags")]
    pub tags: HasMany<Tag>,
}

#[derive(Model)]
pub struct Tag {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
}

fn main() {}
