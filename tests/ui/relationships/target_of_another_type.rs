use orm::prelude::*;
use orm::HasMany;

#[derive(Model)]
pub struct Comment {
    #[model(primary_key)]
    pub id: i64,
    #[model(references = User)]
    pub user_id: i64,
}

#[derive(Model)]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    #[has_many(Comment)]
    pub posts: HasMany<Post>,
}

pub struct Post;

fn main() {}
