//! One table joined several times, and a table joined to itself: each
//! join after the first goes by its relationship's name.

use orm::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "al_people")]
pub struct Person {
    #[model(primary_key)]
    pub id: i64,
    #[model(max_length = 40)]
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "al_messages")]
pub struct Message {
    #[model(primary_key)]
    pub id: i64,
    pub sender_id: i64,
    pub recipient_id: i64,
    pub text: String,
    #[belongs_to(Person, key = "sender_id")]
    pub sender: BelongsTo<Person>,
    #[belongs_to(Person, key = "recipient_id")]
    pub recipient: BelongsTo<Person>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "al_employees")]
pub struct Employee {
    #[model(primary_key)]
    pub id: i64,
    #[model(max_length = 40)]
    pub name: String,
    pub manager_id: Option<i64>,
    #[belongs_to(Employee, key = "manager_id", back_populates = "reports")]
    pub manager: BelongsTo<Employee>,
    #[has_many(Employee, back_populates = "manager")]
    pub reports: HasMany<Employee>,
}

async fn people(db: &Db) -> orm::Result<(Person, Person, Person)> {
    db.create_all(&orm::models![Person, Message, Employee])
        .await?;
    let p = |name: &str| Person {
        id: 0,
        name: name.into(),
    };
    let ada = db.insert(p("ada")).await?;
    let bob = db.insert(p("bob")).await?;
    let cy = db.insert(p("cy")).await?;
    let m = |s: &Person, r: &Person, text: &str| Message {
        id: 0,
        sender_id: s.id,
        recipient_id: r.id,
        text: text.into(),
        sender: BelongsTo::default(),
        recipient: BelongsTo::default(),
    };
    db.insert(m(&ada, &bob, "ada to bob")).await?;
    db.insert(m(&bob, &ada, "bob to ada")).await?;
    db.insert(m(&cy, &bob, "cy to bob")).await?;
    Ok((ada, bob, cy))
}

scenario!(async fn one_table_joined_twice_each_join_named(db, backend) {
    people(db).await?;
    let rec = db.recorder();
    let texts: Vec<String> = Message::query()
        .join(Message::SENDER)
        .join(Message::RECIPIENT)
        .filter(Message::SENDER.col(Person::NAME).eq("ada"))
        .filter(Message::RECIPIENT.col(Person::NAME).eq("bob"))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(texts, ["ada to bob"]);
    let sql = rec.take().pop().unwrap();
    assert!(sql.contains("AS \"recipient\"") || sql.contains("AS `recipient`"), "{sql}");
    // Ordered by the second join's column.
    let order: Vec<String> = Message::query()
        .join(Message::SENDER)
        .join(Message::RECIPIENT)
        .order_by(Message::RECIPIENT.col(Person::NAME).desc())
        .order_by(Message::SENDER.col(Person::NAME))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(order, ["ada to bob", "cy to bob", "bob to ada"]);
    Ok(())
});

scenario!(async fn both_relationships_to_one_table_load_joined(db, backend) {
    people(db).await?;
    let rec = db.recorder();
    let messages = Message::query()
        .include_joined(Message::SENDER)
        .include_joined(Message::RECIPIENT)
        .order_by(Message::ID)
        .all(db)
        .await?;
    assert_eq!(rec.count(), 1, "one statement");
    let pairs: Vec<(String, String)> = messages
        .iter()
        .map(|m| (m.sender.get().unwrap().name.clone(), m.recipient.get().unwrap().name.clone()))
        .collect();
    assert_eq!(
        pairs,
        [("ada".into(), "bob".into()), ("bob".into(), "ada".into()), ("cy".into(), "bob".into())]
    );
    Ok(())
});

scenario!(async fn a_table_joined_to_itself(db, backend) {
    db.create_all(&orm::models![Employee]).await?;
    let e = |name: &str, manager: Option<i64>| Employee {
        id: 0,
        name: name.into(),
        manager_id: manager,
        manager: BelongsTo::default(),
        reports: HasMany::default(),
    };
    let boss = db.insert(e("boss", None)).await?;
    let mid = db.insert(e("mid", Some(boss.id))).await?;
    db.insert(e("dev", Some(mid.id))).await?;
    db.insert(e("ops", Some(boss.id))).await?;
    // Employees whose manager is "boss".
    let mut names: Vec<String> = Employee::query()
        .join(Employee::MANAGER)
        .filter(Employee::MANAGER.col(Employee::NAME).eq("boss"))
        .all(db)
        .await?
        .into_iter()
        .map(|e| e.name)
        .collect();
    names.sort();
    assert_eq!(names, ["mid", "ops"]);
    // Each employee with their manager, in one statement.
    let rows = Employee::query()
        .join(Employee::MANAGER)
        .order_by(Employee::NAME)
        .all_with::<Employee>(db)
        .await?;
    let pairs: Vec<(&str, &str)> = rows.iter().map(|(e, m)| (e.name.as_str(), m.name.as_str())).collect();
    assert_eq!(pairs, [("dev", "mid"), ("mid", "boss"), ("ops", "boss")]);
    // And loaded into the slot.
    let dev = Employee::query()
        .include_joined(Employee::MANAGER)
        .filter(Employee::NAME.eq("dev"))
        .one(db)
        .await?;
    assert_eq!(dev.manager.get()?.name, "mid");
    Ok(())
});

scenario!(async fn a_column_of_a_table_the_query_lacks_is_refused(db, backend) {
    people(db).await?;
    let rec = db.recorder();
    // Person is not joined.
    let err = Message::query().filter(Person::NAME.eq("ada")).all(db).await.unwrap_err();
    assert!(matches!(&err, orm::Error::Config(m) if m.contains("not part of it")), "{err:?}");
    let err = Message::query().select((Person::NAME, orm::count())).all(db).await.unwrap_err();
    assert!(matches!(&err, orm::Error::Config(m) if m.contains("not part of it")), "{err:?}");
    // A relationship's join used but not made.
    let err = Message::query()
        .join(Message::SENDER)
        .filter(Message::RECIPIENT.col(Person::NAME).eq("bob"))
        .all(db)
        .await
        .unwrap_err();
    assert!(matches!(&err, orm::Error::Config(m) if m.contains("`recipient`")), "{err:?}");
    assert_eq!(rec.count(), 0, "nothing was sent");
    Ok(())
});
