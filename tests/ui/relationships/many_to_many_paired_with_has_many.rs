use orm::prelude::*;
use orm::HasMany;

#[derive(Model)]
pub struct Post {
    #[model(primary_key)]
    pub id: i64,
    #[model(references = Tag)]
    pub tag_id: i64,
    #[has_many(Tag, back_populates = "posts")]
    #[secondary(table = "post_tags")]
    pub tags: HasMany<Tag>,
}

#[derive(Model)]
pub struct Tag {
    #[model(primary_key)]
    pub id: i64,
    #[has_many(Post, foreign_key = "tag_id", back_populates = "tags")]
    pub posts: HasMany<Post>,
}

fn main() {}
