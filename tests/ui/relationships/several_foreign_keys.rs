use orm::prelude::*;
use orm::{BelongsTo, HasMany};

#[derive(Model)]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    #[has_many(Sale)]
    pub sales: HasMany<Sale>,
}

#[derive(Model)]
pub struct Sale {
    #[model(primary_key)]
    pub id: i64,
    pub buyer_id: i64,
    pub seller_id: i64,
    #[belongs_to(User, key = "buyer_id")]
    pub buyer: BelongsTo<User>,
    #[belongs_to(User, key = "seller_id")]
    pub seller: BelongsTo<User>,
}

fn main() {}
