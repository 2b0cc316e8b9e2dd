use orm::prelude::*;
use orm::{BelongsTo, HasMany};

#[derive(Model)]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    #[has_many(Post, back_populates = "editor")]
    pub posts: HasMany<Post>,
}

#[derive(Model)]
pub struct Editor {
    #[model(primary_key)]
    pub id: i64,
}

#[derive(Model)]
pub struct Post {
    #[model(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub editor_id: i64,
    #[belongs_to(User)]
    pub user: BelongsTo<User>,
    #[belongs_to(Editor)]
    pub editor: BelongsTo<Editor>,
}

fn main() {}
