use orm::prelude::*;
use orm::HasMany;

pub struct Post {
    pub id: i64,
}

#[derive(Model)]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    #[has_many(Post)]
    pub posts: HasMany<Post>,
}

fn main() {}
