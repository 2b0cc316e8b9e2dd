//! Graph saves: new related models are inserted in dependency order,
//! batched per table and level, in one transaction.

use orm::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "users")]
pub struct User {
    #[model(primary_key)]
    pub id: i64,
    #[model(unique, max_length = 60)]
    pub name: String,
    #[has_many(Post, back_populates = "author", order_by = "id")]
    pub posts: HasMany<Post>,
    #[has_one(Profile, back_populates = "user")]
    pub profile: HasOne<Profile>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "posts")]
pub struct Post {
    #[model(primary_key)]
    pub id: i64,
    pub author_id: i64,
    #[model(max_length = 60)]
    pub title: String,
    #[belongs_to(User, back_populates = "posts")]
    pub author: BelongsTo<User>,
    #[has_many(Tag, back_populates = "posts", order_by = "name")]
    #[secondary(table = "post_tags")]
    pub tags: HasMany<Tag>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "tags")]
pub struct Tag {
    #[model(primary_key)]
    pub id: i64,
    #[model(unique, max_length = 40)]
    pub name: String,
    #[has_many(Post, back_populates = "tags")]
    #[secondary(table = "post_tags")]
    pub posts: HasMany<Post>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "profiles")]
pub struct Profile {
    #[model(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub bio: String,
    #[belongs_to(User, back_populates = "profile")]
    pub user: BelongsTo<User>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "nodes")]
pub struct Node {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
    #[belongs_to(Node, key = "parent_id", back_populates = "children")]
    pub parent: BelongsTo<Node>,
    #[has_many(Node, back_populates = "parent", order_by = "name")]
    pub children: HasMany<Node>,
}

fn user(name: &str) -> User {
    User {
        id: 0,
        name: name.into(),
        posts: HasMany::default(),
        profile: HasOne::default(),
    }
}

fn post(title: &str) -> Post {
    Post {
        id: 0,
        author_id: 0,
        title: title.into(),
        author: BelongsTo::default(),
        tags: HasMany::default(),
    }
}

fn tag(name: &str) -> Tag {
    Tag {
        id: 0,
        name: name.into(),
        posts: HasMany::default(),
    }
}

fn node(name: &str, children: Vec<Node>) -> Node {
    Node {
        id: 0,
        name: name.into(),
        parent_id: None,
        parent: BelongsTo::default(),
        children: HasMany::new(children),
    }
}

async fn setup(db: &Db) -> orm::Result<()> {
    db.create_all(&orm::models![User, Post, Tag, Profile, Node])
        .await
}

/// The statements of a recording without BEGIN/COMMIT, cut to their verb
/// and table.
fn shape(sql: Vec<String>) -> Vec<String> {
    sql.into_iter()
        .filter(|s| !s.starts_with("BEGIN") && s != "COMMIT")
        .map(|s| {
            let words: Vec<&str> = s.split_whitespace().collect();
            let table = match words.first().copied() {
                Some("INSERT") => words.get(2),
                Some("UPDATE") => words.get(1),
                Some("DELETE") => words.get(2),
                _ => words.iter().skip_while(|w| **w != "FROM").nth(1),
            };
            format!(
                "{} {}",
                words[0],
                table
                    .map(|t| t.trim_matches(|c| c == '"' || c == '`'))
                    .unwrap_or("")
            )
        })
        .collect()
}

scenario!(async fn one_to_many_parent_then_children(db, backend) {
    setup(db).await?;
    let rec = db.recorder();
    let mut ada = user("ada");
    ada.posts = HasMany::new(vec![post("first"), post("second")]);
    let ada = db.insert(ada).await?;
    assert_eq!(shape(rec.take()), ["INSERT users", "INSERT posts"]);
    let posts = ada.posts.get()?;
    assert!(ada.id > 0 && posts.iter().all(|p| p.id > 0 && p.author_id == ada.id));
    assert_eq!(ada.posts().count(db).await?, 2);
    Ok(())
});

scenario!(async fn a_hundred_users_with_ten_posts_is_two_inserts(db, backend) {
    setup(db).await?;
    let users: Vec<User> = (0..100)
        .map(|i| {
            let mut u = user(&format!("user{i}"));
            u.posts = HasMany::new((0..10).map(|j| post(&format!("post {j}"))).collect());
            u
        })
        .collect();
    let rec = db.recorder();
    let users = db.insert_many(users).await?;
    assert_eq!(shape(rec.take()), ["INSERT users", "INSERT posts"]);
    assert_eq!(Post::query().count(db).await?, 1000);
    for u in users.iter().step_by(17) {
        let stored = u.posts().all(db).await?;
        assert_eq!(stored.len(), 10);
        assert_eq!(stored, u.posts.get()?.to_vec(), "in-memory keys match the stored rows");
    }
    Ok(())
});

scenario!(async fn many_to_one_target_first(db, backend) {
    setup(db).await?;
    let rec = db.recorder();
    let mut p = post("hello");
    p.author = BelongsTo::new(user("grace"));
    let p = db.insert(p).await?;
    assert_eq!(shape(rec.take()), ["INSERT users", "INSERT posts"]);
    let author = p.author.get()?;
    assert!(author.id > 0);
    assert_eq!(p.author_id, author.id);
    assert_eq!(p.author().get(db).await?.name, "grace");
    rec.clear();
    // An existing target is linked, not inserted.
    let mut q = post("again");
    q.author = BelongsTo::loaded(author.clone());
    let q = db.insert(q).await?;
    assert_eq!(shape(rec.take()), ["INSERT posts"]);
    assert_eq!(q.author().get(db).await?.id, author.id);
    Ok(())
});

scenario!(async fn many_to_many_both_ends_then_association_rows(db, backend) {
    setup(db).await?;
    let existing = db.insert(tag("rust")).await?;
    let author = db.insert(user("ann")).await?;
    let mut p = post("tagged");
    p.author_id = author.id;
    p.tags = HasMany::new(vec![tag("sql"), tag("orm")]);
    p.tags.push_existing(existing.clone());
    let rec = db.recorder();
    let p = db.insert(p).await?;
    assert_eq!(shape(rec.take()), ["INSERT posts", "INSERT tags", "INSERT post_tags"]);
    let names: Vec<String> = p.tags().all(db).await?.into_iter().map(|t| t.name).collect();
    assert_eq!(names, ["orm", "rust", "sql"]);
    assert_eq!(Tag::query().count(db).await?, 3);
    Ok(())
});

scenario!(async fn has_one_new_row_and_existing_children(db, backend) {
    setup(db).await?;
    let old = db.insert(user("old")).await?;
    let orphans = db
        .insert_many(vec![Post { author_id: old.id, ..post("a") }, Post { author_id: old.id, ..post("b") }])
        .await?;
    let mut u = user("new");
    u.profile = HasOne::new(Profile { id: 0, user_id: 0, bio: "hello".into(), user: BelongsTo::default() });
    u.posts = HasMany::loaded(orphans.clone());
    let rec = db.recorder();
    let u = db.insert(u).await?;
    // Existing children are re-parented in one UPDATE.
    assert_eq!(shape(rec.take()), ["INSERT users", "UPDATE posts", "INSERT profiles"]);
    assert_eq!(u.profile().get(db).await?.map(|p| p.bio), Some("hello".into()));
    assert_eq!(u.posts().count(db).await?, 2);
    assert_eq!(old.posts().count(db).await?, 0);
    Ok(())
});

scenario!(async fn a_three_level_tree_level_by_level(db, backend) {
    setup(db).await?;
    let tree = node("root", vec![node("a", vec![node("a1", vec![]), node("a2", vec![])]), node("b", vec![node("b1", vec![])])]);
    let rec = db.recorder();
    let root = db.insert(tree).await?;
    assert_eq!(shape(rec.take()), ["INSERT nodes", "INSERT nodes", "INSERT nodes"]);
    let a = &root.children.get()?[0];
    assert_eq!(a.parent_id, Some(root.id));
    assert_eq!(a.children.get()?[1].parent_id, Some(a.id));
    let stored: Vec<String> = root.children().all(db).await?.into_iter().map(|n| n.name).collect();
    assert_eq!(stored, ["a", "b"]);
    assert_eq!(Node::query().count(db).await?, 6);
    Ok(())
});

scenario!(async fn a_failure_anywhere_writes_nothing(db, backend) {
    setup(db).await?;
    db.insert(tag("taken")).await?;
    let mut p = post("doomed");
    p.author = BelongsTo::new(user("someone"));
    p.tags = HasMany::new(vec![tag("fresh"), tag("taken")]);
    let err = db.insert(p).await.unwrap_err();
    assert!(err.is_unique_violation(), "{err:?}");
    assert_eq!(User::query().count(db).await?, 0);
    assert_eq!(Post::query().count(db).await?, 0);
    assert_eq!(Tag::query().count(db).await?, 1);
    // A validation failure deep in the graph: nothing is sent.
    let mut u = user("v");
    u.posts = HasMany::new(vec![post(&"x".repeat(100))]);
    let err = db.insert(u).await.unwrap_err();
    assert!(matches!(err, Error::Validation { model: "Post", field: "title", .. }), "{err:?}");
    assert_eq!(User::query().count(db).await?, 0);
    Ok(())
});

scenario!(async fn deleting_a_parent_in_order(db, backend) {
    setup(db).await?;
    // Without cascade and a nullable key: children's key set to NULL, then
    // the parent.
    let root = db.insert(node("root", vec![node("a", vec![]), node("b", vec![])])).await?;
    let rec = db.recorder();
    db.delete(&root).await?;
    assert_eq!(shape(rec.take()), ["UPDATE nodes", "DELETE nodes"]);
    assert_eq!(Node::query().filter(Node::PARENT_ID.is_null()).count(db).await?, 2);
    Ok(())
});

scenario!(async fn saving_a_loaded_graph(db, backend) {
    setup(db).await?;
    let mut ada = user("ada");
    ada.posts = HasMany::new(vec![post("keep"), post("drop"), post("edit")]);
    let ada = db.insert(ada).await?;
    let rust = db.insert(tag("rust")).await?;
    let sql_tag = db.insert(tag("sql")).await?;

    let mut loaded = User::query()
        .filter(User::ID.eq(ada.id))
        .include(User::POSTS.include(Post::TAGS))
        .one(db)
        .await?;
    {
        let posts = loaded.posts.get_mut()?;
        posts.retain(|p| p.title != "drop");
        posts.iter_mut().find(|p| p.title == "edit").unwrap().title = "edited".into();
    }
    loaded.posts.push_new(post("new one"));
    loaded.name = "ada lovelace".into();
    let rec = db.recorder();
    // Posts have NOT NULL keys and no delete-orphan: removing one is refused.
    let err = db.save(&mut loaded).await.unwrap_err();
    assert!(matches!(err, Error::Relationship { model: "User", relation: "posts", .. }), "{err:?}");
    assert_eq!(User::get(db, ada.id).await?.name, "ada", "nothing was written");
    assert_eq!(loaded.posts.get()?.len(), 3, "the refused collection is left as it was");
    assert_eq!(Post::query().count(db).await?, 3);

    // Without the removal the save goes through.
    let mut loaded = User::query().filter(User::ID.eq(ada.id)).include(User::POSTS).one(db).await?;
    loaded.posts.get_mut()?.iter_mut().find(|p| p.title == "edit").unwrap().title = "edited".into();
    loaded.posts.push_new(post("new one"));
    loaded.name = "ada lovelace".into();
    rec.clear();
    db.save(&mut loaded).await?;
    assert_eq!(User::get(db, ada.id).await?.name, "ada lovelace");
    let titles: Vec<String> = ada.posts().all(db).await?.into_iter().map(|p| p.title).collect();
    assert_eq!(titles, ["keep", "drop", "edited", "new one"]);
    assert!(loaded.posts.get()?.iter().all(|p| p.id > 0), "new rows got their keys");

    // A many-to-many: the fewest association writes.
    let mut p = Post::query().filter(Post::TITLE.eq("keep")).include(Post::TAGS).one(db).await?;
    p.tags.push_existing(rust.clone());
    p.tags.push_existing(sql_tag.clone());
    db.save(&mut p).await?;
    assert_eq!(p.tags().count(db).await?, 2);
    let mut p = Post::query().filter(Post::TITLE.eq("keep")).include(Post::TAGS).one(db).await?;
    p.tags.get_mut()?.retain(|t| t.name != "rust");
    rec.clear();
    db.save(&mut p).await?;
    let sql = rec.take();
    assert!(sql.iter().any(|s| s.starts_with("DELETE FROM") && s.contains("post_tags")), "{sql:?}");
    assert!(!sql.iter().any(|s| s.starts_with("INSERT")), "{sql:?}");
    let names: Vec<String> = p.tags().all(db).await?.into_iter().map(|t| t.name).collect();
    assert_eq!(names, ["sql"]);
    assert_eq!(Tag::query().count(db).await?, 2, "targets are not deleted");

    // Taking the members out and pushing others replaces them; a second
    // save of the same model compares against what the first wrote.
    assert_eq!(p.tags.take().map(|t| t.len()), Some(1));
    p.tags.push_existing(rust.clone());
    db.save(&mut p).await?;
    let names: Vec<String> = p.tags().all(db).await?.into_iter().map(|t| t.name).collect();
    assert_eq!(names, ["rust"]);
    p.tags.get_mut()?.clear();
    db.save(&mut p).await?;
    assert_eq!(p.tags().count(db).await?, 0);
    Ok(())
});

scenario!(async fn orphans_with_a_nullable_key_are_detached(db, backend) {
    setup(db).await?;
    let root = db.insert(node("root", vec![node("a", vec![]), node("b", vec![])])).await?;
    let mut loaded = Node::query().filter(Node::ID.eq(root.id)).include(Node::CHILDREN).one(db).await?;
    loaded.children.get_mut()?.retain(|n| n.name != "a");
    db.save(&mut loaded).await?;
    let a = Node::query().filter(Node::NAME.eq("a")).one(db).await?;
    assert_eq!(a.parent_id, None);
    assert_eq!(root.children().count(db).await?, 1);
    Ok(())
});

scenario!(async fn deleting_parents_of_saved_graphs(db, backend) {
    setup(db).await?;
    // Tag.posts has no cascade; a Post's tags go with it through the
    // association; a User with cascade-less posts (NOT NULL key) refuses.
    let mut u = user("cascade");
    u.posts = HasMany::new(vec![post("p")]);
    let u = db.insert(u).await?;
    let err = db.delete(&u).await.unwrap_err();
    assert!(matches!(err, Error::Relationship { .. }), "{err:?}");
    // A declared association table has ON DELETE CASCADE: the database
    // removes the pairs, no statement loads them.
    let p = Post::query().one(db).await?;
    p.tags().add(db, &db.insert(tag("t")).await?).await?;
    let rec = db.recorder();
    db.delete(&p).await?;
    assert_eq!(shape(rec.take()), ["DELETE posts"]);
    let pairs: i64 = orm::raw("SELECT COUNT(*) FROM post_tags").scalar(db).await?;
    assert_eq!(pairs, 0);
    Ok(())
});

scenario!(async fn an_inserted_graph_can_be_saved_again(db, backend) {
    setup(db).await?;
    let mut root = db.insert(node("root", vec![node("a", vec![]), node("b", vec![])])).await?;
    root.children.get_mut()?.retain(|n| n.name != "b");
    db.save(&mut root).await?;
    assert_eq!(root.children().count(db).await?, 1, "the removal since the insert is seen");
    Ok(())
});

/// A post's own relationships, for orphans that have children of their own.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "o_blogs")]
pub struct Blog {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
    #[has_many(
        Entry,
        back_populates = "blog",
        cascade = "all, delete-orphan",
        order_by = "id"
    )]
    pub entries: HasMany<Entry>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "o_entries")]
pub struct Entry {
    #[model(primary_key)]
    pub id: i64,
    pub blog_id: i64,
    pub title: String,
    #[belongs_to(Blog, back_populates = "entries")]
    pub blog: BelongsTo<Blog>,
    #[has_many(Remark, back_populates = "entry", cascade = "delete")]
    pub remarks: HasMany<Remark>,
    #[has_many(Label, backref = "entries")]
    #[secondary(EntryLabel)]
    pub labels: HasMany<Label>,
    #[has_many(Pingback, back_populates = "entry")]
    pub pingbacks: HasMany<Pingback>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "o_remarks")]
pub struct Remark {
    #[model(primary_key)]
    pub id: i64,
    pub entry_id: i64,
    pub text: String,
    #[belongs_to(Entry, back_populates = "remarks")]
    pub entry: BelongsTo<Entry>,
}

/// A nullable key: set to NULL when its entry goes.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "o_pingbacks")]
pub struct Pingback {
    #[model(primary_key)]
    pub id: i64,
    pub entry_id: Option<i64>,
    pub url: String,
    #[belongs_to(Entry, back_populates = "pingbacks")]
    pub entry: BelongsTo<Entry>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "o_labels")]
pub struct Label {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
}

/// An association model: its rows are the ORM's to remove.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "o_entry_labels")]
pub struct EntryLabel {
    #[model(primary_key, references = Entry)]
    pub entry_id: i64,
    #[model(primary_key, references = Label)]
    pub label_id: i64,
}

/// A blog with two entries, each with two remarks, a pingback and a label.
async fn blog_with_entries(db: &Db) -> orm::Result<Blog> {
    db.create_all(&orm::models![
        Blog, Entry, Remark, Pingback, Label, EntryLabel
    ])
    .await?;
    let label = db
        .insert(Label {
            id: 0,
            name: "rust".into(),
        })
        .await?;
    let entry = |title: &str| Entry {
        id: 0,
        blog_id: 0,
        title: title.into(),
        blog: BelongsTo::default(),
        remarks: HasMany::new(vec![
            Remark {
                id: 0,
                entry_id: 0,
                text: format!("{title} 1"),
                entry: BelongsTo::default(),
            },
            Remark {
                id: 0,
                entry_id: 0,
                text: format!("{title} 2"),
                entry: BelongsTo::default(),
            },
        ]),
        labels: HasMany::loaded(vec![label.clone()]),
        pingbacks: HasMany::new(vec![Pingback {
            id: 0,
            entry_id: None,
            url: format!("{title}.example"),
            entry: BelongsTo::default(),
        }]),
    };
    let blog = db
        .insert(Blog {
            id: 0,
            name: "b".into(),
            entries: HasMany::new(vec![entry("first"), entry("second")]),
        })
        .await?;
    assert_eq!(Remark::query().count(db).await?, 4);
    assert_eq!(EntryLabel::query().count(db).await?, 2);
    Ok(blog)
}

/// What is left: entries, remarks, association rows, pingbacks still
/// pointing at an entry.
async fn left(db: &Db) -> orm::Result<(i64, i64, i64, i64)> {
    Ok((
        Entry::query().count(db).await?,
        Remark::query().count(db).await?,
        EntryLabel::query().count(db).await?,
        Pingback::query()
            .filter(Pingback::ENTRY_ID.is_not_null())
            .count(db)
            .await?,
    ))
}

scenario!(async fn an_orphan_is_deleted_with_its_own_rules(db, backend) {
    let blog = blog_with_entries(db).await?;
    let mut blog = Blog::query().include(Blog::ENTRIES).filter(Blog::ID.eq(blog.id)).one(db).await?;
    let removed = blog.entries.get_mut()?.remove(0);
    db.save(&mut blog).await?;
    // Its remarks went with it, its label link and its pingback's key too;
    // the other entry is untouched.
    assert_eq!(left(db).await?, (1, 2, 1, 1));
    assert!(Entry::find(db, removed.id).await?.is_none());
    assert_eq!(Pingback::query().filter(Pingback::ENTRY_ID.is_null()).count(db).await?, 1);

    // db.delete of the other entry applies the same rules.
    let other = blog.entries.get()?[0].clone();
    db.delete(&other).await?;
    assert_eq!(left(db).await?, (0, 0, 0, 0));
    Ok(())
});

/// A self-referential tree whose subtrees go with their root.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "o_folders")]
pub struct Folder {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
    #[belongs_to(Folder, key = "parent_id", back_populates = "children")]
    pub parent: BelongsTo<Folder>,
    #[has_many(
        Folder,
        back_populates = "parent",
        cascade = "all, delete-orphan",
        order_by = "name"
    )]
    pub children: HasMany<Folder>,
}

fn folder(name: &str, children: Vec<Folder>) -> Folder {
    Folder {
        id: 0,
        name: name.into(),
        parent_id: None,
        parent: BelongsTo::default(),
        children: HasMany::new(children),
    }
}

scenario!(async fn deleting_a_tree_deletes_every_level(db, backend) {
    db.create_all(&orm::models![Folder]).await?;
    let root = db
        .insert(folder("root", vec![
            folder("a", vec![folder("a1", vec![folder("a1x", vec![])]), folder("a2", vec![])]),
            folder("b", vec![]),
        ]))
        .await?;
    let other = db.insert(folder("other", vec![folder("o1", vec![])])).await?;
    assert_eq!(Folder::query().count(db).await?, 8);
    // An orphaned subtree goes whole.
    let mut loaded = Folder::query().include(Folder::CHILDREN).filter(Folder::ID.eq(root.id)).one(db).await?;
    loaded.children.get_mut()?.retain(|f| f.name != "a");
    db.save(&mut loaded).await?;
    assert_eq!(Folder::query().count(db).await?, 4, "a, a1, a1x and a2 are gone");
    db.delete(&root).await?;
    let names: Vec<String> = Folder::query().order_by(Folder::NAME).all(db).await?.into_iter().map(|f| f.name).collect();
    assert_eq!(names, ["o1", "other"]);
    let _ = other;
    Ok(())
});

scenario!(async fn a_cascade_follows_a_tree_of_any_depth(db, backend) {
    db.create_all(&orm::models![Folder]).await?;
    // A chain of 20 folders, each the child of the one before.
    let mut chain = folder("f19", vec![]);
    for depth in (0..19).rev() {
        chain = folder(&format!("f{depth:02}"), vec![chain]);
    }
    let root = db.insert(chain).await?;
    db.insert(folder("other", vec![])).await?;
    assert_eq!(Folder::query().count(db).await?, 21);
    db.delete(&root).await?;
    let names: Vec<String> = Folder::query().all(db).await?.into_iter().map(|f| f.name).collect();
    assert_eq!(names, ["other"]);
    Ok(())
});

scenario!(async fn a_cascade_through_a_cycle_is_refused(db, backend) {
    db.create_all(&orm::models![Folder]).await?;
    // a -> b -> c -> a: each row is its own descendant.
    let a = db.insert(folder("a", vec![folder("b", vec![folder("c", vec![])])])).await?;
    let c = Folder::query().filter(Folder::NAME.eq("c")).one(db).await?;
    Folder::query()
        .filter(Folder::ID.eq(a.id))
        .update(db, [Folder::PARENT_ID.set(Some(c.id))])
        .await?;
    let err = db.delete(&a).await.unwrap_err();
    match &err {
        orm::Error::Relationship { model, relation, message } => {
            assert_eq!((*model, *relation), ("Folder", "children"));
            assert!(message.contains("cycle"), "{message}");
        }
        other => panic!("expected Error::Relationship, got {other:?}"),
    }
    assert_eq!(Folder::query().count(db).await?, 3, "nothing was deleted");
    Ok(())
});

/// An entry with no related rows of its own.
fn bare_entry(title: &str) -> Entry {
    Entry {
        id: 0,
        blog_id: 0,
        title: title.into(),
        blog: BelongsTo::default(),
        remarks: HasMany::default(),
        labels: HasMany::default(),
        pingbacks: HasMany::default(),
    }
}

async fn titles_of(db: &Db, blog: i64) -> orm::Result<Vec<String>> {
    let mut titles: Vec<String> = Entry::query()
        .filter(Entry::BLOG_ID.eq(blog))
        .all(db)
        .await?
        .into_iter()
        .map(|e| e.title)
        .collect();
    titles.sort();
    Ok(titles)
}

scenario!(async fn rows_moved_about_through_get_mut_stay_new_or_existing(db, backend) {
    db.create_all(&orm::models![Blog, Entry, Remark, Pingback, Label, EntryLabel]).await?;
    let blog = |name: &str, titles: &[&str]| Blog {
        id: 0,
        name: name.into(),
        entries: HasMany::new(titles.iter().map(|t| bare_entry(t)).collect()),
    };
    let a = db.insert(blog("a", &["a1", "a2"])).await?;
    let b = db.insert(blog("b", &["b1"])).await?;
    let reload = |id: i64| Blog::query().filter(Blog::ID.eq(id)).include(Blog::ENTRIES).one(db);

    // A row pushed as existing, then an edit that moves it to a position
    // a new row held: it is re-parented, never inserted a second time.
    let moved = Entry::query().filter(Entry::TITLE.eq("b1")).one(db).await?;
    let mut a_now = reload(a.id).await?;
    a_now.entries.push_new(bare_entry("dropped"));
    a_now.entries.push_existing(moved.clone());
    a_now.entries.get_mut()?.retain(|e| e.title != "dropped");
    db.save(&mut a_now).await?;
    assert_eq!(Entry::query().count(db).await?, 3);
    assert_eq!(Entry::get(db, moved.id).await?.blog_id, a.id);
    assert_eq!(titles_of(db, a.id).await?, ["a1", "a2", "b1"]);
    assert!(titles_of(db, b.id).await?.is_empty());

    // New rows added through get_mut wherever they stand (after a
    // removal, at the front, reversed with the rest) are inserted; the
    // removed row is an orphan, deleted.
    let mut a_now = reload(a.id).await?;
    a_now.entries.get_mut()?.retain(|e| e.title != "a1");
    a_now.entries.get_mut()?.push(bare_entry("pushed"));
    a_now.entries.get_mut()?.insert(0, bare_entry("front"));
    a_now.entries.push_new(bare_entry("newest"));
    a_now.entries.get_mut()?.reverse();
    db.save(&mut a_now).await?;
    assert_eq!(titles_of(db, a.id).await?, ["a2", "b1", "front", "newest", "pushed"]);
    assert_eq!(Entry::query().count(db).await?, 5);
    let saved: Vec<&str> = a_now.entries.get()?.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(saved, ["newest", "pushed", "b1", "a2", "front"]);
    assert!(a_now.entries.get()?.iter().all(|e| e.id > 0 && e.blog_id == a.id));

    // A row read from the database and added through get_mut (not
    // push_existing) holds the key the database gave it: it is
    // re-parented, not inserted again under a new key.
    let stray = db.insert(Entry { blog_id: b.id, ..bare_entry("b2") }).await?;
    let mut a_now = reload(a.id).await?;
    a_now.entries.get_mut()?.push(stray.clone());
    db.save(&mut a_now).await?;
    assert_eq!(Entry::query().count(db).await?, 6);
    assert_eq!(Entry::get(db, stray.id).await?.blog_id, a.id);

    // A row held as existing that is not in the database names the
    // relationship; nothing is written.
    let mut a_now = reload(a.id).await?;
    a_now.entries.push_existing(Entry { id: 9_999, ..bare_entry("ghost") });
    let err = db.save(&mut a_now).await.unwrap_err();
    assert!(
        matches!(&err, orm::Error::Relationship { model: "Blog", relation: "entries", message } if message.contains("`Entry` as a row that exists, but no row has its key")),
        "{err:?}"
    );
    assert_eq!(Entry::query().count(db).await?, 6);

    // A row added as existing whose generated key is still 0 has never
    // been inserted: it is.
    let mut a_now = reload(a.id).await?;
    a_now.entries.push_existing(bare_entry("unsaved"));
    db.save(&mut a_now).await?;
    assert!(titles_of(db, a.id).await?.contains(&"unsaved".to_string()));
    assert!(a_now.entries.get()?.iter().all(|e| e.id > 0));
    Ok(())
});

/// Two has_one slots: one deleting the row it lets go, one setting its
/// key to NULL.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "h_owners")]
pub struct Owner {
    #[model(primary_key)]
    pub id: i64,
    pub name: String,
    #[has_one(Card, back_populates = "owner", cascade = "all, delete-orphan")]
    pub card: HasOne<Card>,
    #[has_one(Badge, back_populates = "owner")]
    pub badge: HasOne<Badge>,
    #[has_one(Seal, back_populates = "owner", cascade = "all, delete-orphan")]
    pub seal: HasOne<Seal>,
}

/// A key the database does not generate.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "h_seals")]
pub struct Seal {
    #[model(primary_key)]
    pub code: String,
    pub owner_id: i64,
    #[belongs_to(Owner, back_populates = "seal")]
    pub owner: BelongsTo<Owner>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "h_cards")]
pub struct Card {
    #[model(primary_key)]
    pub id: i64,
    pub owner_id: i64,
    pub label: String,
    #[belongs_to(Owner, back_populates = "card")]
    pub owner: BelongsTo<Owner>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "h_badges")]
pub struct Badge {
    #[model(primary_key)]
    pub id: i64,
    pub owner_id: Option<i64>,
    pub label: String,
    #[belongs_to(Owner, back_populates = "badge")]
    pub owner: BelongsTo<Owner>,
}

fn card(label: &str) -> Card {
    Card {
        id: 0,
        owner_id: 0,
        label: label.into(),
        owner: BelongsTo::default(),
    }
}

fn badge(label: &str) -> Badge {
    Badge {
        id: 0,
        owner_id: None,
        label: label.into(),
        owner: BelongsTo::default(),
    }
}

async fn labels(db: &Db) -> orm::Result<(Vec<(String, i64)>, Vec<(String, Option<i64>)>)> {
    let mut cards: Vec<_> = Card::query()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.label, c.owner_id))
        .collect();
    let mut badges: Vec<_> = Badge::query()
        .all(db)
        .await?
        .into_iter()
        .map(|b| (b.label, b.owner_id))
        .collect();
    cards.sort();
    badges.sort();
    Ok((cards, badges))
}

scenario!(async fn a_has_one_given_another_row_lets_the_old_one_go(db, backend) {
    db.create_all(&orm::models![Owner, Card, Badge, Seal, User, Post, Tag, Profile, Node]).await?;
    let owner = |name: &str| Owner {
        id: 0,
        name: name.into(),
        card: HasOne::default(),
        badge: HasOne::default(),
        seal: HasOne::default(),
    };
    let ann = db.insert(Owner { card: HasOne::new(card("c1")), badge: HasOne::new(badge("b1")), ..owner("ann") }).await?;
    let reload = |id: i64| Owner::query().filter(Owner::ID.eq(id)).include(Owner::CARD).include(Owner::BADGE).one(db);

    // Saved as loaded: the rows are updated, nothing is removed.
    let mut a = reload(ann.id).await?;
    let rec = db.recorder();
    db.save(&mut a).await?;
    assert!(!shape(rec.take()).iter().any(|s| s.starts_with("DELETE")));

    // A new row given with `set` (its generated key still 0) is inserted;
    // the old card is deleted (delete-orphan), the old badge let go (NULL).
    a.card.set(Some(card("c2")));
    a.badge.set(None);
    db.save(&mut a).await?;
    assert_eq!(labels(db).await?, (vec![("c2".into(), ann.id)], vec![("b1".into(), None)]));
    let c2 = a.card.get()?.cloned().expect("the saved card");
    assert!(c2.id > 0 && c2.owner_id == ann.id);
    assert_eq!(a.badge.get()?, None);

    // HasOne::new on a parent that has a row: the old one goes first (the
    // key is unique), then the new one is inserted.
    a.card = HasOne::new(card("c3"));
    a.badge = HasOne::new(badge("b2"));
    db.save(&mut a).await?;
    assert_eq!(
        labels(db).await?,
        (vec![("c3".into(), ann.id)], vec![("b1".into(), None), ("b2".into(), Some(ann.id))])
    );
    // Saving again changes nothing.
    db.save(&mut a).await?;
    assert_eq!(Card::query().count(db).await?, 1);

    // A row whose key the database does not generate, given with `set`:
    // updated when it exists, else inserted; the old one goes.
    let seal = |code: &str| Seal { code: code.into(), owner_id: 0, owner: BelongsTo::default() };
    let mut a = Owner::query().filter(Owner::ID.eq(ann.id)).include(Owner::SEAL).one(db).await?;
    a.seal = HasOne::new(seal("s1"));
    db.save(&mut a).await?;
    a.seal.set(Some(seal("s2")));
    db.save(&mut a).await?;
    a.seal.set(Some(seal("s2")));
    db.save(&mut a).await?;
    let seals: Vec<(String, i64)> = Seal::query().all(db).await?.into_iter().map(|s| (s.code, s.owner_id)).collect();
    assert_eq!(seals, vec![("s2".to_string(), ann.id)]);
    let a = reload(ann.id).await?;

    // An existing row given to another parent moves there.
    let bo = db.insert(owner("bo")).await?;
    let mut b = reload(bo.id).await?;
    let c3 = a.card.get()?.cloned().expect("ann's card");
    b.card.set(Some(c3.clone()));
    db.save(&mut b).await?;
    assert_eq!(labels(db).await?.0, vec![("c3".into(), bo.id)]);
    assert_eq!(Card::get(db, c3.id).await?.owner_id, bo.id);

    // A row given as existing that is not in the database names the slot.
    let mut b = reload(bo.id).await?;
    b.card.set(Some(Card { id: 7_777, ..card("ghost") }));
    let err = db.save(&mut b).await.unwrap_err();
    assert!(matches!(&err, orm::Error::Relationship { relation: "card", .. }), "{err:?}");
    assert_eq!(labels(db).await?.0, vec![("c3".into(), bo.id)]);

    // A NOT NULL key without delete-orphan: replacing or clearing the row
    // is refused, and nothing of the save is written.
    let mut u = user("u");
    u.profile = HasOne::new(Profile { id: 0, user_id: 0, bio: "first".into(), user: BelongsTo::default() });
    let u = db.insert(u).await?;
    for replacement in [Some(Profile { id: 0, user_id: 0, bio: "second".into(), user: BelongsTo::default() }), None] {
        let mut again = User::query().filter(User::ID.eq(u.id)).include(User::PROFILE).one(db).await?;
        again.name = "renamed".into();
        again.profile.set(replacement);
        let err = db.save(&mut again).await.unwrap_err();
        assert!(
            matches!(&err, orm::Error::Relationship { relation: "profile", message, .. } if message.contains("NOT NULL `user_id`")),
            "{err:?}"
        );
        let bios: Vec<String> = Profile::query().all(db).await?.into_iter().map(|p| p.bio).collect();
        assert_eq!(bios, ["first"]);
        assert_eq!(User::get(db, u.id).await?.name, "u");
    }
    Ok(())
});

/// Rows with keys the database does not generate, in a collection whose
/// NOT NULL key refuses orphans.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "v_shelves")]
pub struct Shelf {
    #[model(primary_key)]
    pub id: i64,
    #[has_many(Volume, back_populates = "shelf", order_by = "isbn")]
    pub volumes: HasMany<Volume>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "v_volumes")]
pub struct Volume {
    #[model(primary_key)]
    pub isbn: String,
    pub shelf_id: i64,
    #[belongs_to(Shelf, back_populates = "volumes")]
    pub shelf: BelongsTo<Shelf>,
}

scenario!(async fn a_refused_save_leaves_the_collection_told_by_key(db, backend) {
    db.create_all(&orm::models![Shelf, Volume]).await?;
    let volume = |isbn: &str| Volume { isbn: isbn.into(), shelf_id: 0, shelf: BelongsTo::default() };
    let shelf = |isbns: &[&str]| Shelf { id: 0, volumes: HasMany::new(isbns.iter().map(|i| volume(i)).collect()) };
    let a = db.insert(shelf(&["v1", "v2"])).await?;
    let b = db.insert(shelf(&["v3"])).await?;
    let mut a_now = Shelf::query().filter(Shelf::ID.eq(a.id)).include(Shelf::VOLUMES).one(db).await?;
    let v3 = Volume::get(db, "v3".to_string()).await?;
    a_now.volumes.push_new(volume("v4"));
    a_now.volumes.push_existing(v3);
    let v1 = a_now.volumes.get_mut()?.remove(0);
    // v1 would be an orphan with a NOT NULL key: refused, nothing written.
    let err = db.save(&mut a_now).await.unwrap_err();
    assert!(matches!(err, orm::Error::Relationship { relation: "volumes", .. }), "{err:?}");
    // Put back and moved about, every row is still what it was: v3 moves
    // here, v4 is inserted, nothing is copied or lost.
    a_now.volumes.get_mut()?.push(v1);
    a_now.volumes.get_mut()?.reverse();
    db.save(&mut a_now).await?;
    let mut here: Vec<String> = Volume::query()
        .filter(Volume::SHELF_ID.eq(a.id))
        .all(db)
        .await?
        .into_iter()
        .map(|v| v.isbn)
        .collect();
    here.sort();
    assert_eq!(here, ["v1", "v2", "v3", "v4"]);
    assert_eq!(Volume::query().filter(Volume::SHELF_ID.eq(b.id)).count(db).await?, 0);
    Ok(())
});
