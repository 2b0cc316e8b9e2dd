use orm::prelude::*;

#[derive(Model)]
pub struct Point(i64, i64);

#[derive(Model)]
pub struct Generic<T> {
    #[model(primary_key)]
    pub id: i64,
    pub value: T,
}

fn main() {}
