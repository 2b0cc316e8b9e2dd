use orm::prelude::*;

#[derive(Model)]
pub struct Post {
    #[model(primary_key)]
    pub id: i64,
    pub tag_id: i64,
    #[belongs_to(Tag)]
    #[secondary(table = "post_tags")]
    pub tag: BelongsTo<Tag>,
}

#[derive(Model)]
pub struct Tag {
    #[model(primary_key)]
    pub id: i64,
}

fn main() {}
