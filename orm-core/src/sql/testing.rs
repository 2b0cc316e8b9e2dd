//! Models and statements for the renderers' unit tests: each dialect's
//! module asserts the text of the same statements.

use std::borrow::Cow;

use crate::expr::{Direction, Expr, OrderBy};
use crate::model::{ColumnMeta, ModelMeta};
use crate::value::{SqlType, Value};

use super::ast::{
    CreateTable, Delete, Insert, InsertMissingPairs, InsertValues, Item, Select, Update, Where,
};
use super::dialect::Dialect;
use super::render;

const fn column(name: &'static str, sql_type: SqlType) -> ColumnMeta {
    ColumnMeta {
        field: name,
        name,
        sql_type,
        nullable: false,
        primary_key: false,
        auto: false,
        unique: false,
        index: false,
        max_length: None,
        default: None,
        references: None,
        version: false,
        collation: None,
        variants: &[],
    }
}

pub static USERS: ModelMeta = ModelMeta {
    name: "User",
    table: "users",
    schema: None,
    columns: &[
        ColumnMeta {
            primary_key: true,
            auto: true,
            ..column("id", SqlType::BigInt)
        },
        ColumnMeta {
            max_length: Some(40),
            index: true,
            ..column("name", SqlType::Text)
        },
        ColumnMeta {
            nullable: true,
            default: Some("'anon'"),
            ..column("nick", SqlType::Text)
        },
    ],
    relations: &[],
};

pub static USERS_TAGS: ModelMeta = ModelMeta {
    name: "users_tags",
    table: "users_tags",
    schema: None,
    columns: &[
        ColumnMeta {
            primary_key: true,
            ..column("user_id", SqlType::BigInt)
        },
        ColumnMeta {
            primary_key: true,
            ..column("tag_id", SqlType::BigInt)
        },
    ],
    relations: &[],
};

fn text(s: &str) -> Value {
    Value::String(s.to_owned())
}

fn col(meta: &'static ModelMeta, i: usize) -> &'static ColumnMeta {
    &meta.columns[i]
}

/// Users named "a" with id 1 or 2, newest first, page 3 of 10: the text
/// and the number of binds.
pub fn select_users(dialect: Dialect) -> (String, usize) {
    let order = [OrderBy {
        expr: Expr::column(&USERS, col(&USERS, 0)),
        direction: Direction::Desc,
    }];
    let s = Select {
        filter: Some(Where::All(vec![
            Cow::Owned(Expr::column_eq(&USERS, col(&USERS, 1), text("a"))),
            Cow::Owned(Expr::any_of(
                &USERS,
                col(&USERS, 0),
                vec![Value::I64(1), Value::I64(2)],
            )),
        ])),
        order: Cow::Borrowed(&order),
        limit: Some(10),
        offset: Some(20),
        ..Select::from(&USERS, vec![Item::Model(&USERS)])
    };
    let r = render::select(dialect, &s).unwrap();
    (r.sql, r.binds.len())
}

/// Every user after the first five.
pub fn offset_only(dialect: Dialect) -> String {
    let s = Select {
        offset: Some(5),
        ..Select::from(&USERS, vec![Item::Model(&USERS)])
    };
    render::select(dialect, &s).unwrap().sql
}

/// Whether a user's name matches "a%" in any case.
pub fn ilike(dialect: Dialect) -> String {
    let s = Select {
        filter: Some(Where::owned(Expr::Like {
            expr: Box::new(Expr::column(&USERS, col(&USERS, 1))),
            pattern: text("a%"),
            case_insensitive: true,
        })),
        ..Select::from(&USERS, vec![Item::One])
    };
    render::select(dialect, &s).unwrap().sql
}

/// Two users, reading back the key and the defaulted nick.
pub fn insert_two_users(dialect: Dialect) -> String {
    let s = Insert {
        table: &USERS,
        rows: 2,
        values: InsertValues::Bound(vec![
            text("a"),
            Value::Null(SqlType::Text),
            text("b"),
            text("c"),
        ]),
        returning: true,
    };
    render::insert(dialect, s).sql
}

/// An insert of `rows` users rendered twice, binding its values and
/// leaving them to the caller: the text and the number of values bound
/// of each.
pub fn insert_users_both_ways(dialect: Dialect, rows: usize) -> [(String, usize); 2] {
    [
        InsertValues::Bound((0..rows).flat_map(|_| [text("a"), text("b")]).collect()),
        InsertValues::Placeholders,
    ]
    .map(|values| {
        let rendered = render::insert(
            dialect,
            Insert {
                table: &USERS,
                rows,
                values,
                returning: true,
            },
        );
        (rendered.sql, rendered.binds.len())
    })
}

/// Renames user 1.
pub fn update_user(dialect: Dialect) -> String {
    let s = Update {
        table: &USERS,
        set: vec![("name", text("b"))],
        filter: Some(Where::Equal {
            table: &USERS,
            columns: vec![(col(&USERS, 0), Value::I64(1))],
            qualified: false,
        }),
    };
    render::update(dialect, s).unwrap().sql
}

/// Deletes the users whose name starts with "a".
pub fn delete_users(dialect: Dialect) -> String {
    let s = Delete {
        table: &USERS,
        filter: Some(Where::owned(Expr::Like {
            expr: Box::new(Expr::column(&USERS, col(&USERS, 1))),
            pattern: text("a%"),
            case_insensitive: false,
        })),
    };
    render::delete(dialect, &s).unwrap().sql
}

/// Links users 1 and 2 to tag 7 unless linked.
pub fn insert_pairs(dialect: Dialect) -> String {
    let s = InsertMissingPairs {
        table: &USERS_TAGS,
        left: col(&USERS_TAGS, 0),
        right: col(&USERS_TAGS, 1),
        pairs: vec![
            (Value::I64(1), Value::I64(7)),
            (Value::I64(2), Value::I64(7)),
        ],
    };
    render::insert_missing_pairs(dialect, s).sql
}

/// The table of users, with its index.
pub fn create_users(dialect: Dialect) -> Vec<String> {
    render::create_table(
        dialect,
        &CreateTable {
            table: &USERS,
            also_unique: &[],
            mariadb: true,
        },
    )
    .unwrap()
}

#[test]
fn a_trailing_escape_and_an_invalid_expression_are_build_errors() {
    let bad_pattern = Select {
        filter: Some(Where::owned(Expr::Like {
            expr: Box::new(Expr::column(&USERS, col(&USERS, 1))),
            pattern: text("50\\"),
            case_insensitive: false,
        })),
        ..Select::from(&USERS, vec![Item::One])
    };
    let e = render::select(Dialect::Sqlite, &bad_pattern).unwrap_err();
    assert!(
        e.message().contains("ends with the escape character"),
        "{e}"
    );
    let invalid = Select {
        filter: Some(Where::owned(Expr::Invalid(crate::error::BuildError::new(
            "no such relationship",
        )))),
        ..Select::from(&USERS, vec![Item::One])
    };
    let e = render::select(Dialect::Postgres, &invalid).unwrap_err();
    assert_eq!(e.message(), "no such relationship");
}

#[test]
fn identifiers_double_their_quote() {
    assert_eq!(Dialect::MySql.quote("a`b"), "`a``b`");
    assert_eq!(Dialect::Sqlite.quote("a\"b"), "\"a\"\"b\"");
}
