//! The benchmark schema and its data, as plain SQL every contender can run
//! on its own connection (each SQLite contender has a private in-memory
//! database; the servers are seeded once).

use std::fmt::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
    MySql,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Sqlite => "sqlite",
            Kind::Postgres => "postgres",
            Kind::MySql => "mysql",
        }
    }

    /// `?` placeholders rewritten to `$n` on PostgreSQL.
    pub fn sql(self, sql: &str) -> String {
        if self != Kind::Postgres {
            return sql.to_string();
        }
        let mut out = String::with_capacity(sql.len() + 8);
        let mut n = 0;
        for c in sql.chars() {
            if c == '?' {
                n += 1;
                write!(out, "${n}").unwrap();
            } else {
                out.push(c);
            }
        }
        out
    }
}

/// `users(id serial pk, name varchar not null, hair_color varchar null)`,
/// `posts(id, user_id, title, body null)` with an index on `user_id`,
/// `comments(id, post_id, text)`, `tags(id, name)` and `post_tags`.
pub fn schema(kind: Kind) -> String {
    let (key, text) = match kind {
        Kind::Sqlite => ("INTEGER PRIMARY KEY", "TEXT"),
        Kind::Postgres => ("SERIAL PRIMARY KEY", "VARCHAR(255)"),
        Kind::MySql => ("INT AUTO_INCREMENT PRIMARY KEY", "VARCHAR(255)"),
    };
    let int = if kind == Kind::Sqlite {
        "INTEGER"
    } else {
        "INT"
    };
    format!(
        "DROP TABLE IF EXISTS labels;
DROP TABLE IF EXISTS post_tags;
DROP TABLE IF EXISTS tags;
DROP TABLE IF EXISTS comments;
DROP TABLE IF EXISTS posts;
DROP TABLE IF EXISTS users;
CREATE TABLE users (id {key}, name {text} NOT NULL, hair_color {text} NULL);
CREATE TABLE posts (id {key}, user_id {int} NOT NULL, title {text} NOT NULL, body TEXT NULL);
CREATE INDEX posts_user_id ON posts (user_id);
CREATE TABLE comments (id {key}, post_id {int} NOT NULL, text TEXT NOT NULL);
CREATE INDEX comments_post_id ON comments (post_id);
CREATE TABLE tags (id {key}, name {text} NOT NULL);
CREATE TABLE post_tags (post_id {int} NOT NULL, tag_id {int} NOT NULL, PRIMARY KEY (post_id, tag_id));
CREATE INDEX post_tags_tag_id ON post_tags (tag_id);
CREATE TABLE labels (id {key}, name {text} NOT NULL UNIQUE);
"
    )
}

/// What to put in the tables. Keys are assigned 1, 2, 3, ... in insertion
/// order (fresh tables), which the child rows rely on.
#[derive(Clone, Copy, Debug, Default)]
pub struct Data {
    pub users: usize,
    /// Posts of every user.
    pub posts_per_user: usize,
    /// One post for every fourth user (the medium workload's LEFT JOIN).
    pub sparse_posts: bool,
    pub comments_per_post: usize,
    /// Ten tags, three per post.
    pub tags: bool,
}

pub const TAGS: usize = 10;
pub const TAGS_PER_POST: usize = 3;

pub fn hair_color(i: usize) -> &'static str {
    if i.is_multiple_of(2) {
        "black"
    } else {
        "brown"
    }
}

/// The names of the upsert workload's labels.
pub fn label_names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("label {i}")).collect()
}

pub fn user_name(i: usize) -> String {
    format!("User {i}")
}

struct Inserts<'a> {
    out: &'a mut String,
    head: &'static str,
    rows: usize,
}

impl Inserts<'_> {
    fn row(&mut self, values: std::fmt::Arguments<'_>) {
        if self.rows.is_multiple_of(500) {
            if self.rows > 0 {
                self.out.push_str(";\n");
            }
            self.out.push_str(self.head);
        } else {
            self.out.push_str(", ");
        }
        self.out.push('(');
        self.out.write_fmt(values).unwrap();
        self.out.push(')');
        self.rows += 1;
    }

    fn finish(self) {
        if self.rows > 0 {
            self.out.push_str(";\n");
        }
    }
}

/// The schema followed by the data, as one script.
pub fn script(kind: Kind, data: Data) -> String {
    let mut out = schema(kind);
    let mut users = Inserts {
        out: &mut out,
        head: "INSERT INTO users (name, hair_color) VALUES ",
        rows: 0,
    };
    for i in 0..data.users {
        users.row(format_args!("'{}', '{}'", user_name(i), hair_color(i)));
    }
    users.finish();
    let mut posts = Inserts {
        out: &mut out,
        head: "INSERT INTO posts (user_id, title, body) VALUES ",
        rows: 0,
    };
    let mut post_count = 0;
    for i in 0..data.users {
        let n = if data.sparse_posts {
            usize::from(i.is_multiple_of(4))
        } else {
            data.posts_per_user
        };
        for j in 0..n {
            post_count += 1;
            if post_count % 2 == 0 {
                posts.row(format_args!("{}, 'Post {j} by user {i}', NULL", i + 1));
            } else {
                posts.row(format_args!(
                    "{}, 'Post {j} by user {i}', 'The body of post {j}'",
                    i + 1
                ));
            }
        }
    }
    posts.finish();
    let mut comments = Inserts {
        out: &mut out,
        head: "INSERT INTO comments (post_id, text) VALUES ",
        rows: 0,
    };
    for p in 1..=post_count {
        for k in 0..data.comments_per_post {
            comments.row(format_args!("{p}, 'Comment {k} on post {p}'"));
        }
    }
    comments.finish();
    if data.tags {
        let mut tags = Inserts {
            out: &mut out,
            head: "INSERT INTO tags (name) VALUES ",
            rows: 0,
        };
        for t in 0..TAGS {
            tags.row(format_args!("'tag {t}'"));
        }
        tags.finish();
        let mut pairs = Inserts {
            out: &mut out,
            head: "INSERT INTO post_tags (post_id, tag_id) VALUES ",
            rows: 0,
        };
        for p in 1..=post_count {
            for k in 0..TAGS_PER_POST {
                pairs.row(format_args!("{p}, {}", (p + 3 * k) % TAGS + 1));
            }
        }
        pairs.finish();
    }
    out
}

/// Writes `text` to `target/<name>` (or under `CARGO_TARGET_DIR`), where
/// the report reads the tables of the benches that are not criterion's
/// (`stream`, `scale`, `timer`; `compare` writes none). A smoke run
/// (`ORM_BENCH_SMOKE`) writes nothing.
#[allow(dead_code)]
pub fn write_table(name: &str, text: &str) {
    // A smoke run's tiny sizes are not results: the report would publish
    // them in place of the last full run's.
    if std::env::var_os("ORM_BENCH_SMOKE").is_some() {
        return;
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let _ = std::fs::write(target.join(name), text);
}
