//! Through a real PgBouncer in transaction pooling mode (`.ci/pgbouncer.sh`;
//! `ORM_TEST_PGBOUNCER_URL` is its URL, `ORM_TEST_POSTGRES_URL` the server's).

use futures_util::TryStreamExt;
use orm::prelude::*;
use orm::{ConnectOptions, Db, Retry};

use crate::models::{Post, User};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(orm_test_pgbouncer),
    ignore = "PgBouncer run skipped: start .ci/pgbouncer.sh and set ORM_TEST_PGBOUNCER_URL"
)]
async fn everything_runs_through_transaction_pooling() {
    let server = std::env::var("ORM_TEST_POSTGRES_URL").expect("ORM_TEST_POSTGRES_URL");
    let bouncer = std::env::var("ORM_TEST_PGBOUNCER_URL").expect("ORM_TEST_PGBOUNCER_URL");
    let database = format!("orm_pgbouncer_{}", std::process::id());
    let admin = Db::connect(&server).await.unwrap();
    orm::raw(format!("DROP DATABASE IF EXISTS \"{database}\""))
        .execute(&admin)
        .await
        .unwrap();
    orm::raw(format!("CREATE DATABASE \"{database}\""))
        .execute(&admin)
        .await
        .unwrap();
    // More client connections than PgBouncer's ten server connections, so
    // that transactions of different clients share server connections.
    let db = Db::connect_with(
        ConnectOptions::new(crate::harness::with_database(&bouncer, &database))
            .statement_cache(false)
            .max_connections(30),
    )
    .await
    .unwrap();
    db.create_all(&orm::models![User, Post]).await.unwrap();

    let mut tasks: Vec<tokio::task::JoinHandle<orm::Result<()>>> = Vec::new();
    for i in 0..32 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let user = db.insert(User::new(&format!("u{i}@example.com"))).await?;
            for j in 0..5 {
                db.insert(Post {
                    id: 0,
                    author_id: user.id,
                    title: format!("p{i}-{j}"),
                    views: j,
                    published: j % 2 == 0,
                })
                .await?;
            }
            let posts = Post::query()
                .filter(Post::AUTHOR_ID.eq(user.id))
                .all(&db)
                .await?;
            assert_eq!(posts.len(), 5);
            let mut user = User::get(&db, user.id).await?;
            user.karma += 1;
            db.update(&mut user).await?;
            let retry = Retry::default();
            db.transaction_with_retry(&retry, async |tx| {
                let n = Post::query()
                    .filter(Post::AUTHOR_ID.eq(user.id))
                    .count(&tx)
                    .await?;
                Post::query()
                    .filter(Post::AUTHOR_ID.eq(user.id).and(Post::VIEWS.eq(0)))
                    .delete(&tx)
                    .await?;
                Ok(n)
            })
            .await?;
            Ok(())
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(User::query().count(&db).await.unwrap(), 32);
    assert_eq!(Post::query().count(&db).await.unwrap(), 32 * 4);
    let karma: Vec<i32> = User::query()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.karma)
        .collect();
    assert!(karma.iter().all(|k| *k == 1));
    let streamed: Vec<Post> = Post::query().stream(&db).try_collect().await.unwrap();
    assert_eq!(streamed.len(), 32 * 4);

    // A statement without parameters goes by the simple protocol, outside
    // any transaction: one that cannot run inside one works.
    let rec = db.recorder();
    orm::raw("VACUUM \"users\"").execute(&db).await.unwrap();
    assert_eq!(rec.take(), ["VACUUM \"users\""]);
    // The transaction around one statement is not the user's: the recorder
    // lists the statement alone.
    User::query().count(&db).await.unwrap();
    assert_eq!(rec.count(), 1, "{:?}", rec.statements());

    // A failing statement leaves nothing behind on the shared connection.
    let err = db.insert(User::new("u0@example.com")).await.unwrap_err();
    assert!(err.is_unique_violation(), "{err:?}");
    assert_eq!(User::query().count(&db).await.unwrap(), 32);
    db.close().await;

    // sqlx's URL parameter turning the cache off means the same.
    let url = crate::harness::with_database(&bouncer, &database);
    let db = Db::connect(&crate::harness::with_param(
        &url,
        "statement-cache-capacity=0",
    ))
    .await
    .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move { Post::query().count(&db).await }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), 32 * 4);
    }
    db.close().await;
    orm::raw(format!("DROP DATABASE \"{database}\" WITH (FORCE)"))
        .execute(&admin)
        .await
        .unwrap();
}
