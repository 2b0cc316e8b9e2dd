//! Models shared by the scenarios.

use orm::prelude::*;

pub fn not_too_short(name: &String) -> Result<(), String> {
    if name.chars().count() <= 3 {
        Err(format!(
            "`{name}` is too short: more than 3 characters, please"
        ))
    } else {
        Ok(())
    }
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "users")]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    #[model(unique, max_length = 120)]
    pub email: String,
    pub nickname: Option<String>,
    #[model(default = "0")]
    pub karma: i32,
}

impl User {
    pub fn new(email: &str) -> Self {
        User {
            id: 0,
            email: email.into(),
            nickname: None,
            karma: 0,
        }
    }
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Post {
    #[model(primary_key)]
    pub id: i64,
    #[model(references = User, index)]
    pub author_id: i64,
    #[model(max_length = 200)]
    pub title: String,
    pub views: i32,
    pub published: bool,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Store {
    #[model(primary_key)]
    pub id: i32,
    #[model(validate = not_too_short, max_length = 50)]
    pub name: String,
}

/// A composite key: no generated value.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "memberships")]
pub struct Membership {
    #[model(primary_key, references = User)]
    pub user_id: i64,
    #[model(primary_key, max_length = 40)]
    pub team: String,
    pub role: String,
}

/// A key the application chooses.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Country {
    #[model(primary_key, auto = false)]
    pub code: i32,
    pub name: String,
}

/// A wide row, to push multi-row inserts over the bind limit.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Reading {
    #[model(primary_key)]
    pub id: i64,
    #[model(unique, max_length = 40)]
    pub sensor: String,
    pub a: f64,
    pub b: f64,
    pub c: i32,
}
