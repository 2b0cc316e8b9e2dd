//! Pagination: numbered pages with their totals, and keyset pages.

use orm::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "pg_users")]
pub struct Author {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
    #[has_many(Entry, back_populates = "author", order_by = "id")]
    pub entries: HasMany<Entry>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "pg_entries")]
pub struct Entry {
    #[model(primary_key)]
    pub id: i64,
    pub author_id: i64,
    pub rank: i32,
    #[belongs_to(Author, back_populates = "entries")]
    pub author: BelongsTo<Author>,
}

/// 23 authors with two entries each.
async fn setup(db: &Db) -> orm::Result<()> {
    db.create_all(&orm::models![Author, Entry]).await?;
    for i in 0..23 {
        db.insert(Author {
            id: 0,
            name: format!("a{i:02}"),
            entries: HasMany::new(vec![
                Entry {
                    id: 0,
                    author_id: 0,
                    rank: i,
                    author: BelongsTo::default(),
                },
                Entry {
                    id: 0,
                    author_id: 0,
                    rank: 100 + i,
                    author: BelongsTo::default(),
                },
            ]),
        })
        .await?;
    }
    Ok(())
}

scenario!(async fn numbered_pages_with_totals_and_includes(db, backend) {
    setup(db).await?;
    let rec = db.recorder();
    let page = Author::query()
        .include(Author::ENTRIES)
        .order_by(Author::NAME.desc())
        .paginate(2, 10)
        .fetch(db)
        .await?;
    assert_eq!(rec.count(), 3, "the count, the page, its entries");
    assert_eq!((page.total, page.page, page.per_page, page.pages), (23, 2, 10, 3));
    let names: Vec<&str> = page.items.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names.first(), Some(&"a12"));
    assert_eq!(names.last(), Some(&"a03"));
    assert!(page.items.iter().all(|a| a.entries.get().unwrap().len() == 2), "includes apply");
    assert!(page.has_next() && page.has_prev());

    // Without an order, by key: consecutive pages neither overlap nor skip.
    let mut seen = Vec::new();
    for n in 1..=3 {
        let p = Author::query().paginate(n, 10).fetch(db).await?;
        seen.extend(p.items.into_iter().map(|a| a.id));
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, seen);
    assert_eq!(seen.len(), 23);

    // Past the end: empty, with the true totals; filters count.
    let past = Author::query().paginate(9, 10).fetch(db).await?;
    assert!(past.items.is_empty());
    assert_eq!((past.total, past.pages), (23, 3));
    let few = Entry::query().filter(Entry::RANK.lt(5)).paginate(1, 2).fetch(db).await?;
    assert_eq!((few.total, few.pages, few.items.len()), (5, 3, 2));
    let none = Entry::query().filter(Entry::RANK.lt(0)).paginate(1, 2).fetch(db).await?;
    assert_eq!((none.total, none.pages, none.has_next(), none.has_prev()), (0, 0, false, false));
    Ok(())
});

scenario!(async fn bad_pages_are_refused(db, backend) {
    setup(db).await?;
    for (page, per) in [(0, 10), (1, 0)] {
        let err = Author::query().paginate(page, per).fetch(db).await.unwrap_err();
        assert!(matches!(&err, orm::Error::Config(m) if m.contains("pages count from 1")), "{err:?}");
    }
    let err = Author::query().limit(5).paginate(1, 10).fetch(db).await.unwrap_err();
    assert!(matches!(&err, orm::Error::Config(m) if m.contains("remove them")), "{err:?}");
    Ok(())
});

scenario!(async fn keyset_pages_after_and_before(db, backend) {
    setup(db).await?;
    let mut last = 0;
    let mut all = Vec::new();
    loop {
        let rec = db.recorder();
        let page = Entry::query().after(Entry::ID, last).limit(20).all(db).await?;
        assert_eq!(rec.count(), 1);
        let Some(end) = page.last() else { break };
        last = end.id;
        all.extend(page.into_iter().map(|e| e.id));
    }
    assert_eq!(all.len(), 46);
    assert!(all.windows(2).all(|w| w[0] < w[1]));
    let newest = Entry::query().before(Entry::ID, all[10]).limit(3).all(db).await?;
    let ids: Vec<i64> = newest.iter().map(|e| e.id).collect();
    assert_eq!(ids, [all[9], all[8], all[7]]);
    Ok(())
});

/// A stream that owns its handle: returned from a function, read in a task.
fn entries_of(db: &Db) -> impl futures_util::Stream<Item = orm::Result<Entry>> + Send + 'static {
    Entry::query().order_by(Entry::ID).stream_owned(db.clone())
}

scenario!(async fn an_owned_stream_outlives_the_borrow(db, backend) {
    setup(db).await?;
    let stream = entries_of(db);
    let read = tokio::spawn(async move {
        use futures_util::StreamExt;
        let mut stream = stream;
        let mut n = 0;
        while let Some(entry) = stream.next().await {
            entry?;
            n += 1;
        }
        Ok::<_, orm::Error>(n)
    });
    assert_eq!(read.await.expect("the task ran")?, 46);
    // Inside a transaction, moved in whole.
    let tx = db.begin().await?;
    let mut s = Entry::query().filter(Entry::RANK.lt(3)).stream_owned(tx);
    let mut n = 0;
    while let Some(e) = futures_util::StreamExt::next(&mut s).await {
        e?;
        n += 1;
    }
    assert_eq!(n, 3);
    Ok(())
});
