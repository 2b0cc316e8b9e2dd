//! Many-to-many through a bare association table or an association model,
//! writable from both sides.

use orm::prelude::*;

pub(crate) mod library {
    use super::*;

    /// SQLAlchemy's `relationship("Author", secondary=association_table,
    /// backref="books")`.
    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "books")]
    pub struct Book {
        #[model(primary_key)]
        pub id: i64,
        pub title: String,
        #[has_many(Writer, backref = "books", order_by = "name")]
        #[secondary(table = "book_writers")]
        pub writers: HasMany<Writer>,
    }

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "writers")]
    pub struct Writer {
        #[model(primary_key)]
        pub id: i64,
        pub name: String,
    }

    pub fn book(title: &str) -> Book {
        Book {
            id: 0,
            title: title.into(),
            writers: HasMany::default(),
        }
    }

    pub fn writer(name: &str) -> Writer {
        Writer {
            id: 0,
            name: name.into(),
        }
    }
}

pub(crate) mod blog {
    use super::*;

    /// An association object with an extra column.
    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "posts")]
    pub struct Post {
        #[model(primary_key)]
        pub id: i64,
        pub title: String,
        #[has_many(Tag, back_populates = "posts")]
        #[secondary(PostTag)]
        pub tags: HasMany<Tag>,
        #[has_many(PostTag, back_populates = "post")]
        pub post_tags: HasMany<PostTag>,
    }

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "tags")]
    pub struct Tag {
        #[model(primary_key)]
        pub id: i64,
        #[model(unique, max_length = 40)]
        pub name: String,
        #[has_many(Post, back_populates = "tags")]
        #[secondary(PostTag)]
        pub posts: HasMany<Post>,
    }

    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "post_tags")]
    pub struct PostTag {
        #[model(primary_key)]
        pub post_id: i64,
        #[model(primary_key)]
        pub tag_id: i64,
        #[model(default = "1")]
        pub weight: Option<i32>,
        #[belongs_to(Post, back_populates = "post_tags")]
        pub post: BelongsTo<Post>,
        #[belongs_to(Tag)]
        pub tag: BelongsTo<Tag>,
    }

    pub fn post(title: &str) -> Post {
        Post {
            id: 0,
            title: title.into(),
            tags: HasMany::default(),
            post_tags: HasMany::default(),
        }
    }

    pub fn tag(name: &str) -> Tag {
        Tag {
            id: 0,
            name: name.into(),
            posts: HasMany::default(),
        }
    }
}

pub(crate) mod social {
    use super::*;

    /// Self-referential: `follows(follower_id, followed_id)`, `left`/`right`
    /// choosing the direction.
    #[derive(Model, Debug, Clone, PartialEq)]
    #[model(table = "members")]
    pub struct Member {
        #[model(primary_key)]
        pub id: i64,
        pub name: String,
        #[has_many(Member, back_populates = "followers", order_by = "name")]
        #[secondary(table = "follows", left = "follower_id", right = "followed_id")]
        pub following: HasMany<Member>,
        #[has_many(Member, back_populates = "following", order_by = "name")]
        #[secondary(table = "follows", left = "followed_id", right = "follower_id")]
        pub followers: HasMany<Member>,
    }

    pub fn member(name: &str) -> Member {
        Member {
            id: 0,
            name: name.into(),
            following: HasMany::default(),
            followers: HasMany::default(),
        }
    }
}

fn names<T>(rows: &[T], f: impl Fn(&T) -> &str) -> Vec<String> {
    rows.iter().map(|r| f(r).to_string()).collect()
}

scenario!(async fn association_table_reads_and_writes(db, backend) {
    use library::*;
    db.create_all(&orm::models![Book]).await?;
    let hobbit = db.insert(book("Good Omens")).await?;
    let other = db.insert(book("Mort")).await?;
    let pratchett = db.insert(writer("Pratchett")).await?;
    let gaiman = db.insert(writer("Gaiman")).await?;

    let rec = db.recorder();
    assert!(hobbit.writers().add(db, &pratchett).await?);
    assert_eq!(rec.take().len(), 1);
    // The same pair again: nothing written, and it says so.
    assert!(!hobbit.writers().add(db, &pratchett).await?);
    assert_eq!(hobbit.writers().add_many(db, &[pratchett.clone(), gaiman.clone()]).await?, 1);
    assert_eq!(rec.take().len(), 2, "one statement each");

    let writers = hobbit.writers().all(db).await?;
    assert_eq!(rec.take().len(), 1, "a lazy load is one statement");
    assert_eq!(names(&writers, |w| &w.name), ["Gaiman", "Pratchett"]);
    assert_eq!(hobbit.writers().count(db).await?, 2);
    assert_eq!(hobbit.writers().filter(Writer::NAME.like("G%")).count(db).await?, 1);
    let desc = hobbit.writers().order_by(Writer::NAME.desc()).all(db).await?;
    assert_eq!(names(&desc, |w| &w.name), ["Pratchett", "Gaiman"]);

    // The backref: Writer.books, generated.
    other.writers().add(db, &pratchett).await?;
    let books = pratchett.books().order_by(Book::TITLE).all(db).await?;
    assert_eq!(names(&books, |b| &b.title), ["Good Omens", "Mort"]);
    assert!(gaiman.books().add(db, &other).await?);
    assert_eq!(other.writers().count(db).await?, 2);

    assert!(hobbit.writers().remove(db, &gaiman).await?);
    assert!(!hobbit.writers().remove(db, &gaiman).await?);
    assert_eq!(hobbit.writers().count(db).await?, 1);
    assert_eq!(hobbit.writers().clear(db).await?, 1);
    assert_eq!(hobbit.writers().count(db).await?, 0);
    assert_eq!(Writer::query().count(db).await?, 2, "targets are never touched");
    Ok(())
});

scenario!(async fn set_replaces_with_the_fewest_writes(db, backend) {
    use library::*;
    db.create_all(&orm::models![Book]).await?;
    let b = db.insert(book("Anthology")).await?;
    let ws = db
        .insert_many((0..5).map(|i| writer(&format!("w{i}"))).collect())
        .await?;
    b.writers().add_many(db, &ws[0..3]).await?;
    let rec = db.recorder();
    b.writers().set(db, &ws[2..5]).await?;
    let sql: Vec<String> = rec.take().into_iter().filter(|s| !s.starts_with("BEGIN") && s != "COMMIT").collect();
    assert_eq!(sql.len(), 2, "{sql:?}");
    assert!(sql[0].starts_with("DELETE") && sql[1].starts_with("INSERT"), "{sql:?}");
    let now = b.writers().order_by(Writer::NAME).all(db).await?;
    assert_eq!(names(&now, |w| &w.name), ["w2", "w3", "w4"]);
    b.writers().set(db, &[]).await?;
    assert_eq!(b.writers().count(db).await?, 0);
    Ok(())
});

scenario!(async fn deleting_either_end_removes_its_pairs(db, backend) {
    use library::*;
    db.create_all(&orm::models![Book]).await?;
    let a = db.insert(book("A")).await?;
    let b = db.insert(book("B")).await?;
    let w = db.insert(writer("W")).await?;
    a.writers().add(db, &w).await?;
    b.writers().add(db, &w).await?;
    db.delete(&a).await?;
    assert_eq!(w.books().count(db).await?, 1);
    db.delete(&w).await?;
    assert_eq!(b.writers().count(db).await?, 0);
    let pairs: i64 = orm::raw("SELECT COUNT(*) FROM book_writers").scalar(db).await?;
    assert_eq!(pairs, 0);
    Ok(())
});

scenario!(async fn association_objects(db, backend) {
    use blog::*;
    db.create_all(&orm::models![Post, Tag, PostTag]).await?;
    let p = db.insert(post("Hello")).await?;
    let rust = db.insert(tag("rust")).await?;
    let sql = db.insert(tag("sql")).await?;
    // Through the proxy: the extra column takes its default.
    assert!(p.tags().add(db, &rust).await?);
    // With a constructor for the extra columns.
    let row = p
        .tags()
        .add_with(db, &sql, PostTag { post_id: 0, tag_id: 0, weight: Some(5), post: BelongsTo::default(), tag: BelongsTo::default() })
        .await?;
    assert_eq!((row.post_id, row.tag_id), (p.id, sql.id));

    let rows = p.post_tags().order_by(PostTag::TAG_ID).all(db).await?;
    assert_eq!(rows.iter().map(|r| r.weight).collect::<Vec<_>>(), [Some(1), Some(5)]);
    // Association rows with their targets.
    let with_tags = PostTag::query()
        .join(PostTag::TAG)
        .filter(PostTag::POST.is(&p))
        .order_by(Tag::NAME)
        .all_with::<Tag>(db)
        .await?;
    assert_eq!(with_tags.iter().map(|(r, t)| (t.name.as_str(), r.weight)).collect::<Vec<_>>(), [("rust", Some(1)), ("sql", Some(5))]);
    assert_eq!(names(&p.tags().order_by(Tag::NAME).all(db).await?, |t| &t.name), ["rust", "sql"]);
    assert_eq!(rust.posts().count(db).await?, 1);

    // Deleting the post removes its association rows first.
    db.delete(&p).await?;
    assert_eq!(PostTag::query().count(db).await?, 0);
    assert_eq!(Tag::query().count(db).await?, 2);
    Ok(())
});

scenario!(async fn self_referential_following(db, backend) {
    use social::*;
    db.create_all(&orm::models![Member]).await?;
    let ann = db.insert(member("ann")).await?;
    let bob = db.insert(member("bob")).await?;
    let cat = db.insert(member("cat")).await?;
    ann.following().add_many(db, &[bob.clone(), cat.clone()]).await?;
    bob.following().add(db, &cat).await?;
    assert_eq!(names(&ann.following().all(db).await?, |m| &m.name), ["bob", "cat"]);
    assert_eq!(names(&cat.followers().all(db).await?, |m| &m.name), ["ann", "bob"]);
    assert_eq!(ann.followers().count(db).await?, 0);
    // Filters through a self-referential association.
    let follow_cat = Member::query().filter(Member::FOLLOWING.contains(&cat)).order_by(Member::NAME).all(db).await?;
    assert_eq!(names(&follow_cat, |m| &m.name), ["ann", "bob"]);
    let followed_by_ann = Member::query().filter(Member::FOLLOWERS.any(Member::NAME.eq("ann"))).count(db).await?;
    assert_eq!(followed_by_ann, 2);
    assert_eq!(names(&Member::query().filter(Member::FOLLOWING.is_none()).all(db).await?, |m| &m.name), ["cat"]);
    Ok(())
});

scenario!(async fn many_to_many_filters_and_joins(db, backend) {
    use blog::*;
    db.create_all(&orm::models![Post, Tag, PostTag]).await?;
    let p1 = db.insert(post("one")).await?;
    let p2 = db.insert(post("two")).await?;
    db.insert(post("three")).await?;
    let rust = db.insert(tag("rust")).await?;
    let sql = db.insert(tag("sql")).await?;
    p1.tags().add_many(db, &[rust.clone(), sql.clone()]).await?;
    p2.tags().add(db, &sql).await?;

    let rusty = Post::query().filter(Post::TAGS.any(Tag::NAME.eq("rust"))).all(db).await?;
    assert_eq!(names(&rusty, |p| &p.title), ["one"]);
    assert_eq!(Post::query().filter(Post::TAGS.contains(&sql)).count(db).await?, 2);
    assert_eq!(Post::query().filter(Post::TAGS.is_none()).count(db).await?, 1);
    let joined = Post::query().join(Post::TAGS).filter(Tag::NAME.eq("sql")).order_by(Post::TITLE).all(db).await?;
    assert_eq!(names(&joined, |p| &p.title), ["one", "two"]);
    // Each root once, even with several matching tags.
    assert_eq!(Post::query().join(Post::TAGS).count(db).await?, 2);
    Ok(())
});
