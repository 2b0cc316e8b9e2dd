//! Inserts of many rows: on PostgreSQL they go by `COPY` — `bulk_insert`
//! from 2,000 rows straight into the table; `insert_many` from 2,000 rows
//! with keys drawn first, or through a staging table and one `INSERT ..
//! SELECT` when defaults are read back; elsewhere by multi-row INSERTs. What is stored, what comes back
//! and what fails is the same either way.

use orm::prelude::*;

use crate::harness::Backend;
use crate::writes::{Article, Author};

/// Rows with every column given: nothing left to a default.
fn full_articles(author_id: i64, n: usize) -> Vec<Article> {
    let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 30)
        .unwrap()
        .and_hms_micro_opt(12, 34, 56, 789_012)
        .unwrap();
    articles(author_id, n)
        .into_iter()
        .enumerate()
        .map(|(i, a)| Article {
            score: Some(i as i32),
            created_at: Some(at),
            ..a
        })
        .collect()
}

fn articles(author_id: i64, n: usize) -> Vec<Article> {
    (0..n)
        .map(|i| Article {
            id: 0,
            author_id,
            title: format!("t{i}"),
            created_at: None,
            // Every third row leaves the score to its default (7).
            score: (i % 3 != 0).then_some(i as i32),
            author: BelongsTo::default(),
        })
        .collect()
}

/// The statements of a bulk insert on PostgreSQL, by their first words.
fn kinds(statements: &[String]) -> Vec<String> {
    statements
        .iter()
        .map(|s| s.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
        .collect()
}

scenario!(async fn many_rows_come_back_with_keys_and_defaults_in_order(db, backend) {
    db.create_all(&orm::models![Author, Article]).await?;
    let author = db.insert(Author { id: 0, name: "a".into(), articles: HasMany::default() }).await?;
    let rec = db.recorder();
    let rows = db.insert_many(articles(author.id, 2_000)).await?;
    let sql = rec.take();
    if backend == Backend::Postgres {
        assert_eq!(
            kinds(&sql),
            ["BEGIN", "CREATE TEMPORARY", "COPY pg_temp.\"_orm_copy\"", "INSERT INTO", "DROP TABLE", "COMMIT"],
            "{sql:?}"
        );
        assert!(sql[3].contains("SELECT") && sql[3].contains("RETURNING"), "{}", sql[3]);
    } else {
        assert!(sql.iter().all(|s| !s.starts_with("COPY")), "{sql:?}");
    }
    // Each row got its own key, in order, and the defaults it left open.
    let stored = Article::query().order_by(Article::ID.asc()).all(db).await?;
    assert_eq!(stored.len(), 2_000);
    for (given, read) in rows.iter().zip(&stored) {
        assert_eq!((given.id, &given.title, given.score), (read.id, &read.title, read.score));
        assert_eq!(given.created_at, read.created_at);
        assert!(given.created_at.is_some());
    }
    assert_eq!(rows[0].score, Some(7), "None took the column's default");
    assert_eq!(rows[1].score, Some(1));
    Ok(())
});

scenario!(async fn bulk_insert_of_many_rows_reads_nothing_back(db, backend) {
    db.create_all(&orm::models![Author, Article]).await?;
    let author = db.insert(Author { id: 0, name: "a".into(), articles: HasMany::default() }).await?;
    let rec = db.recorder();
    let rows = articles(author.id, 2_000);
    assert_eq!(db.bulk_insert(&rows).await?, 2_000);
    let sql = rec.take();
    if backend == Backend::Postgres {
        assert!(sql.iter().any(|s| s.starts_with("COPY")), "{sql:?}");
        let insert = sql.iter().find(|s| s.starts_with("INSERT")).unwrap();
        assert!(!insert.contains("RETURNING") && !insert.contains("ORDER BY"), "{insert}");
    }
    assert_eq!(rows[5].id, 0, "the models are borrowed, not changed");
    assert_eq!(Article::query().filter(Article::SCORE.eq(7)).count(db).await?, 667 + 1);
    Ok(())
});

scenario!(async fn a_refused_row_among_many_leaves_nothing(db, backend) {
    db.create_all(&orm::models![Author, Article]).await?;
    let author = db.insert(Author { id: 0, name: "a".into(), articles: HasMany::default() }).await?;

    // A foreign key that points nowhere, in the last row.
    let mut rows = articles(author.id, 2_000);
    rows[1_999].author_id = author.id + 1_000;
    let err = db.insert_many(rows.clone()).await.unwrap_err();
    assert!(err.is_foreign_key_violation(), "{err:?}");
    let err = db.bulk_insert(&rows).await.unwrap_err();
    assert!(err.is_foreign_key_violation(), "{err:?}");

    // A title over its length: the column's own check, as on INSERT.
    let mut rows = articles(author.id, 1_500);
    rows[700].title = "x".repeat(20);
    rows[701].title = "y".repeat(30);
    let err = db.bulk_insert(&rows).await.unwrap_err();
    assert!(matches!(err, orm::Error::Validation { field: "title", .. }), "{err:?}");

    // Text no backend stores alike is refused before anything is sent.
    let mut rows = articles(author.id, 1_500);
    rows[3].title = "a\0b".into();
    let err = db.insert_many(rows).await.unwrap_err();
    assert!(err.to_string().contains("NUL"), "{err}");
    assert_eq!(Article::query().count(db).await?, 0);

    // The connection is in order afterwards.
    assert_eq!(db.bulk_insert(&articles(author.id, 1_000)).await?, 1_000);
    assert_eq!(Article::query().count(db).await?, 1_000);
    Ok(())
});

scenario!(async fn two_bulk_inserts_in_one_transaction_roll_back_together(db, backend) {
    db.create_all(&orm::models![Author, Article]).await?;
    let author = db.insert(Author { id: 0, name: "a".into(), articles: HasMany::default() }).await?;
    let outcome: orm::Result<()> = db
        .transaction(async |tx| {
            tx.bulk_insert(&articles(author.id, 2_100)).await?;
            let rows = tx.insert_many(articles(author.id, 2_000)).await?;
            assert_eq!(rows.len(), 2_000);
            assert_eq!(Article::query().count(&tx).await?, 4_100);
            Err(orm::Error::Config("undo".into()))
        })
        .await;
    assert!(outcome.is_err());
    assert_eq!(Article::query().count(db).await?, 0);
    // Committed, they stay.
    db.transaction(async |tx| {
        tx.bulk_insert(&articles(author.id, 2_100)).await?;
        tx.insert_many(articles(author.id, 2_000)).await?;
        Ok::<_, orm::Error>(())
    })
    .await?;
    assert_eq!(Article::query().count(db).await?, 4_100);
    Ok(())
});

scenario!(async fn rows_with_nothing_to_read_back_are_copied_straight_in(db, backend) {
    db.create_all(&orm::models![Author, Article]).await?;
    // Text COPY treats tabs, newlines and backslashes specially: they come
    // back as given, with the rest of Unicode.
    let names: Vec<String> = (0..2_000)
        .map(|i| format!("a\t{i}\n\\N \\. \r é 漢 🦀"))
        .collect();
    let authors: Vec<Author> = names
        .iter()
        .map(|n| Author { id: 0, name: n.clone(), articles: HasMany::default() })
        .collect();
    let rec = db.recorder();
    assert_eq!(db.bulk_insert(&authors).await?, 2_000);
    let sql = rec.take();
    if backend == Backend::Postgres {
        assert_eq!(kinds(&sql), ["COPY \"w_authors\""], "{sql:?}");
    }
    let stored = Author::query().order_by(Author::ID.asc()).all(db).await?;
    let read: Vec<&str> = stored.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(read, names);

    // Every column given: timestamps to the microsecond, as the INSERT
    // stores them.
    let author = &stored[0];
    let rows = full_articles(author.id, 2_100);
    assert_eq!(db.bulk_insert(&rows).await?, 2_100);
    let back = Article::query().order_by(Article::ID.asc()).all(db).await?;
    for (given, read) in rows.iter().zip(&back) {
        assert_eq!((&given.title, given.score), (&read.title, read.score));
        assert_eq!(given.created_at, read.created_at);
    }

    // Refused rows: nothing of them stays, and the connection is in order
    // (a unique violation on this path: crud::a_failing_bulk_insert_leaves_no_row).
    let mut bad = full_articles(author.id, 2_100);
    bad[2_050].author_id = -5;
    let err = db.bulk_insert(&bad).await.unwrap_err();
    assert!(err.is_foreign_key_violation(), "{err:?}");
    assert_eq!(Article::query().count(db).await?, 2_100);
    Ok(())
});

scenario!(async fn keys_are_drawn_first_when_nothing_else_is_read_back(db, backend) {
    db.create_all(&orm::models![Author, Article]).await?;
    let authors = |n: usize| -> Vec<Author> {
        (0..n)
            .map(|i| Author { id: 0, name: format!("author {i}"), articles: HasMany::default() })
            .collect()
    };
    let rec = db.recorder();
    let rows = db.insert_many(authors(2_000)).await?;
    let sql = rec.take();
    if backend == Backend::Postgres {
        assert_eq!(
            kinds(&sql),
            ["BEGIN", "SELECT nextval((SELECT", "COPY \"w_authors\"", "COMMIT"],
            "{sql:?}"
        );
    }
    // Each row holds the key the database stored it under.
    let stored = Author::query().order_by(Author::ID.asc()).all(db).await?;
    assert_eq!(stored.len(), 2_000);
    let mut given: Vec<(i64, &str)> = rows.iter().map(|a| (a.id, a.name.as_str())).collect();
    given.sort();
    let read: Vec<(i64, &str)> = stored.iter().map(|a| (a.id, a.name.as_str())).collect();
    assert_eq!(given, read);
    assert!(rows.windows(2).all(|w| w[0].id < w[1].id), "keys in the input's order");

    // Later inserts by any path go on after the drawn keys.
    let one = db.insert(Author { id: 0, name: "one more".into(), articles: HasMany::default() }).await?;
    assert!(one.id > rows[1_999].id);

    // In a transaction that rolls back, nothing stays.
    let outcome: orm::Result<()> = db
        .transaction(async |tx| {
            tx.insert_many(authors(2_000)).await?;
            Err(orm::Error::Config("undo".into()))
        })
        .await;
    assert!(outcome.is_err());
    assert_eq!(Author::query().count(db).await?, 2_001);
    Ok(())
});

scenario!(async fn a_failed_write_of_several_statements_in_a_transaction_is_undone_alone(db, backend) {
    db.create_all(&orm::models![Author, Article]).await?;
    let author = db.insert(Author { id: 0, name: "a".into(), articles: HasMany::default() }).await?;
    // Enough rows for several statements (or a COPY on PostgreSQL), the
    // last pointing nowhere.
    let mut rows = articles(author.id, 20_000);
    rows[19_999].author_id = author.id + 1_000;
    let rec = db.recorder();
    let tx = db.begin().await?;
    tx.insert(articles(author.id, 1).remove(0)).await?;
    let err = tx.bulk_insert(&rows).await.unwrap_err();
    assert!(err.is_foreign_key_violation(), "{err:?}");
    let err = tx.insert_many(rows.clone()).await.unwrap_err();
    assert!(err.is_foreign_key_violation(), "{err:?}");
    // Nothing of either stays, and the transaction carries on.
    assert_eq!(Article::query().count(&tx).await?, 1);
    tx.insert(articles(author.id, 1).remove(0)).await?;
    tx.commit().await?;
    assert_eq!(Article::query().count(db).await?, 2);
    let sql = rec.take();
    assert!(sql.iter().any(|s| s.starts_with("ROLLBACK TO SAVEPOINT")), "{sql:?}");

    // Writes of one statement too (PostgreSQL would abort the whole
    // transaction at their failure): a few rows, and a COPY.
    let tx = db.begin().await?;
    for n in [2, 1_500, 3_000] {
        let mut rows = articles(author.id, n);
        rows[n - 1].author_id = author.id + 1_000;
        let err = tx.bulk_insert(&rows).await.unwrap_err();
        assert!(err.is_foreign_key_violation(), "{n}: {err:?}");
        let err = tx.insert_many(rows).await.unwrap_err();
        assert!(err.is_foreign_key_violation(), "{n}: {err:?}");
    }
    tx.insert(articles(author.id, 1).remove(0)).await?;
    tx.commit().await?;
    assert_eq!(Article::query().count(db).await?, 3);

    // Two writes on one transaction at once, one failing: each one's
    // outcome is what the commit keeps.
    let tx = db.begin().await?;
    let good = articles(author.id, 20_000);
    let (failed, written) = tokio::join!(tx.bulk_insert(&rows), tx.bulk_insert(&good));
    assert!(failed.unwrap_err().is_foreign_key_violation());
    assert_eq!(written?, 20_000);
    let (written, failed) = tokio::join!(tx.insert_many(good.clone()), tx.insert_many(rows.clone()));
    assert_eq!(written?.len(), 20_000);
    assert!(failed.unwrap_err().is_foreign_key_violation());
    tx.commit().await?;
    assert_eq!(Article::query().count(db).await?, 3 + 40_000);
    Ok(())
});

scenario!(async fn a_graph_level_of_many_rows_goes_by_copy_too(db, backend) {
    db.create_all(&orm::models![Author, Article]).await?;
    // 30 authors with 70 new articles each: a level of 2,100 rows.
    let authors: Vec<Author> = (0..30)
        .map(|i| Author {
            id: 0,
            name: format!("author {i}"),
            articles: HasMany::new(articles(0, 70)),
        })
        .collect();
    let rec = db.recorder();
    let written = db.insert_many(authors).await?;
    let sql = rec.take();
    if backend == Backend::Postgres {
        assert!(sql.iter().any(|s| s.starts_with("COPY")), "{sql:?}");
    }
    assert_eq!(Article::query().count(db).await?, 2_100);
    // Each child holds the key it was stored under and its parent's key.
    for author in &written {
        let children = author.articles.get()?;
        assert_eq!(children.len(), 70);
        for child in children {
            let stored = Article::get(db, child.id).await?;
            assert_eq!((stored.author_id, &stored.title), (author.id, &child.title));
        }
    }
    Ok(())
});

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "bulk_documents")]
pub struct Document {
    #[model(primary_key)]
    pub id: i64,
    #[model(unique, max_length = 40)]
    pub name: String,
    pub body: String,
}

fn documents(prefix: &str, n: usize, size: usize) -> Vec<Document> {
    (0..n)
        .map(|i| Document {
            id: 0,
            name: format!("{prefix}{i}"),
            body: char::from(b'a' + (i % 26) as u8).to_string().repeat(size),
        })
        .collect()
}

/// The bodies the table holds, by name: (name, length, first character).
async fn stored_bodies(db: &Db) -> orm::Result<Vec<(String, usize, Option<char>)>> {
    let mut rows: Vec<_> = Document::query()
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.name, d.body.len(), d.body.chars().next()))
        .collect();
    rows.sort();
    Ok(rows)
}

scenario!(async fn rows_larger_together_than_the_server_takes_are_written_in_parts(db, backend) {
    db.create_all(&orm::models![Document]).await?;
    // MySQL reads no command over its `max_allowed_packet` (a larger one
    // ends the connection): 24 rows of a sixteenth of it each take one
    // and a half times as much. The other servers take them in one.
    let limit = if backend == Backend::MySql {
        orm::raw("SELECT CAST(@@max_allowed_packet AS SIGNED)").scalar::<i64>(db).await? as usize
    } else {
        16 << 20
    };
    let size = limit / 16;
    let rec = db.recorder();
    assert_eq!(db.bulk_insert(&documents("bulk", 24, size)).await?, 24);
    // Halves of 12 rows (three quarters of the limit each): two
    // statements sent, in one transaction; the refused one is not
    // recorded, as it was never sent.
    let sent = rec.take();
    let inserts = sent.iter().filter(|s| s.starts_with("INSERT")).count();
    if backend == Backend::MySql {
        assert_eq!(inserts, 2, "{sent:?}");
        assert_eq!(sent.first().map(String::as_str), Some("BEGIN"));
    } else {
        assert_eq!(inserts, 1, "{sent:?}");
    }
    let written = db.insert_many(documents("many", 24, size)).await?;
    let mut keys: Vec<i64> = written.iter().map(|d| d.id).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), 24);
    for d in &written {
        assert_eq!(Document::get(db, d.id).await?.name, d.name);
    }
    // An upsert over them all, the same way: every row comes back updated.
    let mut changed = documents("many", 24, size);
    for d in &mut changed {
        d.body = d.body.to_uppercase();
    }
    let upserted = db.upsert_many(changed).on_conflict(Document::NAME).update(Document::BODY).await?;
    assert_eq!(upserted.len(), 24);
    for (u, w) in upserted.iter().zip(&written) {
        assert_eq!((u.id, u.body.len()), (w.id, size));
        assert!(u.body.starts_with(|c: char| c.is_ascii_uppercase()));
    }
    let stored = stored_bodies(db).await?;
    assert_eq!(stored.len(), 48);
    assert!(stored.iter().all(|(_, len, _)| *len == size));
    assert!(stored.iter().filter(|(_, _, c)| c.is_some_and(|c| c.is_ascii_uppercase())).count() == 24);
    if backend != Backend::MySql {
        return Ok(());
    }

    // A row too large alone is refused before it is sent: a typed error,
    // nothing written, the connection and transaction carry on.
    let huge = documents("huge", 1, limit + 1).remove(0);
    let err = db.insert(huge.clone()).await.unwrap_err();
    assert!(
        matches!(err, orm::Error::StatementTooLarge { limit: l, .. } if l == limit),
        "{err:?}"
    );
    let mut batch = documents("batch", 10, 10);
    batch.push(huge.clone());
    let err = db.bulk_insert(&batch).await.unwrap_err();
    assert!(matches!(err, orm::Error::StatementTooLarge { .. }), "{err:?}");
    let err = db.insert_many(batch.clone()).await.unwrap_err();
    assert!(matches!(err, orm::Error::StatementTooLarge { .. }), "{err:?}");
    let tx = db.begin().await?;
    tx.insert(documents("in tx", 1, 10).remove(0)).await?;
    let err = tx.bulk_insert(&batch).await.unwrap_err();
    assert!(matches!(err, orm::Error::StatementTooLarge { .. }), "{err:?}");
    let mut first = Document::get(&tx, written[0].id).await?;
    first.body = "x".repeat(limit + 1);
    let err = tx.save(&mut first).await.unwrap_err();
    assert!(matches!(err, orm::Error::StatementTooLarge { .. }), "{err:?}");
    let script = format!("SELECT '{}'", "x".repeat(limit));
    let err = tx.execute_script(&script).await.unwrap_err();
    assert!(matches!(err, orm::Error::StatementTooLarge { .. }), "{err:?}");
    tx.commit().await?;
    assert_eq!(Document::query().count(db).await?, 49);
    assert_eq!(Document::get(db, written[0].id).await?.body.len(), size);
    Ok(())
});
