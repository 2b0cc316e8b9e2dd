use orm::prelude::*;
use orm::HasOne;

pub struct Post {
    pub id: i64,
}

#[derive(Model)]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    #[has_one(Post)]
    pub post: HasOne<Post>,
}

fn main() {}
