//! One string semantics on every backend: text compares case- and
//! trailing-space-sensitively, as PostgreSQL and SQLite do, and a
//! `collation` attribute chooses another where the user wants it.

use orm::prelude::*;

use crate::harness::Backend;

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "s_codes")]
pub struct Code {
    #[model(primary_key)]
    pub id: i64,
    #[model(unique, max_length = 20)]
    pub code: String,
    pub note: Option<String>,
}

fn code(c: &str) -> Code {
    Code {
        id: 0,
        code: c.into(),
        note: None,
    }
}

async fn codes(db: &Db, e: Expr) -> orm::Result<Vec<String>> {
    Ok(Code::query()
        .filter(e)
        .order_by(Code::CODE)
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.code)
        .collect())
}

scenario!(async fn text_compares_the_same_on_every_backend(db, backend) {
    db.create_all(&orm::models![Code]).await?;
    db.insert(code("abc")).await?;
    // A trailing space makes another value: the unique constraint takes it.
    db.insert(code("abc ")).await?;
    db.insert(code("ABC")).await?;
    assert!(db.insert(code("abc")).await.unwrap_err().is_unique_violation());

    assert_eq!(codes(db, Code::CODE.eq("abc")).await?, ["abc"]);
    assert_eq!(codes(db, Code::CODE.eq("abc ")).await?, ["abc "]);
    assert_eq!(codes(db, Code::CODE.eq("ABC")).await?, ["ABC"]);
    assert_eq!(codes(db, Code::CODE.ne("abc")).await?, ["ABC", "abc "]);
    assert_eq!(codes(db, Code::CODE.in_list(["abc", "x"])).await?, ["abc"]);
    assert_eq!(codes(db, Code::CODE.gt("abc")).await?, ["abc "]);
    // Binary order: upper case first, a prefix before its extensions.
    assert_eq!(codes(db, Code::ID.gt(0)).await?, ["ABC", "abc", "abc "]);
    // Unbounded text columns compare the same way.
    db.insert(Code { note: Some("x ".into()), ..code("n") }).await?;
    assert_eq!(Code::query().filter(Code::NOTE.eq("x")).count(db).await?, 0);
    assert_eq!(Code::query().filter(Code::NOTE.eq("x ")).count(db).await?, 1);
    Ok(())
});

/// Case-insensitive columns, in each backend's own collation name.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "s_tags_sqlite")]
pub struct TagSqlite {
    #[model(primary_key)]
    pub id: i64,
    #[model(unique, max_length = 20, collation = "NOCASE")]
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "s_tags_mysql")]
pub struct TagMySql {
    #[model(primary_key)]
    pub id: i64,
    #[model(unique, max_length = 20, collation = "utf8mb4_general_ci")]
    pub name: String,
}

/// PostgreSQL's byte-order collation, whatever the database default is.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "s_tags_pg")]
pub struct TagPg {
    #[model(primary_key)]
    pub id: i64,
    #[model(collation = "C")]
    pub name: String,
}

scenario!(async fn a_column_collation_chooses_other_comparisons(db, backend) {
    match backend {
        Backend::Sqlite => {
            db.create_all(&orm::models![TagSqlite]).await?;
            db.insert(TagSqlite { id: 0, name: "Rust".into() }).await?;
            let found = TagSqlite::query().filter(TagSqlite::NAME.eq("rust")).all(db).await?;
            assert_eq!(found.len(), 1);
            assert!(db.insert(TagSqlite { id: 0, name: "RUST".into() }).await.unwrap_err().is_unique_violation());
        }
        Backend::MySql => {
            db.create_all(&orm::models![TagMySql]).await?;
            db.insert(TagMySql { id: 0, name: "Rust".into() }).await?;
            let found = TagMySql::query().filter(TagMySql::NAME.eq("rust")).all(db).await?;
            assert_eq!(found.len(), 1);
            assert!(db.insert(TagMySql { id: 0, name: "RUST".into() }).await.unwrap_err().is_unique_violation());
        }
        Backend::Postgres => {
            db.create_all(&orm::models![TagPg]).await?;
            db.insert_many(vec![TagPg { id: 0, name: "b".into() }, TagPg { id: 0, name: "B".into() }, TagPg { id: 0, name: "a".into() }]).await?;
            let sorted: Vec<String> =
                TagPg::query().order_by(TagPg::NAME).all(db).await?.into_iter().map(|t| t.name).collect();
            assert_eq!(sorted, ["B", "a", "b"], "byte order under COLLATE \"C\"");
        }
    }
    Ok(())
});
