use orm::prelude::*;

pub struct Account;

#[derive(Model)]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    #[model(references = Account)]
    pub account_id: i64,
}

fn main() {}
