use orm::prelude::*;
use orm::{BelongsTo, HasMany};

#[derive(Model)]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    #[has_many(Order, foreign_key = "buyer_id", back_populates = "seller")]
    pub purchases: HasMany<Order>,
    #[has_many(Order, foreign_key = "seller_id", back_populates = "buyer")]
    pub sales: HasMany<Order>,
}

#[derive(Model)]
pub struct Order {
    #[model(primary_key)]
    pub id: i64,
    pub buyer_id: i64,
    pub seller_id: i64,
    #[belongs_to(User, back_populates = "sales")]
    pub buyer: BelongsTo<User>,
    #[belongs_to(User, back_populates = "purchases")]
    pub seller: BelongsTo<User>,
}

fn main() {}
