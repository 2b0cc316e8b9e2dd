//! `#[derive(orm::Enum)]`: enums stored as text or as integers, with the
//! values checked by the database.

use orm::prelude::*;

#[derive(orm::Enum, Debug, Clone, Copy, PartialEq)]
pub enum Status {
    Draft,
    InReview,
    #[orm(rename = "live")]
    Published,
}

#[derive(orm::Enum, Debug, Clone, Copy, PartialEq)]
#[orm(repr = "int")]
pub enum Priority {
    Low = 1,
    Normal,
    High = 10,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "en_tasks")]
pub struct Task {
    #[model(primary_key)]
    pub id: i64,
    pub status: Status,
    pub priority: Priority,
    pub previous: Option<Status>,
}

scenario!(async fn enums_round_trip_as_text_and_integers(db, backend) {
    db.create_all(&orm::models![Task]).await?;
    let all = [
        (Status::Draft, Priority::Low, None),
        (Status::InReview, Priority::Normal, Some(Status::Draft)),
        (Status::Published, Priority::High, Some(Status::InReview)),
    ];
    let tasks = all.map(|(status, priority, previous)| Task { id: 0, status, priority, previous });
    for task in tasks.clone() {
        db.insert(task).await?;
    }
    // A bulk insert binds them alike.
    assert_eq!(db.bulk_insert(&tasks).await?, 3);
    let read: Vec<(Status, Priority, Option<Status>)> = Task::query()
        .order_by(Task::ID)
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.status, t.priority, t.previous))
        .collect();
    assert_eq!(read, [all, all].concat());
    // Stored as the text and numbers the docs say.
    for (status, priority) in [("draft", 1), ("in_review", 2), ("live", 10)] {
        let n: i64 = orm::raw("SELECT COUNT(*) FROM en_tasks WHERE status = ? AND priority = ?")
            .bind_str(status)
            .bind(priority)
            .scalar(db)
            .await?;
        assert_eq!(n, 2, "{status} {priority}");
    }
    // Filters take the enum.
    let live = Task::query().filter(Task::STATUS.eq(Status::Published)).all(db).await?;
    assert_eq!(live.iter().map(|t| t.priority).collect::<Vec<_>>(), [Priority::High; 2]);
    let n = Task::query().filter(Task::PREVIOUS.eq(Status::Draft)).count(db).await?;
    assert_eq!(n, 2);
    let n = Task::query().filter(Task::PRIORITY.in_list([Priority::Low, Priority::High])).count(db).await?;
    assert_eq!(n, 4);
    Ok(())
});

scenario!(async fn the_database_refuses_values_no_variant_has(db, backend) {
    db.create_all(&orm::models![Task]).await?;
    for sql in [
        "INSERT INTO en_tasks (status, priority) VALUES ('archived', 1)",
        "INSERT INTO en_tasks (status, priority) VALUES ('draft', 3)",
    ] {
        let err = orm::raw(sql).execute(db).await.unwrap_err();
        assert!(matches!(err, orm::Error::CheckViolation { .. }), "the CHECK refused it: {err:?}");
    }
    assert_eq!(Task::query().count(db).await?, 0);
    Ok(())
});
