use std::collections::HashMap;

use orm::prelude::*;

#[derive(Model)]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    pub settings: HashMap<String, String>,
}

fn main() {}
