use orm::prelude::*;

#[derive(Model)]
pub struct Country {
    #[model(primary_key, auto)]
    pub code: String,
}

fn main() {}
