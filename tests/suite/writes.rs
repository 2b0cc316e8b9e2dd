//! What writes return: the keys written from relationships, generated keys
//! and columns filled by SQL defaults, read back in the same statement;
//! filtered updates checked like model updates; optimistic concurrency.

use chrono::NaiveDateTime;
use orm::prelude::*;

use crate::harness::{self, Backend};

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "w_authors")]
pub struct Author {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
    #[has_many(Article, back_populates = "author", order_by = "id")]
    pub articles: HasMany<Article>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "w_articles")]
pub struct Article {
    #[model(primary_key)]
    pub id: i64,
    pub author_id: i64,
    #[model(max_length = 20)]
    pub title: String,
    #[model(default = "CURRENT_TIMESTAMP")]
    pub created_at: Option<NaiveDateTime>,
    #[model(default = "7")]
    pub score: Option<i32>,
    #[belongs_to(Author, back_populates = "articles")]
    pub author: BelongsTo<Author>,
}

fn author(name: &str) -> Author {
    Author {
        id: 0,
        name: name.into(),
        articles: HasMany::default(),
    }
}

fn article(title: &str) -> Article {
    Article {
        id: 0,
        author_id: 0,
        title: title.into(),
        created_at: None,
        score: None,
        author: BelongsTo::default(),
    }
}

/// The columns of `a` as the database holds them.
async fn stored(
    db: &Db,
    a: &Article,
) -> orm::Result<(i64, i64, String, Option<NaiveDateTime>, Option<i32>)> {
    let s = Article::get(db, a.id).await?;
    Ok((s.id, s.author_id, s.title, s.created_at, s.score))
}

fn columns(a: &Article) -> (i64, i64, String, Option<NaiveDateTime>, Option<i32>) {
    (a.id, a.author_id, a.title.clone(), a.created_at, a.score)
}

/// Every write path, checked against what a fresh read of the row says.
/// `reread`: MySQL 8's path, one SELECT by key after an insert of rows
/// with defaults.
async fn writes_read_back(db: &Db, reread: bool) -> orm::Result<()> {
    let tolkien = db.insert(author("Tolkien")).await?;
    let austen = db.insert(author("Austen")).await?;

    // insert: the key comes from the slot, the defaults from the database.
    let hobbit = db
        .insert(Article {
            author: BelongsTo::loaded(tolkien.clone()),
            ..article("The Hobbit")
        })
        .await?;
    assert_eq!(
        hobbit.author_id, tolkien.id,
        "key written from the relationship"
    );
    assert!(hobbit.id > 0);
    assert!(hobbit.created_at.is_some(), "default read back");
    assert_eq!(hobbit.score, Some(7));
    assert_eq!(columns(&hobbit), stored(db, &hobbit).await?);

    // A value given wins over the default.
    let given = db
        .insert(Article {
            author_id: austen.id,
            score: Some(3),
            ..article("Emma")
        })
        .await?;
    assert_eq!(given.score, Some(3));
    assert_eq!(columns(&given), stored(db, &given).await?);

    // insert_many: every row.
    let many = db
        .insert_many(vec![
            Article {
                author: BelongsTo::loaded(austen.clone()),
                ..article("Persuasion")
            },
            Article {
                author_id: tolkien.id,
                score: Some(1),
                ..article("Silmarillion")
            },
        ])
        .await?;
    assert_eq!(many[0].author_id, austen.id);
    assert_eq!((many[0].score, many[1].score), (Some(7), Some(1)));
    for a in &many {
        assert!(a.created_at.is_some());
        assert_eq!(columns(a), stored(db, a).await?);
    }

    // A graph insert: children carry their parent's key and their defaults,
    // in as many statements as before.
    let rec = db.recorder();
    let dickens = db
        .insert(Author {
            articles: HasMany::new(vec![article("Bleak House"), article("Hard Times")]),
            ..author("Dickens")
        })
        .await?;
    let statements = rec.take();
    let expected = if reread { 5 } else { 4 };
    assert_eq!(
        statements.len(),
        expected,
        "BEGIN, two INSERTs, COMMIT: {statements:#?}"
    );
    for a in dickens.articles.get()? {
        assert_eq!(a.author_id, dickens.id);
        assert_eq!(a.score, Some(7));
        assert_eq!(columns(a), stored(db, a).await?);
    }

    // save: a new child gets its keys and defaults.
    let mut dickens = Author::query()
        .include(Author::ARTICLES)
        .filter(Author::ID.eq(dickens.id))
        .one(db)
        .await?;
    dickens.articles.push_new(article("Dombey"));
    db.save(&mut dickens).await?;
    let dombey = dickens
        .articles
        .get()?
        .iter()
        .find(|a| a.title == "Dombey")
        .unwrap()
        .clone();
    assert_eq!(dombey.author_id, dickens.id);
    assert!(dombey.created_at.is_some());
    assert_eq!(columns(&dombey), stored(db, &dombey).await?);

    // update: moving an article to another author through its slot.
    let mut moved = hobbit.clone();
    moved.author = BelongsTo::loaded(austen.clone());
    db.update(&mut moved).await?;
    assert_eq!(
        moved.author_id, austen.id,
        "the update wrote the slot's key into the model"
    );
    assert_eq!(columns(&moved), stored(db, &moved).await?);
    Ok(())
}

scenario!(async fn writes_return_what_the_database_holds(db, backend) {
    db.create_all(&orm::models![Author, Article]).await?;
    writes_read_back(db, false).await
});

scenario!(async fn without_returning_keys_and_defaults_are_read_back_by_key(db, backend) {
    // MySQL 8 has no INSERT ... RETURNING: the same answers come from
    // LAST_INSERT_ID() and a read by key in the same transaction. Run that
    // path on MariaDB, which has RETURNING but can do without.
    if backend != Backend::MySql {
        return Ok(());
    }
    db.create_all(&orm::models![Author, Article]).await?;
    let plain = Db::connect_with(orm::ConnectOptions::new(harness::url_of(db)).__without_returning()).await?;
    let rec = plain.recorder();
    writes_read_back(&plain, true).await?;
    assert!(rec.statements().iter().all(|s| !s.contains("RETURNING")), "{:#?}", rec.statements());
    plain.close().await;
    Ok(())
});

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "w_stores")]
pub struct Store {
    #[model(primary_key)]
    pub id: i64,
    #[model(max_length = 10, validate = crate::models::not_too_short)]
    pub name: String,
    pub rating: Option<f64>,
}

scenario!(async fn filtered_updates_check_the_values_they_set(db, backend) {
    db.create_all(&orm::models![Store]).await?;
    db.insert(Store { id: 0, name: "Corner".into(), rating: None }).await?;
    let rec = db.recorder();
    let too_long = Store::query()
        .filter(Store::NAME.eq("Corner"))
        .update(db, [Store::NAME.set("x".repeat(100))])
        .await
        .unwrap_err();
    assert!(
        matches!(&too_long, orm::Error::Validation { model: "Store", field: "name", message } if message.contains("max_length 10")),
        "{too_long:?}"
    );
    let too_short = Store::query().update(db, [Store::NAME.set("Bo")]).await.unwrap_err();
    assert!(matches!(&too_short, orm::Error::Validation { field: "name", .. }), "{too_short:?}");
    let nan = Store::query().update(db, [Store::RATING.set(f64::NAN)]).await.unwrap_err();
    assert!(matches!(&nan, orm::Error::Validation { field: "rating", message, .. } if message.contains("NaN")), "{nan:?}");
    assert_eq!(rec.count(), 0, "nothing was sent");
    assert_eq!(Store::query().one(db).await?.name, "Corner");
    // Good values go through.
    assert_eq!(Store::query().update(db, [Store::NAME.set("Kiosk"), Store::RATING.set(4.5)]).await?, 1);
    let s = Store::query().one(db).await?;
    assert_eq!((s.name.as_str(), s.rating), ("Kiosk", Some(4.5)));
    Ok(())
});

scenario!(async fn nan_is_refused_on_every_backend(db, backend) {
    db.create_all(&orm::models![Store]).await?;
    let err = db.insert(Store { id: 0, name: "Corner".into(), rating: Some(f64::NAN) }).await.unwrap_err();
    assert!(matches!(&err, orm::Error::Validation { model: "Store", field: "rating", .. }), "{err:?}");
    assert_eq!(Store::query().count(db).await?, 0);
    let mut s = db.insert(Store { id: 0, name: "Corner".into(), rating: Some(1.0) }).await?;
    s.rating = Some(f64::NAN);
    assert!(db.update(&mut s).await.unwrap_err().is_validation());
    assert_eq!(Store::get(db, s.id).await?.rating, Some(1.0));
    Ok(())
});

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "w_pages")]
pub struct Page {
    #[model(primary_key)]
    pub id: i64,
    pub title: String,
    #[model(version)]
    pub version: i32,
    #[has_many(Revision, back_populates = "page", cascade = "all, delete-orphan")]
    pub revisions: HasMany<Revision>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "w_revisions")]
pub struct Revision {
    #[model(primary_key)]
    pub id: i64,
    pub page_id: i64,
    pub note: String,
    #[belongs_to(Page, back_populates = "revisions")]
    pub page: BelongsTo<Page>,
}

fn page(title: &str) -> Page {
    Page {
        id: 0,
        title: title.into(),
        version: 1,
        revisions: HasMany::default(),
    }
}

scenario!(async fn a_versioned_row_refuses_a_stale_write(db, backend) {
    db.create_all(&orm::models![Page, Revision]).await?;
    let created = db.insert(page("Home")).await?;
    assert_eq!(created.version, 1);

    // Two readers of version 1.
    let mut first = Page::get(db, created.id).await?;
    let mut second = Page::get(db, created.id).await?;
    first.title = "Home (first)".into();
    db.update(&mut first).await?;
    assert_eq!(first.version, 2, "the update bumps the model's version");

    second.title = "Home (second)".into();
    let rec = db.recorder();
    let err = db.update(&mut second).await.unwrap_err();
    let key = created.id.to_string();
    assert!(
        matches!(&err, orm::Error::StaleData { model: "Page", key: k } if *k == key),
        "{err:?}"
    );
    assert_eq!(second.version, 1, "a refused update leaves the model as it was");
    drop(rec);
    let row = Page::get(db, created.id).await?;
    assert_eq!((row.title.as_str(), row.version), ("Home (first)", 2));

    // save checks it too, and leaves the version alone when refused.
    second.revisions = HasMany::new(vec![Revision { id: 0, page_id: 0, note: "stale".into(), page: BelongsTo::default() }]);
    let err = db.save(&mut second).await.unwrap_err();
    assert!(err.is_stale_data(), "{err:?}");
    assert_eq!(second.version, 1);
    assert_eq!(Revision::query().count(db).await?, 0, "nothing of the refused save was written");

    // A stale delete is refused; a current one goes through.
    assert!(db.delete(&second).await.unwrap_err().is_stale_data());
    let mut current = Page::get(db, created.id).await?;
    db.save(&mut current).await?;
    assert_eq!(current.version, 3);
    db.delete(&current).await?;
    assert!(Page::find(db, created.id).await?.is_none());
    // A row that is gone is NotFound, not StaleData.
    assert!(db.update(&mut current).await.unwrap_err().is_not_found());
    Ok(())
});

scenario!(async fn two_tasks_saving_one_row_one_wins(db, backend) {
    db.create_all(&orm::models![Page, Revision]).await?;
    let created = db.insert(page("Race")).await?;
    for round in 0..5 {
        let a = Page::get(db, created.id).await?;
        let b = Page::get(db, created.id).await?;
        let save = |mut p: Page, who: &'static str| {
            let db = db.clone();
            tokio::spawn(async move {
                p.title = format!("{who} {round}");
                db.save(&mut p).await.map(|()| p)
            })
        };
        let (ra, rb) = (save(a, "a"), save(b, "b"));
        let (ra, rb) = (ra.await.unwrap(), rb.await.unwrap());
        let (won, lost) = match (ra, rb) {
            (Ok(p), Err(e)) | (Err(e), Ok(p)) => (p, e),
            other => panic!("exactly one save wins: {other:?}"),
        };
        assert!(lost.is_stale_data(), "{lost:?}");
        let row = Page::get(db, created.id).await?;
        assert_eq!((row.title.as_str(), row.version), (won.title.as_str(), won.version));
    }
    assert_eq!(Page::get(db, created.id).await?.version, 6);
    Ok(())
});

/// Nothing but a generated key, and children.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "w_owners")]
pub struct Owner {
    #[model(primary_key)]
    pub id: i64,
    #[has_many(Pet, back_populates = "owner")]
    pub pets: HasMany<Pet>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "w_pets")]
pub struct Pet {
    #[model(primary_key)]
    pub id: i64,
    pub owner_id: i64,
    #[model(max_length = 10)]
    pub name: String,
    #[belongs_to(Owner, back_populates = "pets")]
    pub owner: BelongsTo<Owner>,
}

fn pet(name: &str) -> Pet {
    Pet {
        id: 0,
        owner_id: 0,
        name: name.into(),
        owner: BelongsTo::default(),
    }
}

scenario!(async fn a_model_of_only_a_generated_key_is_written_in_batches(db, backend) {
    db.create_all(&orm::models![Owner, Pet]).await?;
    let owners = db
        .insert_many(vec![
            Owner { id: 0, pets: HasMany::new(vec![pet("rex"), pet("tom")]) },
            Owner { id: 0, pets: HasMany::new(vec![pet("kit")]) },
            Owner { id: 0, pets: HasMany::default() },
        ])
        .await?;
    let ids: Vec<i64> = owners.iter().map(|o| o.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert_eq!(owners[0].pets.get()?.iter().map(|p| p.owner_id).collect::<Vec<_>>(), [ids[0], ids[0]]);
    assert_eq!(db.bulk_insert(&[Owner { id: 0, pets: HasMany::default() }, Owner { id: 0, pets: HasMany::default() }]).await?, 2);
    assert_eq!(Owner::query().count(db).await?, 5);
    // A bad child in such a graph is its own error, and nothing is kept.
    let err = db.insert(Owner { id: 0, pets: HasMany::new(vec![pet("a name far too long")]) }).await.unwrap_err();
    assert!(matches!(err, orm::Error::Validation { model: "Pet", field: "name", .. }), "{err:?}");
    assert_eq!(Owner::query().count(db).await?, 5);
    Ok(())
});

scenario!(async fn a_child_written_through_a_collection_belongs_to_that_parent(db, backend) {
    db.create_all(&orm::models![Owner, Pet]).await?;
    let first = db.insert(Owner { id: 0, pets: HasMany::default() }).await?;
    // The pet's own slot names `first`, but it is written in `second`'s
    // collection: the collection wins, as in SQLAlchemy.
    let second = db
        .insert(Owner { id: 0, pets: HasMany::new(vec![Pet { owner: BelongsTo::loaded(first.clone()), ..pet("rex") }]) })
        .await?;
    let rex = &second.pets.get()?[0];
    assert_eq!(rex.owner_id, second.id);
    assert!(rex.owner.is_unloaded(), "the slot naming the other owner was let go");
    assert_eq!(Pet::get(db, rex.id).await?.owner_id, second.id);
    assert_eq!(first.pets().count(db).await?, 0);
    Ok(())
});

scenario!(async fn update_does_not_insert_a_new_parent(db, backend) {
    db.create_all(&orm::models![Owner, Pet]).await?;
    let owner = db.insert(Owner { id: 0, pets: HasMany::default() }).await?;
    let mut rex = db.insert(Pet { owner_id: owner.id, ..pet("rex") }).await?;
    rex.owner = BelongsTo::new(Owner { id: 0, pets: HasMany::default() });
    let err = db.update(&mut rex).await.unwrap_err();
    assert!(matches!(&err, orm::Error::Relationship { model: "Pet", relation: "owner", message } if message.contains("db.save")), "{err:?}");
    assert_eq!(rex.owner_id, owner.id, "the model is left as it was");
    assert_eq!(Owner::query().count(db).await?, 1);
    // save writes it.
    db.save(&mut rex).await?;
    assert_ne!(rex.owner_id, owner.id);
    assert_eq!(Pet::get(db, rex.id).await?.owner_id, rex.owner_id);
    Ok(())
});

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "w_events")]
pub struct Event {
    #[model(primary_key)]
    pub id: i64,
    pub at: NaiveDateTime,
    pub utc: Option<chrono::DateTime<chrono::Utc>>,
}

scenario!(async fn timestamps_come_back_as_the_database_stores_them(db, backend) {
    db.create_all(&orm::models![Event]).await?;
    let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap().and_hms_nano_opt(9, 15, 7, 123_456_789).unwrap();
    let early = chrono::NaiveDate::from_ymd_opt(1999, 12, 31).unwrap().and_hms_nano_opt(23, 59, 59, 999_999_500).unwrap();
    for t in [at, early] {
        let mut event = db.insert(Event { id: 0, at: t, utc: Some(t.and_utc()) }).await?;
        let stored = Event::get(db, event.id).await?;
        assert_eq!(event, stored, "insert returns what the row holds");
        event.at = t + chrono::TimeDelta::nanoseconds(777);
        db.update(&mut event).await?;
        assert_eq!(event, Event::get(db, event.id).await?, "update leaves the model as the row");
        let many = db.insert_many(vec![Event { id: 0, at: t, utc: None }]).await?;
        assert_eq!(many[0], Event::get(db, many[0].id).await?);
    }
    if backend == Backend::Sqlite {
        // SQLite keeps every digit.
        let exact = db.insert(Event { id: 0, at, utc: None }).await?;
        assert_eq!(exact.at, at);
    }
    Ok(())
});

scenario!(async fn a_negative_zero_comes_back_as_the_database_holds_it(db, backend) {
    db.create_all(&orm::models![Store]).await?;
    let sign = |v: Option<f64>| v.map(f64::is_sign_negative);
    let one = db.insert(Store { id: 0, name: "first".into(), rating: Some(-0.0) }).await?;
    let many = db
        .insert_many(vec![
            Store { id: 0, name: "second".into(), rating: Some(-0.0) },
            Store { id: 0, name: "third".into(), rating: Some(-1.5) },
        ])
        .await?;
    let mut saved = Store::get(db, one.id).await?;
    saved.rating = Some(-0.0);
    db.save(&mut saved).await?;
    for written in [&one, &many[0], &many[1], &saved] {
        let read = Store::get(db, written.id).await?;
        assert_eq!(written.rating, read.rating);
        assert_eq!(sign(written.rating), sign(read.rating), "{written:?} against {read:?}");
    }
    // PostgreSQL keeps the sign; SQLite and MySQL store a plain zero.
    assert_eq!(sign(one.rating), Some(backend == Backend::Postgres));
    assert_eq!(many[1].rating, Some(-1.5));
    Ok(())
});

/// A column type of the application's own, which brings no check of its
/// own: the default check refuses what binding would have.
#[derive(Debug, Clone, PartialEq)]
pub struct Label(String);

impl orm::ColumnType for Label {
    const SQL_TYPE: orm::SqlType = orm::SqlType::Text;
    type Scalar = Label;
    fn decode(row: orm::RowRef<'_>, idx: usize) -> Result<Self, sqlx::Error> {
        <String as orm::ColumnType>::decode(row, idx).map(Label)
    }
    fn to_value(&self) -> orm::Value {
        orm::Value::String(self.0.clone())
    }
    fn from_value(value: orm::Value) -> Option<Self> {
        <String as orm::ColumnType>::from_value(value).map(Label)
    }
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "w_labelled")]
pub struct Labelled {
    #[model(primary_key)]
    pub id: i64,
    pub label: Label,
}

scenario!(async fn a_column_type_without_a_check_of_its_own_is_checked_on_every_write(db, backend) {
    db.create_all(&orm::models![Labelled]).await?;
    let bad = || Labelled { id: 0, label: Label("a\0b".into()) };
    let err = db.insert(bad()).await.unwrap_err();
    assert!(matches!(&err, orm::Error::Validation { field: "label", message, .. } if message.contains("NUL")), "{err:?}");
    let err = db.bulk_insert(&[bad(), bad()]).await.unwrap_err();
    assert!(matches!(&err, orm::Error::Validation { field: "label", .. }), "{err:?}");
    let err = db.insert_many(vec![bad()]).await.unwrap_err();
    assert!(matches!(&err, orm::Error::Validation { field: "label", .. }), "{err:?}");
    assert_eq!(Labelled::query().count(db).await?, 0);
    let mut good = db.insert(Labelled { id: 0, label: Label("fine".into()) }).await?;
    assert_eq!(Labelled::get(db, good.id).await?.label, Label("fine".into()));
    good.label = Label("x\0y".into());
    let err = db.save(&mut good).await.unwrap_err();
    assert!(matches!(&err, orm::Error::Validation { field: "label", .. }), "{err:?}");
    assert_eq!(Labelled::get(db, good.id).await?.label, Label("fine".into()));
    Ok(())
});

scenario!(async fn values_no_backend_stores_alike_are_refused(db, backend) {
    db.create_all(&orm::models![Store]).await?;
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let err = db.insert(Store { id: 0, name: "Corner".into(), rating: Some(bad) }).await.unwrap_err();
        assert!(matches!(&err, orm::Error::Validation { field: "rating", .. }), "{bad}: {err:?}");
        let err = Store::query().filter(Store::RATING.eq(bad)).count(db).await.unwrap_err();
        assert!(matches!(&err, orm::Error::Config(m) if m.contains("finite")), "{bad}: {err:?}");
        let err = orm::raw("SELECT ?").bind(bad).scalar::<f64>(db).await.unwrap_err();
        assert!(matches!(&err, orm::Error::Config(_)), "{bad}: {err:?}");
    }
    let err = db.insert(Store { id: 0, name: "Nul\0byte".into(), rating: None }).await.unwrap_err();
    assert!(matches!(&err, orm::Error::Validation { field: "name", message, .. } if message.contains("NUL")), "{err:?}");
    let err = Store::query().filter(Store::NAME.eq("a\0b")).count(db).await.unwrap_err();
    assert!(matches!(&err, orm::Error::Config(m) if m.contains("NUL")), "{err:?}");
    assert_eq!(Store::query().count(db).await?, 0);
    Ok(())
});
