use orm::prelude::*;
use orm::BelongsTo;

#[derive(Model)]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
}

#[derive(Model)]
pub struct Post {
    #[model(primary_key)]
    pub id: i64,
    pub written_by: i64,
    #[belongs_to(User, key = "written_by", on_delete = "set null")]
    pub author: BelongsTo<User>,
}

fn main() {}
