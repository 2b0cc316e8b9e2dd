//! Projections and aggregates: the same Rust types on every backend.

use orm::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "ag_users")]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    #[model(max_length = 40)]
    pub name: String,
    #[has_many(Post, back_populates = "author")]
    pub posts: HasMany<Post>,
    #[has_many(Tag)]
    #[secondary(table = "ag_user_tags")]
    pub tags: HasMany<Tag>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "ag_posts")]
pub struct Post {
    #[model(primary_key)]
    pub id: i64,
    pub author_id: i64,
    pub views: i32,
    pub score: f64,
    pub likes: Option<i64>,
    #[belongs_to(User, back_populates = "posts")]
    pub author: BelongsTo<User>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "ag_tags")]
pub struct Tag {
    #[model(primary_key)]
    pub id: i64,
    #[model(max_length = 20)]
    pub name: String,
}

fn post(views: i32, score: f64, likes: Option<i64>) -> Post {
    Post {
        id: 0,
        author_id: 0,
        views,
        score,
        likes,
        author: BelongsTo::default(),
    }
}

/// ada: 3 posts, bob: 1, cy: none.
async fn setup(db: &Db) -> orm::Result<(User, User, User)> {
    db.create_all(&orm::models![User, Post, Tag]).await?;
    let rust = db
        .insert(Tag {
            id: 0,
            name: "rust".into(),
        })
        .await?;
    let user = |name: &str, posts: Vec<Post>| User {
        id: 0,
        name: name.into(),
        posts: HasMany::new(posts),
        tags: HasMany::default(),
    };
    let ada = db
        .insert(user(
            "ada",
            vec![
                post(10, 1.5, Some(3)),
                post(20, 2.5, None),
                post(2_000_000_000, 0.5, Some(4)),
            ],
        ))
        .await?;
    let bob = db.insert(user("bob", vec![post(7, 4.0, None)])).await?;
    let cy = db.insert(user("cy", vec![])).await?;
    ada.tags().add(db, &rust).await?;
    Ok((ada, bob, cy))
}

/// Per author: id, posts, views summed and averaged, score summed, views
/// min and max, likes counted.
type AuthorStats = (
    i64,
    i64,
    Option<i64>,
    Option<f64>,
    Option<f64>,
    Option<i32>,
    Option<i32>,
    i64,
);

scenario!(async fn grouped_aggregates_read_into_one_set_of_types(db, backend) {
    let (ada, bob, _) = setup(db).await?;
    let rec = db.recorder();
    let rows: Vec<AuthorStats> = Post::query()
        .select((
            Post::AUTHOR_ID,
            orm::count(),
            Post::VIEWS.sum(),
            Post::VIEWS.avg(),
            Post::SCORE.sum(),
            Post::VIEWS.min(),
            Post::VIEWS.max(),
            Post::LIKES.count(),
        ))
        .group_by(Post::AUTHOR_ID)
        .order_by(Post::AUTHOR_ID)
        .all(db)
        .await?;
    assert_eq!(rec.count(), 1);
    assert_eq!(rows.len(), 2);
    let (author, n, sum, avg, score, min, max, likes) = rows[0];
    assert_eq!((author, n, likes), (ada.id, 3, 2));
    // 2,000,000,030 does not fit an i32: the sum is an i64 everywhere.
    assert_eq!(sum, Some(2_000_000_030));
    assert!((avg.unwrap() - 2_000_000_030.0 / 3.0).abs() < 1e-3, "{avg:?}");
    assert_eq!(score, Some(4.5));
    assert_eq!((min, max), (Some(10), Some(2_000_000_000)));
    assert_eq!(rows[1], (bob.id, 1, Some(7), Some(7.0), Some(4.0), Some(7), Some(7), 0));

    // Over no row: COUNT is 0, the others NULL.
    let none: (i64, Option<i64>, Option<f64>, Option<i32>) = Post::query()
        .filter(Post::VIEWS.lt(0))
        .select((orm::count(), Post::VIEWS.sum(), Post::VIEWS.avg(), Post::VIEWS.max()))
        .one(db)
        .await?;
    assert_eq!(none, (0, None, None, None));
    Ok(())
});

scenario!(async fn having_and_ordering_by_an_aggregate(db, backend) {
    let (ada, bob, _) = setup(db).await?;
    db.insert(Post { author_id: bob.id, ..post(1, 1.0, None) }).await?;
    db.insert(Post { author_id: bob.id, ..post(1, 1.0, None) }).await?;
    db.insert(Post { author_id: bob.id, ..post(1, 1.0, None) }).await?;
    let busiest: Vec<(i64, i64)> = Post::query()
        .select((Post::AUTHOR_ID, orm::count()))
        .group_by(Post::AUTHOR_ID)
        .having(orm::count().ge(2))
        .order_by(orm::count().desc())
        .all(db)
        .await?;
    assert_eq!(busiest, [(bob.id, 4), (ada.id, 3)]);
    let top: (i64, Option<i64>) = Post::query()
        .select((Post::AUTHOR_ID, Post::VIEWS.sum()))
        .group_by(Post::AUTHOR_ID)
        .having(Post::VIEWS.sum().lt(1_000))
        .one(db)
        .await?;
    assert_eq!(top, (bob.id, Some(10)));
    // One column, distinct counts.
    let authors: i64 = Post::query().select(Post::AUTHOR_ID.count_distinct()).one(db).await?;
    assert_eq!(authors, 2);
    let ids: Vec<i64> = User::query().select(User::ID).order_by(User::ID).all(db).await?;
    assert_eq!(ids.len(), 3);
    Ok(())
});

scenario!(async fn relationship_counts_in_one_statement(db, backend) {
    let (ada, bob, cy) = setup(db).await?;
    let rec = db.recorder();
    let counts: Vec<(String, i64, i64)> = User::query()
        .select((User::NAME, User::POSTS.count(), User::TAGS.count()))
        .order_by(User::NAME)
        .all(db)
        .await?;
    assert_eq!(rec.count(), 1, "no N+1");
    assert_eq!(
        counts,
        [("ada".to_string(), 3, 1), ("bob".to_string(), 1, 0), ("cy".to_string(), 0, 0)]
    );
    let _ = (ada, bob, cy);
    // A count in a filter and an order.
    let prolific: Vec<String> = User::query()
        .filter(User::POSTS.count().gt(0))
        .order_by(User::POSTS.count().desc())
        .select(User::NAME)
        .all(db)
        .await?;
    assert_eq!(prolific, ["ada", "bob"]);
    Ok(())
});

scenario!(async fn a_projection_with_includes_is_refused(db, backend) {
    setup(db).await?;
    let err = User::query().include(User::POSTS).select(User::ID).all(db).await.unwrap_err();
    assert!(matches!(&err, orm::Error::Config(m) if m.contains("include")), "{err:?}");
    Ok(())
});

#[derive(orm::FromRow, Debug, PartialEq)]
pub struct AuthorPosts {
    pub name: String,
    pub posts: i64,
    pub views: Option<i64>,
}

scenario!(async fn a_projection_reads_into_a_plain_struct(db, backend) {
    setup(db).await?;
    let stats: Vec<AuthorPosts> = Post::query()
        .join(Post::AUTHOR)
        .select((User::NAME, orm::count(), Post::VIEWS.sum()))
        .group_by(User::NAME)
        .order_by(User::NAME)
        .all_into(db)
        .await?;
    assert_eq!(
        stats,
        [
            AuthorPosts { name: "ada".into(), posts: 3, views: Some(2_000_000_030) },
            AuthorPosts { name: "bob".into(), posts: 1, views: Some(7) },
        ]
    );
    Ok(())
});

scenario!(async fn averages_keep_their_precision_and_one_means_one(db, backend) {
    let (_, _, cy) = setup(db).await?;
    for views in [5, 7, 10] {
        db.insert(Post { author_id: cy.id, ..post(views, 1.0, None) }).await?;
    }
    let grouped: Vec<(i64, Option<f64>)> = Post::query()
        .filter(Post::AUTHOR_ID.eq(cy.id))
        .select((Post::AUTHOR_ID, Post::VIEWS.avg()))
        .group_by(Post::AUTHOR_ID)
        .all(db)
        .await?;
    assert_eq!(grouped, [(cy.id, Some(22.0 / 3.0))]);
    let plain: Option<f64> = Post::query().filter(Post::AUTHOR_ID.eq(cy.id)).select(Post::VIEWS.avg()).one(db).await?;
    assert_eq!(plain, Some(22.0 / 3.0));
    // one() and optional() of a projection tell one row from several.
    let err = Post::query().select(Post::VIEWS).one(db).await.unwrap_err();
    assert!(matches!(err, orm::Error::MultipleRows { .. }), "{err:?}");
    let top: i32 = Post::query().select(Post::VIEWS).order_by(Post::VIEWS.desc()).limit(1).one(db).await?;
    assert_eq!(top, 2_000_000_000);
    Ok(())
});

scenario!(async fn a_loaded_collection_gives_each_child_its_parent(db, backend) {
    let (ada, _, _) = setup(db).await?;
    let rec = db.recorder();
    let users = User::query().include(User::POSTS).order_by(User::NAME).all(db).await?;
    assert_eq!(rec.count(), 2, "the users and their posts: nothing more");
    let first = &users[0];
    assert_eq!(first.id, ada.id);
    for post in first.posts.get()? {
        let author = post.author.get()?;
        assert_eq!((author.id, author.name.as_str()), (ada.id, "ada"));
        assert!(!author.posts.is_loaded(), "the parent's own collections stay unloaded");
    }
    // The eager loads of a query and orm::load do it alike.
    let mut again = User::query().filter(User::ID.eq(ada.id)).all(db).await?;
    orm::load(&mut again, User::POSTS, db).await?;
    assert_eq!(again[0].posts.get()?[0].author.get()?.name, "ada");
    Ok(())
});

/// A value that does not decode names the model and the selected column.
#[tokio::test]
async fn a_projection_decode_error_names_the_column() -> orm::Result<()> {
    let db = Db::connect("sqlite::memory:").await?;
    setup(&db).await?;
    // SQLite keeps text in an INTEGER column when asked to.
    orm::raw("UPDATE ag_posts SET views = 'many'")
        .execute(&db)
        .await?;
    let err = Post::query()
        .select((Post::ID, Post::VIEWS))
        .all(&db)
        .await
        .unwrap_err();
    match err {
        orm::Error::Decode { model, column, .. } => assert_eq!((model, column), ("Post", "views")),
        other => panic!("expected Error::Decode, got {other:?}"),
    }
    Ok(())
}
