//! Upsert: insert, or meet the row holding the same values in a unique
//! constraint and keep it or update it; what comes back is what the
//! database holds.

use orm::prelude::*;

use crate::harness::Backend;

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "u_tags")]
pub struct Tag {
    #[model(primary_key)]
    pub id: i64,
    #[model(unique, max_length = 40)]
    pub name: String,
    pub uses: i32,
    #[model(max_length = 20)]
    pub colour: Option<String>,
}

fn tag(name: &str, uses: i32) -> Tag {
    Tag {
        id: 0,
        name: name.into(),
        uses,
        colour: None,
    }
}

async fn setup(db: &Db) -> orm::Result<()> {
    db.create_all(&orm::models![Tag]).await
}

/// The statements of a recording without transaction control.
fn writes(statements: Vec<String>) -> Vec<String> {
    statements
        .into_iter()
        .filter(|s| !s.starts_with("BEGIN") && !s.starts_with("START") && s != "COMMIT")
        .collect()
}

scenario!(async fn do_nothing_inserts_once_and_then_keeps_the_row(db, backend) {
    setup(db).await?;
    let rec = db.recorder();
    let first = db.upsert(tag("rust", 1)).on_conflict(Tag::NAME).do_nothing().await?;
    let first = first.expect("inserted");
    assert!(first.id > 0);
    assert_eq!((first.name.as_str(), first.uses), ("rust", 1));
    if backend != Backend::MySql {
        assert_eq!(rec.take().len(), 1, "one statement, RETURNING the row");
    }
    let again = db.upsert(tag("rust", 9)).on_conflict(Tag::NAME).do_nothing().await?;
    assert_eq!(again, None, "the existing row is kept");
    let stored = Tag::query().all(db).await?;
    assert_eq!(stored, [first]);
    Ok(())
});

scenario!(async fn update_sets_the_named_columns_of_the_existing_row(db, backend) {
    setup(db).await?;
    let mut first = tag("rust", 1);
    first.colour = Some("red".into());
    let first = db.upsert(first).on_conflict(Tag::NAME).update(Tag::USES).await?;
    let mut second = tag("rust", 5);
    second.colour = Some("blue".into());
    let rec = db.recorder();
    let second = db.upsert(second).on_conflict(Tag::NAME).update([Tag::USES]).await?;
    let sql = writes(rec.take());
    assert_eq!(second.id, first.id, "the same row");
    assert_eq!(second.uses, 5, "updated");
    assert_eq!(second.colour.as_deref(), Some("red"), "not named: kept");
    assert_eq!(Tag::get(db, first.id).await?, second, "what the database holds");
    match backend {
        Backend::MySql => assert!(sql[0].contains("ON DUPLICATE KEY UPDATE `uses` = VALUES(`uses`)"), "{sql:?}"),
        _ => {
            assert_eq!(sql.len(), 1);
            assert!(sql[0].contains(r#"ON CONFLICT ("name") DO UPDATE SET "uses" = excluded."uses""#), "{}", sql[0]);
        }
    }
    // Two columns of different types.
    let third = db
        .upsert(Tag { colour: Some("green".into()), ..tag("rust", 7) })
        .on_conflict(Tag::NAME)
        .update((Tag::USES, Tag::COLOUR))
        .await?;
    assert_eq!((third.uses, third.colour.as_deref()), (7, Some("green")));
    Ok(())
});

scenario!(async fn upsert_many_answers_for_each_row_in_order(db, backend) {
    setup(db).await?;
    db.insert(tag("b", 1)).await?;
    let out = db
        .upsert_many(vec![tag("a", 1), tag("b", 2), tag("c", 3)])
        .on_conflict(Tag::NAME)
        .do_nothing()
        .await?;
    let names: Vec<Option<&str>> = out.iter().map(|t| t.as_ref().map(|t| t.name.as_str())).collect();
    assert_eq!(names, [Some("a"), None, Some("c")]);
    let out = db
        .upsert_many(vec![tag("c", 30), tag("d", 40), tag("a", 10)])
        .on_conflict(Tag::NAME)
        .update([Tag::USES])
        .await?;
    let got: Vec<(&str, i32)> = out.iter().map(|t| (t.name.as_str(), t.uses)).collect();
    assert_eq!(got, [("c", 30), ("d", 40), ("a", 10)]);
    assert_eq!(Tag::query().count(db).await?, 4);
    let b = Tag::query().filter(Tag::NAME.eq("b")).one(db).await?;
    assert_eq!(b.uses, 1, "untouched");
    Ok(())
});

scenario!(async fn sixty_four_concurrent_find_or_create_make_one_row(db, backend) {
    setup(db).await?;
    let mut tasks = Vec::new();
    for i in 0..64 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            db.upsert(tag("shared", i)).on_conflict(Tag::NAME).do_nothing().await?;
            Tag::query().filter(Tag::NAME.eq("shared")).one(&db).await
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.expect("the task ran")?.id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "every call found the same row");
    assert_eq!(Tag::query().count(db).await?, 1);
    Ok(())
});

scenario!(async fn bad_upserts_are_refused_before_anything_is_written(db, backend) {
    setup(db).await?;
    let none: [orm::Column<Tag, i32>; 0] = [];
    let err = db.upsert(tag("x", 1)).on_conflict(Tag::NAME).update(none).await.unwrap_err();
    assert!(matches!(&err, orm::Error::Config(m) if m.contains("updates no column")), "{err:?}");
    let too_long = tag(&"x".repeat(41), 1);
    let err = db.upsert(too_long).on_conflict(Tag::NAME).do_nothing().await.unwrap_err();
    assert!(matches!(err, orm::Error::Validation { .. }), "{err:?}");
    assert_eq!(Tag::query().count(db).await?, 0);
    Ok(())
});

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "u_plain")]
pub struct Plain {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
}

scenario!(async fn conflict_targets_without_a_constraint_are_refused_before_writing(db, backend) {
    db.create_all(&orm::models![Tag, Plain]).await?;
    // No on_conflict, and the key is generated: it never meets a row.
    let err = db.upsert(tag("x", 1)).do_nothing().await.unwrap_err();
    assert!(matches!(&err, orm::Error::Config(m) if m.contains("generated key `id`")), "{err:?}");
    let err = db.upsert(tag("x", 1)).on_conflict(Tag::ID).update(Tag::USES).await.unwrap_err();
    assert!(matches!(&err, orm::Error::Config(m) if m.contains("generated key")), "{err:?}");
    // A column no constraint covers.
    let err = db.upsert(tag("x", 1)).on_conflict(Tag::USES).do_nothing().await.unwrap_err();
    assert!(matches!(&err, orm::Error::Config(m) if m.contains("(uses)") && m.contains("unique")), "{err:?}");
    let err = db
        .upsert(Plain { id: 0, name: "p".into() })
        .on_conflict(Plain::NAME)
        .do_nothing()
        .await
        .unwrap_err();
    assert!(matches!(err, orm::Error::Config(_)), "{err:?}");
    // The same values twice in one update.
    let err = db
        .upsert_many(vec![tag("js", 1), tag("js", 2)])
        .on_conflict(Tag::NAME)
        .update(Tag::USES)
        .await
        .unwrap_err();
    assert!(matches!(&err, orm::Error::Config(m) if m.contains("twice")), "{err:?}");
    assert_eq!(Tag::query().count(db).await?, 0, "nothing was written");
    assert_eq!(Plain::query().count(db).await?, 0);
    Ok(())
});
