//! create_all, drop_all, to_sql: DDL per dialect for every attribute.

use orm::Dialect;
use orm::prelude::*;

use crate::harness::Backend;
use crate::models::*;

/// Every model and field attribute in one place.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "catalog_items", rename_all = "camelCase")]
pub struct CatalogItem {
    #[model(primary_key, auto = false)]
    pub item_code: i64,
    #[model(unique, max_length = 64)]
    pub display_name: String,
    #[model(index)]
    pub shelf_number: i32,
    #[model(column = "price_cents", default = "0")]
    pub price: i64,
    #[model(references = User)]
    pub owner_id: Option<i64>,
    pub blob: Option<Vec<u8>>,
    #[model(skip)]
    pub scratch: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "invoices", schema = "orm_billing")]
pub struct Invoice {
    #[model(primary_key)]
    pub id: i32,
    #[model(max_length = 20, unique)]
    pub number: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "invoice_lines", schema = "orm_billing")]
pub struct InvoiceLine {
    #[model(primary_key, references = Invoice)]
    pub invoice_id: i32,
    #[model(primary_key)]
    pub line: i16,
    pub amount: f64,
}

#[test]
fn ddl_per_dialect() {
    let schema = orm::models![CatalogItem, Membership, InvoiceLine];
    for dialect in Dialect::ALL {
        insta::assert_snapshot!(format!("ddl_{dialect:?}"), schema.to_sql(dialect).unwrap());
    }
}

#[test]
fn referenced_models_come_first() {
    // Post references User, listed after it; Membership references User.
    let schema = orm::models![Post, Membership];
    let order: Vec<&str> = schema.ordered().unwrap().iter().map(|m| m.name).collect();
    assert_eq!(order, ["User", "Post", "Membership"]);
}

scenario!(async fn create_all_creates_only_missing_tables(db, backend) {
    let schema = orm::models![User, Post, CatalogItem];
    db.create_all(&orm::models![User]).await?;
    let ada = db.insert(User::new("ada@example.com")).await?;
    db.create_all(&schema).await?;
    db.create_all(&schema).await?; // idempotent
    assert_eq!(User::get(db, ada.id).await?, ada, "existing rows are kept");
    let item = db
        .insert(CatalogItem {
            item_code: 7,
            display_name: "lamp".into(),
            shelf_number: 3,
            price: 1999,
            owner_id: Some(ada.id),
            blob: None,
            scratch: "not stored".into(),
        })
        .await?;
    let loaded = CatalogItem::get(db, 7).await?;
    assert_eq!(loaded, CatalogItem { scratch: String::new(), ..item });
    // The column names follow rename_all and column.
    let n: i64 = orm::raw("SELECT COUNT(*) FROM catalog_items WHERE price_cents = 1999 AND ? = 1")
        .bind(1)
        .scalar(db)
        .await?;
    assert_eq!(n, 1);
    Ok(())
});

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Setting {
    #[model(primary_key)]
    pub id: i64,
    #[model(default = "'blue'")]
    pub colour: Option<String>,
    #[model(default = "10")]
    pub size: i32,
}

scenario!(async fn defaults_apply_to_unset_optional_columns(db, backend) {
    db.create_all(&orm::models![Setting]).await?;
    let s = db.insert(Setting { id: 0, colour: None, size: 3 }).await?;
    let t = db.insert(Setting { id: 0, colour: Some("red".into()), size: 4 }).await?;
    assert_eq!(Setting::get(db, s.id).await?.colour.as_deref(), Some("blue"));
    assert_eq!(Setting::get(db, t.id).await?.colour.as_deref(), Some("red"));
    Ok(())
});

scenario!(async fn drop_all_removes_tables_dependents_first(db, backend) {
    let schema = orm::models![User, Post];
    db.create_all(&schema).await?;
    let ada = db.insert(User::new("ada@example.com")).await?;
    db.insert(Post { id: 0, author_id: ada.id, title: "t".into(), views: 1, published: true }).await?;
    let rec = db.recorder();
    db.drop_all(&schema).await?;
    let sql = rec.statements();
    assert!(sql[0].contains("post") && sql[1].contains("users"), "{sql:?}");
    assert!(User::query().count(db).await.is_err(), "the table is gone");
    db.create_all(&schema).await?;
    assert_eq!(User::query().count(db).await?, 0);
    Ok(())
});

scenario!(async fn unique_and_index_constraints_exist(db, backend) {
    db.create_all(&orm::models![CatalogItem]).await?;
    let item = |code: i64, name: &str| CatalogItem {
        item_code: code,
        display_name: name.into(),
        shelf_number: 1,
        price: 0,
        owner_id: None,
        blob: None,
        scratch: String::new(),
    };
    db.insert(item(1, "lamp")).await?;
    assert!(db.insert(item(2, "lamp")).await.unwrap_err().is_unique_violation());
    assert!(db.insert(item(1, "desk")).await.unwrap_err().is_unique_violation());
    let index_count: i64 = match backend {
        Backend::Sqlite => orm::raw("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = ?").bind_str("ix_catalog_items_shelfNumber").scalar(db).await?,
        Backend::Postgres => orm::raw("SELECT COUNT(*) FROM pg_indexes WHERE indexname = ?").bind_str("ix_catalog_items_shelfNumber").scalar(db).await?,
        Backend::MySql => orm::raw("SELECT COUNT(*) FROM information_schema.statistics WHERE table_schema = DATABASE() AND index_name = ?").bind_str("ix_catalog_items_shelfNumber").scalar(db).await?,
    };
    assert_eq!(index_count, 1);
    Ok(())
});

scenario!(async fn schemas_are_created_on_postgres_and_mysql(db, backend) {
    let schema = orm::models![InvoiceLine];
    db.drop_all(&schema).await?;
    db.create_all(&schema).await?;
    let inv = db.insert(Invoice { id: 0, number: "2026-001".into() }).await?;
    db.insert(InvoiceLine { invoice_id: inv.id, line: 1, amount: 9.5 }).await?;
    let lines = InvoiceLine::query().filter(InvoiceLine::INVOICE_ID.eq(inv.id)).all(db).await?;
    assert_eq!(lines.len(), 1);
    if backend != Backend::Sqlite {
        let qualified: i64 = orm::raw("SELECT COUNT(*) FROM orm_billing.invoices").scalar(db).await?;
        assert_eq!(qualified, 1);
    }
    db.drop_all(&schema).await?;
    if backend != Backend::Sqlite {
        let drop = if backend == Backend::Postgres { "DROP SCHEMA orm_billing" } else { "DROP DATABASE orm_billing" };
        orm::raw(drop).execute(db).await?;
    }
    Ok(())
});
