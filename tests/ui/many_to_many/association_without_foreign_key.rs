use orm::prelude::*;

#[derive(Model)]
pub struct Post {
    #[model(primary_key)]
    pub id: i64,
    #[has_many(Tag)]
    #[secondary(PostTag)]
    pub tags: HasMany<Tag>,
}

#[derive(Model)]
pub struct Tag {
    #[model(primary_key)]
    pub id: i64,
}

#[derive(Model)]
pub struct PostTag {
    #[model(primary_key, references = Post)]
    pub post_id: i64,
    #[model(primary_key)]
    pub tag_id: i64,
}

fn main() {}
