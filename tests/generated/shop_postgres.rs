//! Models of the tables of a PostgreSQL database, written by `orm generate models`.
//!
//! Generated without `--features`: the field types compile with the `orm` crate's default features.

use orm::prelude::*;

#[derive(Model, Debug, Clone)]
#[model(table = "customers")]
pub struct Customer {
    #[model(primary_key)]
    pub id: i64,
    #[model(max_length = 120, unique)]
    pub email: String,
    #[model(
        column = "type",
        max_length = 20,
        default = "'person'::character varying"
    )]
    pub type_: Option<String>,
    #[has_many(Sale, foreign_key = "buyer_id", back_populates = "buyer")]
    pub buyer_sales: HasMany<Sale>,
    #[has_many(Sale, foreign_key = "seller_id", back_populates = "seller")]
    pub seller_sales: HasMany<Sale>,
}

#[derive(Model, Debug, Clone)]
#[model(table = "follows")]
pub struct Follow {
    #[model(primary_key)]
    pub followed_id: i64,
    #[belongs_to(Person, on_delete = "cascade")]
    pub followed: BelongsTo<Person>,
    #[model(primary_key)]
    pub follower_id: i64,
    #[belongs_to(Person, on_delete = "cascade")]
    pub follower: BelongsTo<Person>,
}

#[derive(Model, Debug, Clone)]
#[model(table = "gadgets")]
pub struct Gadget {
    #[model(primary_key, max_length = 40)]
    pub maker: String,
    #[model(primary_key)]
    pub serial: i32,
    pub weight: f64,
    pub active: bool,
    pub blob: Option<Vec<u8>>,
}

#[derive(Model, Debug, Clone)]
#[model(table = "people")]
pub struct Person {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
    pub manager_id: Option<i64>,
    #[belongs_to(Person, back_populates = "people", on_delete = "set null")]
    pub manager: BelongsTo<Person>,
    #[has_many(Person, back_populates = "manager")]
    pub people: HasMany<Person>,
    #[has_one(Profile, back_populates = "person")]
    pub profile: HasOne<Profile>,
    #[has_many(Person, back_populates = "followeds")]
    #[secondary(Follow, left = "followed_id", right = "follower_id")]
    pub followers: HasMany<Person>,
    #[has_many(Person, back_populates = "followers")]
    #[secondary(Follow, left = "follower_id", right = "followed_id")]
    pub followeds: HasMany<Person>,
}

#[derive(Model, Debug, Clone)]
#[model(table = "profiles")]
pub struct Profile {
    #[model(primary_key)]
    pub id: i64,
    #[model(unique)]
    pub person_id: i64,
    #[belongs_to(Person, back_populates = "profile", on_delete = "cascade")]
    pub person: BelongsTo<Person>,
    pub bio: Option<String>,
}

#[derive(Model, Debug, Clone)]
#[model(table = "sales")]
pub struct Sale {
    #[model(primary_key)]
    pub id: i64,
    pub buyer_id: i64,
    #[belongs_to(Customer, back_populates = "buyer_sales")]
    pub buyer: BelongsTo<Customer>,
    pub seller_id: i64,
    #[belongs_to(Customer, back_populates = "seller_sales")]
    pub seller: BelongsTo<Customer>,
    #[model(index)]
    pub amount: i32,
}
