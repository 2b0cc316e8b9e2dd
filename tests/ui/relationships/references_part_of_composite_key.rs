use orm::prelude::*;
use orm::BelongsTo;

#[derive(Model)]
pub struct Account {
    #[model(primary_key)]
    pub region: String,
    #[model(primary_key)]
    pub number: i64,
}

#[derive(Model)]
pub struct Invoice {
    #[model(primary_key)]
    pub id: i64,
    pub account_number: i64,
    #[belongs_to(Account, key = "account_number", references = "number")]
    pub account: BelongsTo<Account>,
}

fn main() {}
