use orm::prelude::*;

fn check_name(name: String) -> bool {
    !name.is_empty()
}

#[derive(Model)]
pub struct Store {
    #[model(primary_key)]
    pub id: i64,
    #[model(validate = check_name)]
    pub name: String,
}

fn main() {}
