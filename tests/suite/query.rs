//! The query builder: operators, ordering, paging and terminals.

use futures_util::TryStreamExt;
use orm::prelude::*;

use crate::harness::Backend;
use crate::models::*;

/// Five users and a post each for the first three.
async fn seed(db: &Db) -> orm::Result<Vec<User>> {
    db.create_all(&orm::models![User, Post]).await?;
    let users = db
        .insert_many(vec![
            User {
                id: 0,
                email: "ada@example.com".into(),
                nickname: Some("Countess".into()),
                karma: 10,
            },
            User {
                id: 0,
                email: "grace@example.com".into(),
                nickname: None,
                karma: 20,
            },
            User {
                id: 0,
                email: "linus@kernel.org".into(),
                nickname: Some("torvalds".into()),
                karma: 30,
            },
            User {
                id: 0,
                email: "barbara@example.com".into(),
                nickname: None,
                karma: 40,
            },
            User {
                id: 0,
                email: "Edsger@Example.com".into(),
                nickname: Some("ewd".into()),
                karma: 50,
            },
        ])
        .await?;
    for (i, u) in users.iter().take(3).enumerate() {
        db.insert(Post {
            id: 0,
            author_id: u.id,
            title: format!("post {i}"),
            views: i as i32 * 10,
            published: i % 2 == 0,
        })
        .await?;
    }
    Ok(users)
}

fn emails(users: &[User]) -> Vec<&str> {
    users.iter().map(|u| u.email.as_str()).collect()
}

scenario!(async fn comparison_operators(db, backend) {
    seed(db).await?;
    let by = |e: Expr| User::query().filter(e).order_by(User::KARMA);
    assert_eq!(emails(&by(User::KARMA.eq(20)).all(db).await?), ["grace@example.com"]);
    assert_eq!(by(User::KARMA.ne(20)).count(db).await?, 4);
    assert_eq!(by(User::KARMA.lt(20)).count(db).await?, 1);
    assert_eq!(by(User::KARMA.le(20)).count(db).await?, 2);
    assert_eq!(by(User::KARMA.gt(20)).count(db).await?, 3);
    assert_eq!(by(User::KARMA.ge(20)).count(db).await?, 4);
    assert_eq!(by(User::KARMA.between(20, 40)).count(db).await?, 3);
    assert_eq!(by(User::KARMA.in_list([10, 50, 99])).count(db).await?, 2);
    assert_eq!(by(User::KARMA.not_in([10, 50])).count(db).await?, 3);
    assert_eq!(by(User::KARMA.in_list(Vec::<i32>::new())).count(db).await?, 0);
    assert_eq!(by(User::KARMA.not_in(Vec::<i32>::new())).count(db).await?, 5);
    assert_eq!(by(User::EMAIL.eq("ada@example.com")).count(db).await?, 1);
    Ok(())
});

scenario!(async fn null_tests_and_optional_columns(db, backend) {
    seed(db).await?;
    assert_eq!(User::query().filter(User::NICKNAME.is_null()).count(db).await?, 2);
    assert_eq!(User::query().filter(User::NICKNAME.is_not_null()).count(db).await?, 3);
    // A nullable column compares with a plain value.
    assert_eq!(User::query().filter(User::NICKNAME.eq("ewd")).count(db).await?, 1);
    Ok(())
});

scenario!(async fn like_is_case_sensitive_and_ilike_is_not(db, backend) {
    seed(db).await?;
    let like = User::query().filter(User::EMAIL.like("%@example.com")).count(db).await?;
    assert_eq!(like, 3, "Edsger@Example.com does not match a case-sensitive LIKE");
    let ilike = User::query().filter(User::EMAIL.ilike("%@EXAMPLE.com")).count(db).await?;
    assert_eq!(ilike, 4);
    Ok(())
});

scenario!(async fn and_or_not(db, backend) {
    seed(db).await?;
    let q = User::query().filter(
        User::EMAIL.like("%@example.com").and(User::NICKNAME.is_not_null()),
    );
    assert_eq!(emails(&q.all(db).await?), ["ada@example.com"]);
    let q = User::query()
        .filter(User::KARMA.eq(10).or(User::KARMA.eq(30)).or(User::KARMA.eq(50)))
        .order_by(User::KARMA.desc());
    assert_eq!(q.all(db).await?.iter().map(|u| u.karma).collect::<Vec<_>>(), [50, 30, 10]);
    let q = User::query().filter(User::KARMA.gt(20).not());
    assert_eq!(q.count(db).await?, 2);
    let q = User::query().filter((User::KARMA.lt(20) | User::KARMA.gt(40)) & !User::NICKNAME.is_null());
    assert_eq!(q.count(db).await?, 2);
    // Several filters all apply.
    let q = User::query().filter(User::KARMA.gt(10)).filter(User::KARMA.lt(50));
    assert_eq!(q.count(db).await?, 3);
    Ok(())
});

scenario!(async fn ordering_limit_and_offset(db, backend) {
    seed(db).await?;
    let page = User::query().order_by(User::KARMA.desc()).limit(2).offset(1).all(db).await?;
    assert_eq!(page.iter().map(|u| u.karma).collect::<Vec<_>>(), [40, 30]);
    let rest = User::query().order_by(User::KARMA).offset(3).all(db).await?;
    assert_eq!(rest.iter().map(|u| u.karma).collect::<Vec<_>>(), [40, 50]);
    Ok(())
});

scenario!(async fn first_one_optional_exists(db, backend) {
    seed(db).await?;
    let first = User::query().order_by(User::KARMA).first(db).await?;
    assert_eq!(first.map(|u| u.karma), Some(10));
    assert_eq!(User::query().filter(User::KARMA.gt(100)).first(db).await?, None);

    let one = User::query().filter(User::KARMA.eq(30)).one(db).await?;
    assert_eq!(one.email, "linus@kernel.org");
    let none = User::query().filter(User::KARMA.eq(31)).one(db).await.unwrap_err();
    assert!(none.is_not_found());
    let many = User::query().filter(User::KARMA.gt(10)).one(db).await.unwrap_err();
    assert!(matches!(many, Error::MultipleRows { model: "User" }), "{many:?}");

    assert_eq!(User::query().filter(User::KARMA.eq(31)).optional(db).await?, None);
    assert!(User::query().filter(User::KARMA.gt(10)).optional(db).await.is_err());

    assert!(User::query().filter(User::KARMA.eq(30)).exists(db).await?);
    assert!(!User::query().filter(User::KARMA.eq(31)).exists(db).await?);
    Ok(())
});

scenario!(async fn filtered_update_and_delete(db, backend) {
    seed(db).await?;
    let changed = User::query()
        .filter(User::NICKNAME.is_null())
        .update(db, [User::NICKNAME.set("anonymous"), User::KARMA.set(0)])
        .await?;
    assert_eq!(changed, 2);
    assert_eq!(User::query().filter(User::NICKNAME.eq("anonymous")).count(db).await?, 2);
    assert_eq!(User::query().filter(User::KARMA.eq(0)).count(db).await?, 2);
    let cleared = User::query()
        .filter(User::EMAIL.eq("ada@example.com"))
        .update(db, [User::NICKNAME.set(None)])
        .await?;
    assert_eq!(cleared, 1);

    let deleted = Post::query().filter(Post::PUBLISHED.eq(false)).delete(db).await?;
    assert_eq!(deleted, 1);
    assert_eq!(Post::query().count(db).await?, 2);

    let err = User::query().limit(1).delete(db).await.unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    Ok(())
});

scenario!(async fn stream_yields_every_row(db, backend) {
    seed(db).await?;
    let karma: Vec<i32> = User::query()
        .order_by(User::KARMA)
        .stream(db)
        .map_ok(|u| u.karma)
        .try_collect()
        .await?;
    assert_eq!(karma, [10, 20, 30, 40, 50]);
    Ok(())
});

scenario!(async fn raw_sql_maps_rows_into_models(db, backend) {
    let users = seed(db).await?;
    // Columns in any order, by name, with bound parameters.
    let found: Vec<User> = orm::raw("SELECT karma, email, id, nickname FROM users WHERE karma > ? ORDER BY karma")
        .bind(25)
        .all(db)
        .await?;
    assert_eq!(found, users[2..].to_vec());
    let n: i64 = orm::raw("SELECT COUNT(*) FROM users WHERE email LIKE ?")
        .bind_str("%@example.com")
        .scalar(db)
        .await?;
    assert_eq!(n, 3);
    // `scalar` and `first` read the first row alone: a later row that
    // would not decode is never looked at.
    let first: i64 = orm::raw("SELECT 1 AS v UNION ALL SELECT NULL").scalar(db).await?;
    assert_eq!(first, 1);
    let first: Option<User> = orm::raw(
        "SELECT id, email, nickname, karma FROM users WHERE id = ? \
         UNION ALL SELECT NULL, NULL, NULL, NULL",
    )
    .bind(users[2].id)
    .first(db)
    .await?;
    assert_eq!(first.as_ref(), Some(&users[2]));
    let none: Option<User> = orm::raw("SELECT id, email, nickname, karma FROM users WHERE id < 0")
        .first(db)
        .await?;
    assert_eq!(none, None);
    let changed = orm::raw("UPDATE users SET karma = karma + ? WHERE nickname IS NULL")
        .bind(1)
        .execute(db)
        .await?;
    assert_eq!(changed, 2);
    Ok(())
});

scenario!(async fn raw_sql_runs_as_written_and_names_the_columns_it_lacks(db, backend) {
    let users = seed(db).await?;
    // The statement runs as written: its ORDER BY holds on every backend
    // (MariaDB ignores the order of a derived table), and the recorder
    // shows the text the caller wrote.
    let rec = db.recorder();
    let sql = "SELECT nickname, karma, id, email, 1 AS extra FROM users ORDER BY id DESC";
    let found: Vec<User> = orm::raw(sql).all(db).await?;
    let mut reversed = users.clone();
    reversed.reverse();
    assert_eq!(found, reversed);
    let first: Option<User> = orm::raw(sql).first(db).await?;
    assert_eq!(first.as_ref(), reversed.first());
    assert_eq!(rec.statements(), vec![sql.to_string(), sql.to_string()]);
    // Names that differ in case alone match, as unquoted names do.
    let shouted: Vec<User> = orm::raw("SELECT ID, EMAIL, NICKNAME, KARMA FROM users ORDER BY id")
        .all(db)
        .await?;
    assert_eq!(shouted, users);
    // A column the model reads that the result lacks, or holds twice.
    let err = orm::raw("SELECT id, email FROM users")
        .all::<User>(db)
        .await
        .unwrap_err();
    let orm::Error::Decode { model, column, message } = &err else {
        panic!("expected Decode, got {err:?}");
    };
    assert_eq!((*model, *column), ("User", "nickname"));
    assert!(message.contains("no column of that name (it has `id`, `email`)"), "{message}");
    let err = orm::raw("SELECT u.*, u.id FROM users u")
        .first::<User>(db)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, orm::Error::Decode { column: "id", message, .. } if message.contains("2 columns of that name")),
        "{err:?}"
    );
    // A statement that returns rows is not only a SELECT (MySQL has no
    // RETURNING; MariaDB has).
    let returning = backend != Backend::MySql
        || orm::raw("SELECT VERSION()").scalar::<String>(db).await?.contains("MariaDB");
    if returning {
        let added: Vec<User> = orm::raw(
            "INSERT INTO users (email, nickname, karma) VALUES (?, NULL, ?) RETURNING id, email, nickname, karma",
        )
        .bind_str("new@example.com")
        .bind(5)
        .all(db)
        .await?;
        assert_eq!(added.len(), 1);
        assert_eq!(User::get(db, added[0].id).await?, added[0]);
        // `execute` of a statement that returns rows counts them (MariaDB
        // reports no rows affected for a RETURNING).
        let returned = orm::raw("INSERT INTO users (email, karma) VALUES (?, 1), (?, 2) RETURNING id")
            .bind_str("two@example.com")
            .bind_str("three@example.com")
            .execute(db)
            .await?;
        assert_eq!(returned, 2);
        let deleted = orm::raw("DELETE FROM users WHERE karma < ? RETURNING id").bind(3).execute(db).await?;
        assert_eq!(deleted, 2);
    }
    // A read counts the rows it returned, none when it returned none (SQLite
    // reports the changes of the write before it).
    let total = User::query().count(db).await? as u64;
    assert_eq!(orm::raw("UPDATE users SET karma = karma WHERE karma > ?").bind(0).execute(db).await?, total);
    assert_eq!(orm::raw("SELECT id FROM users WHERE id < ?").bind(0).execute(db).await?, 0);
    assert_eq!(orm::raw("SELECT id FROM users").execute(db).await?, total);
    Ok(())
});

scenario!(async fn the_same_raw_sql_bound_with_other_types_runs_as_bound(db, backend) {
    orm::raw("CREATE TABLE probe (id INTEGER PRIMARY KEY, score DOUBLE PRECISION NOT NULL)")
        .execute(db)
        .await?;
    orm::raw("INSERT INTO probe (id, score) VALUES (1, 0), (2, 3)").execute(db).await?;
    // One transaction is one connection, where a statement is prepared
    // once: the second text of each pair must not run with the first's
    // parameter types (PostgreSQL read 2.5 as the bits of an integer).
    let rec = db.recorder();
    let tx = db.begin().await?;
    let update = "UPDATE probe SET score = ? WHERE id = ?";
    assert_eq!(orm::raw(update).bind(3_i64).bind(1_i64).execute(&tx).await?, 1);
    assert_eq!(orm::raw(update).bind(2.5_f64).bind(1_i64).execute(&tx).await?, 1);
    let read = "SELECT score FROM probe WHERE id = ?";
    assert_eq!(orm::raw(read).bind(1_i64).scalar::<f64>(&tx).await?, 2.5);
    assert_eq!(orm::raw(read).bind(1_i32).scalar::<f64>(&tx).await?, 2.5);
    let above = "SELECT COUNT(*) FROM probe WHERE score > ?";
    assert_eq!(orm::raw(above).bind(1_i64).scalar::<i64>(&tx).await?, 2);
    assert_eq!(orm::raw(above).bind(2.75_f64).scalar::<i64>(&tx).await?, 1);
    assert_eq!(orm::raw(above).bind(2_i32).scalar::<i64>(&tx).await?, 2);
    assert_eq!(orm::raw(above).bind(None::<f64>).scalar::<i64>(&tx).await?, 0);
    // A statement ending in `;` or a line comment takes the types too.
    assert_eq!(orm::raw("SELECT COUNT(*) FROM probe WHERE id = ?;").bind(2_i64).scalar::<i64>(&tx).await?, 1);
    assert_eq!(orm::raw("SELECT COUNT(*) FROM probe WHERE id > ? -- both").bind(0_i64).scalar::<i64>(&tx).await?, 2);
    if backend == Backend::Postgres {
        // The types sent name the prepared statement.
        let sql = rec.statements();
        assert_eq!(sql[0], "BEGIN");
        assert_eq!(sql[1], "UPDATE probe SET score = $1 WHERE id = $2\n/* parameters: BIGINT, BIGINT */");
        assert_eq!(sql[2], "UPDATE probe SET score = $1 WHERE id = $2\n/* parameters: DOUBLE PRECISION, BIGINT */");
    }
    tx.commit().await?;
    Ok(())
});

scenario!(async fn values_are_bound_not_spliced(db, backend) {
    seed(db).await?;
    let hostile = "x' OR '1'='1";
    assert_eq!(User::query().filter(User::EMAIL.eq(hostile)).count(db).await?, 0);
    let mut u = User::new("quote'\"`@example.com");
    u.nickname = Some("Robert'); DROP TABLE users;--".into());
    let u = db.insert(u).await?;
    assert_eq!(User::get(db, u.id).await?, u);
    assert_eq!(User::query().count(db).await?, 6);
    Ok(())
});

scenario!(async fn cached_statements_are_reused(db, backend) {
    seed(db).await?;
    let rec = db.recorder();
    let a = User::query().all(db).await?;
    let b = User::query().all(db).await?;
    assert_eq!(a, b);
    let sql = rec.statements();
    assert_eq!(sql.len(), 2);
    assert_eq!(sql[0], sql[1]);
    assert!(!sql[0].contains("WHERE"));
    Ok(())
});

#[test]
fn generated_sql_per_dialect() {
    let q = User::query()
        .filter(
            User::EMAIL.ilike("%@example.com")
                & (User::KARMA.between(1, 9) | User::NICKNAME.is_null())
                & User::ID.not_in([1_i64, 2]),
        )
        .order_by(User::KARMA.desc())
        .order_by(User::ID)
        .limit(20)
        .offset(40);
    for dialect in orm::Dialect::ALL {
        let (sql, binds) = q.to_sql(dialect).unwrap();
        insta::assert_snapshot!(
            format!("select_{dialect:?}"),
            format!("{sql}\n-- {} binds", binds.len())
        );
    }
}

scenario!(async fn count_and_exists_see_limit_and_offset(db, backend) {
    seed(db).await?;
    let all = || User::query().order_by(User::KARMA);
    assert_eq!(all().count(db).await?, 5);
    assert_eq!(all().limit(2).count(db).await?, 2);
    assert_eq!(all().limit(20).count(db).await?, 5);
    assert_eq!(all().offset(4).count(db).await?, 1);
    assert_eq!(all().offset(5).count(db).await?, 0);
    assert_eq!(all().limit(2).offset(4).count(db).await?, 1);
    assert_eq!(all().limit(0).count(db).await?, 0);
    // count() agrees with all().len() for every page.
    for (limit, offset) in [(1, 0), (3, 1), (3, 3), (10, 2)] {
        let page = all().limit(limit).offset(offset);
        assert_eq!(page.clone().count(db).await?, page.all(db).await?.len() as i64);
    }
    assert!(all().offset(4).exists(db).await?);
    assert!(!all().offset(5).exists(db).await?);
    assert!(!all().limit(0).exists(db).await?);
    assert!(all().limit(1).offset(2).exists(db).await?);
    Ok(())
});

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "notes")]
pub struct Note {
    #[model(primary_key)]
    pub id: i64,
    pub body: String,
}

scenario!(async fn literal_text_search_escapes_wildcards(db, backend) {
    db.create_all(&orm::models![Note]).await?;
    let bodies = [
        "100%_off", "100 off", "100%", "a_b", "axb", r"back\slash", r"back\", r"\", "%", "_",
        r"\%", r"\\", "it's", "say \"hi\"", "Ünïcode ✓", "UPPER lower", "tab\there", "",
    ];
    db.insert_many(bodies.iter().map(|b| Note { id: 0, body: b.to_string() }).collect()).await?;
    let needles = [
        "%", "_", r"\", "100%", "%_", "_off", r"\s", r"back\", r"\\", "'", "\"", "ï", "upper",
        "UPPER", "", "\t", "no such text",
    ];
    let matching = |pred: &dyn Fn(&str) -> bool| {
        let mut m: Vec<&str> = bodies.iter().copied().filter(|b| pred(b)).collect();
        m.sort();
        m
    };
    let found = async |e: Expr| -> orm::Result<Vec<String>> {
        let mut b: Vec<String> = Note::query().filter(e).all(db).await?.into_iter().map(|n| n.body).collect();
        b.sort();
        Ok(b)
    };
    for needle in needles {
        assert_eq!(
            found(Note::BODY.contains(needle)).await?,
            matching(&|b| b.contains(needle)),
            "contains({needle:?})"
        );
        assert_eq!(
            found(Note::BODY.starts_with(needle)).await?,
            matching(&|b| b.starts_with(needle)),
            "starts_with({needle:?})"
        );
        assert_eq!(
            found(Note::BODY.ends_with(needle)).await?,
            matching(&|b| b.ends_with(needle)),
            "ends_with({needle:?})"
        );
        // An owned String works as well as a &str.
        let owned: String = needle.into();
        assert_eq!(
            found(Note::BODY.contains(owned)).await?,
            matching(&|b| b.contains(needle)),
            "contains({needle:?}.to_string())"
        );
    }
    // like() escapes with `\` on every backend; a lone trailing `\` is refused
    // before anything is sent.
    assert_eq!(found(Note::BODY.like(r"100\%%")).await?, ["100%", "100%_off"]);
    assert_eq!(found(Note::BODY.like(r"a\_b")).await?, ["a_b"]);
    assert_eq!(found(Note::BODY.like(r"back\\")).await?, [r"back\"]);
    let err = Note::query().filter(Note::BODY.like(r"back\")).all(db).await.unwrap_err();
    assert!(matches!(err, orm::Error::Config(ref m) if m.contains("escape character")), "{err:?}");
    assert_eq!(found(Note::BODY.ilike(r"upper%")).await?, ["UPPER lower"]);
    Ok(())
});

scenario!(async fn ilike_folds_unicode_case_on_every_backend(db, backend) {
    db.create_all(&orm::models![Note]).await?;
    db.insert_many(["éclair", "Éclair", "ÉCLAIR", "eclair", "Straße", "STRASSE", "Ωmega", "ωmega"].iter().map(|b| Note { id: 0, body: b.to_string() }).collect()).await?;
    let found = async |p: &str| -> orm::Result<Vec<String>> {
        let mut b: Vec<String> = Note::query().filter(Note::BODY.ilike(p)).all(db).await?.into_iter().map(|n| n.body).collect();
        b.sort();
        Ok(b)
    };
    assert_eq!(found("é%").await?, ["ÉCLAIR", "Éclair", "éclair"]);
    assert_eq!(found("%CLAIR").await?, ["eclair", "ÉCLAIR", "Éclair", "éclair"]);
    assert_eq!(found("ω%").await?, ["Ωmega", "ωmega"]);
    Ok(())
});

scenario!(async fn a_list_past_the_bind_limit_runs_on_postgres_and_is_refused_elsewhere(db, backend) {
    let users = seed(db).await?;
    // Every key from 1 to 70,000: more values than one statement binds on
    // SQLite (32,766) and MySQL (65,535).
    let ids: Vec<i64> = (1..=70_000).collect();
    let rec = db.recorder();
    let within = User::query().filter(User::ID.in_list(ids.clone())).count(db).await;
    let outside = User::query().filter(User::ID.not_in(ids.clone())).count(db).await;
    if backend == Backend::Postgres {
        // One array parameter, whatever the length.
        assert_eq!(within?, users.len() as i64);
        assert_eq!(outside?, 0);
        let sql = rec.take();
        assert!(sql[0].contains("= ANY($1)"), "{sql:?}");
        assert!(sql[1].contains("<> ALL($1)"), "{sql:?}");
    } else {
        for refused in [within, outside] {
            match refused {
                Err(orm::Error::TooManyValues { values, limit }) => {
                    assert_eq!(values, 70_000);
                    assert_eq!(limit, if backend == Backend::Sqlite { 32_766 } else { 65_535 });
                }
                other => panic!("{other:?}"),
            }
        }
        // Refused before it was sent.
        assert!(rec.take().is_empty());
    }
    // A short list, and a list of text, the same on every backend.
    let some = User::query().filter(User::ID.in_list([users[0].id, users[2].id])).count(db).await?;
    assert_eq!(some, 2);
    let emails = [users[1].email.clone(), "nobody@example.com".to_string()];
    let found = User::query().filter(User::EMAIL.in_list(emails.clone())).all(db).await?;
    assert_eq!(found, vec![users[1].clone()]);
    let others = User::query().filter(User::EMAIL.not_in(emails)).count(db).await?;
    assert_eq!(others, users.len() as i64 - 1);
    Ok(())
});
