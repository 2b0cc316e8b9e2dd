use orm::prelude::*;
use orm::HasMany;

#[derive(Model)]
pub struct Post {
    #[model(primary_key)]
    pub id: i64,
    #[has_many(Tag)]
    #[secondary(table = "post_tags", left = "post_id", right = "tag_id")]
    pub tags: HasMany<Tag>,
}

#[derive(Model)]
pub struct Tag {
    #[model(primary_key)]
    pub id: i64,
    #[has_many(Post)]
    #[secondary(table = "post_tags", left = "tag", right = "post")]
    pub posts: HasMany<Post>,
}

fn main() {}
