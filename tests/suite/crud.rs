//! Insert, get, find, update, delete.

use orm::prelude::*;

use crate::models::*;

async fn setup(db: &Db) -> orm::Result<()> {
    db.create_all(&orm::models![
        User, Post, Membership, Country, Reading, Store
    ])
    .await
}

scenario!(async fn insert_returns_the_generated_key(db, backend) {
    setup(db).await?;
    let mut first = User::new("ada@example.com");
    first.id = 999; // ignored: the database generates the key
    let first = db.insert(first).await?;
    let second = db.insert(User::new("grace@example.com")).await?;
    assert!(first.id > 0 && first.id != 999);
    assert!(second.id > first.id);
    assert_eq!(User::get(db, second.id).await?, second);
    Ok(())
});

scenario!(async fn get_and_find(db, backend) {
    setup(db).await?;
    let ada = db.insert(User::new("ada@example.com")).await?;
    assert_eq!(User::find(db, ada.id).await?, Some(ada.clone()));
    assert_eq!(User::find(db, ada.id + 100).await?, None);
    let err = User::get(db, ada.id + 100).await.unwrap_err();
    assert!(matches!(err, Error::NotFound { model: "User" }), "{err:?}");
    Ok(())
});

scenario!(async fn update_writes_every_column(db, backend) {
    setup(db).await?;
    let mut ada = db.insert(User::new("ada@example.com")).await?;
    ada.nickname = Some("countess".into());
    ada.karma = 42;
    db.update(&mut ada).await?;
    assert_eq!(User::get(db, ada.id).await?, ada);

    // Writing the same values again still finds the row.
    db.update(&mut ada).await?;

    let mut ghost = User { id: ada.id + 1000, ..ada.clone() };
    assert!(db.update(&mut ghost).await.unwrap_err().is_not_found());
    Ok(())
});

scenario!(async fn delete_removes_the_row(db, backend) {
    setup(db).await?;
    let ada = db.insert(User::new("ada@example.com")).await?;
    let grace = db.insert(User::new("grace@example.com")).await?;
    db.delete(&ada).await?;
    assert_eq!(User::find(db, ada.id).await?, None);
    assert_eq!(User::query().count(db).await?, 1);
    assert!(db.delete(&ada).await.unwrap_err().is_not_found());
    assert!(User::find(db, grace.id).await?.is_some());
    Ok(())
});

scenario!(async fn composite_keys(db, backend) {
    setup(db).await?;
    let ada = db.insert(User::new("ada@example.com")).await?;
    let m = db
        .insert(Membership { user_id: ada.id, team: "engines".into(), role: "member".into() })
        .await?;
    db.insert(Membership { user_id: ada.id, team: "maths".into(), role: "lead".into() })
        .await?;
    let mut found = Membership::get(db, (ada.id, "engines".to_string())).await?;
    assert_eq!(found, m);
    found.role = "lead".into();
    db.update(&mut found).await?;
    assert_eq!(Membership::get(db, (ada.id, "engines".to_string())).await?.role, "lead");
    db.delete(&found).await?;
    assert_eq!(Membership::find(db, (ada.id, "engines".to_string())).await?, None);
    assert_eq!(Membership::query().count(db).await?, 1);
    // The same pair twice violates the composite key.
    let err = db
        .insert(Membership { user_id: ada.id, team: "maths".into(), role: "x".into() })
        .await
        .unwrap_err();
    assert!(err.is_unique_violation(), "{err:?}");
    Ok(())
});

scenario!(async fn keys_chosen_by_the_application(db, backend) {
    setup(db).await?;
    let fr = db.insert(Country { code: 250, name: "France".into() }).await?;
    assert_eq!(fr.code, 250);
    let many = db
        .insert_many(vec![
            Country { code: 276, name: "Germany".into() },
            Country { code: 380, name: "Italy".into() },
        ])
        .await?;
    assert_eq!(many.iter().map(|c| c.code).collect::<Vec<_>>(), [276, 380]);
    assert_eq!(Country::get(db, 380).await?.name, "Italy");
    Ok(())
});

scenario!(async fn insert_many_fills_keys_in_order(db, backend) {
    setup(db).await?;
    let users: Vec<User> = (0..50).map(|i| User::new(&format!("u{i}@example.com"))).collect();
    let rec = db.recorder();
    let users = db.insert_many(users).await?;
    assert_eq!(rec.count(), 1, "{:?}", rec.statements());
    assert!(rec.statements()[0].starts_with("INSERT INTO"));
    for (i, u) in users.iter().enumerate() {
        assert_eq!(User::get(db, u.id).await?.email, format!("u{i}@example.com"));
    }
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert!(db.insert_many(Vec::<User>::new()).await?.is_empty());
    Ok(())
});

fn readings(n: usize) -> Vec<Reading> {
    (0..n)
        .map(|i| Reading {
            id: 0,
            sensor: format!("s{i}"),
            a: i as f64,
            b: 0.5,
            c: i as i32,
        })
        .collect()
}

scenario!(async fn insert_many_ten_thousand_rows_in_chunks(db, backend) {
    setup(db).await?;
    let rec = db.recorder();
    let rows = db.insert_many(readings(10_000)).await?;
    let sql = rec.statements();
    let inserts = sql.iter().filter(|s| s.starts_with("INSERT")).count();
    let copies = sql.iter().filter(|s| s.starts_with("COPY")).count();
    // 4 binds a row: SQLite's 32,766-bind limit needs 2 statements,
    // MySQL's 65,535 needs 1; PostgreSQL draws the keys and copies the
    // rows (tests/suite/bulk.rs).
    let expected = match backend {
        crate::harness::Backend::Sqlite => (2, 0),
        crate::harness::Backend::Postgres => (0, 1),
        crate::harness::Backend::MySql => (1, 0),
    };
    assert_eq!((inserts, copies), expected, "{sql:?}");
    assert_eq!(Reading::query().count(db).await?, 10_000);
    assert_eq!(Reading::get(db, rows[9_999].id).await?.sensor, "s9999");
    Ok(())
});

scenario!(async fn a_failing_chunk_leaves_no_row(db, backend) {
    setup(db).await?;
    // Rows past the first chunk collide on the unique sensor.
    let mut rows = readings(20_000);
    rows[19_999].sensor = "s0".into();
    let err = db.insert_many(rows).await.unwrap_err();
    assert!(err.is_unique_violation(), "{err:?}");
    assert_eq!(Reading::query().count(db).await?, 0);
    Ok(())
});

scenario!(async fn bulk_insert_writes_rows_and_reads_nothing_back(db, backend) {
    setup(db).await?;
    let rec = db.recorder();
    let users = vec![User::new("a@example.com"), User::new("b@example.com")];
    assert_eq!(db.bulk_insert(&users).await?, 2);
    let sql = rec.statements();
    assert_eq!(sql.len(), 1, "{sql:?}");
    assert!(sql[0].starts_with("INSERT") && !sql[0].contains("RETURNING"), "{sql:?}");
    // The models are borrowed and keep the key they had.
    assert_eq!(users[0].id, 0);
    assert_eq!(User::query().count(db).await?, 2);
    assert_eq!(db.bulk_insert::<User>(&[]).await?, 0);

    // Over the bind limit: several statements, one transaction; on
    // PostgreSQL one COPY straight into the table (tests/suite/bulk.rs).
    rec.clear();
    assert_eq!(db.bulk_insert(&readings(10_000)).await?, 10_000);
    let sql = rec.statements();
    let inserts = sql.iter().filter(|s| s.starts_with("INSERT")).count();
    let copies = sql.iter().filter(|s| s.starts_with("COPY")).count();
    let expected = match backend {
        crate::harness::Backend::Sqlite => (2, 0),
        crate::harness::Backend::Postgres => (0, 1),
        crate::harness::Backend::MySql => (1, 0),
    };
    assert_eq!((inserts, copies), expected, "{sql:?}");
    assert_eq!(Reading::query().count(db).await?, 10_000);
    Ok(())
});

scenario!(async fn a_failing_bulk_insert_leaves_no_row(db, backend) {
    setup(db).await?;
    let mut rows = readings(20_000);
    rows[19_999].sensor = "s0".into();
    let err = db.bulk_insert(&rows).await.unwrap_err();
    assert!(err.is_unique_violation(), "{err:?}");
    assert_eq!(Reading::query().count(db).await?, 0);
    // Validation runs before anything is sent.
    let err = db.bulk_insert(&[User::new(&"x".repeat(200))]).await.unwrap_err();
    assert!(matches!(err, Error::Validation { model: "User", field: "email", .. }), "{err:?}");
    assert_eq!(User::query().count(db).await?, 0);
    Ok(())
});

scenario!(async fn validation_runs_before_insert_and_update(db, backend) {
    setup(db).await?;
    let rec = db.recorder();
    let err = db.insert(Store { id: 0, name: "abc".into() }).await.unwrap_err();
    match &err {
        Error::Validation { model, field, message } => {
            assert_eq!((*model, *field), ("Store", "name"));
            assert!(message.contains("too short"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(rec.count(), 0, "nothing is sent");
    let mut store = db.insert(Store { id: 0, name: "Corner shop".into() }).await?;
    store.name = "Bo".into();
    assert!(db.update(&mut store).await.unwrap_err().is_validation());
    assert_eq!(Store::get(db, store.id).await?.name, "Corner shop");
    Ok(())
});

scenario!(async fn max_length_is_checked_before_sending(db, backend) {
    setup(db).await?;
    let long = format!("{}@example.com", "x".repeat(120));
    let err = db.insert(User::new(&long)).await.unwrap_err();
    match err {
        Error::Validation { model: "User", field: "email", message } => {
            assert!(message.contains("max_length 120"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    // Multi-byte characters count as characters, not bytes.
    let ok = format!("{}@é.fr", "é".repeat(100));
    assert!(ok.chars().count() <= 120 && ok.len() > 120);
    db.insert(User::new(&ok)).await?;
    assert_eq!(User::query().count(db).await?, 1);
    Ok(())
});
