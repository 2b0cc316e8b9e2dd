//! The floor: hand-written sqlx, as a careful programmer would write each
//! workload (static SQL, rows decoded by position, grouping by key).

#![allow(dead_code)] // Rows are decoded in full, as the workloads require; black_box reads them.

use std::collections::HashMap;

use futures_util::TryStreamExt;
use sqlx::{ColumnIndex, Decode, FromRow, Row, Type};

use crate::fixture::{Kind, hair_color, user_name};

pub struct RawUser {
    pub id: i32,
    pub name: String,
    pub hair_color: Option<String>,
}

pub struct RawPost {
    pub id: i32,
    pub user_id: i32,
    pub title: String,
    pub body: Option<String>,
}

pub struct RawComment {
    pub id: i32,
    pub post_id: i32,
    pub text: String,
}

pub struct RawTag {
    pub id: i32,
    pub name: String,
}

pub type Tree = Vec<(RawUser, Vec<(RawPost, Vec<RawComment>)>)>;

/// The decoding every backend shares.
macro_rules! from_row {
    ($ty:ident { $($field:ident: $t:ty = $i:expr),* $(,)? }) => {
        impl<'r, R: Row> FromRow<'r, R> for $ty
        where
            usize: ColumnIndex<R>,
            $($t: Decode<'r, R::Database> + Type<R::Database>,)*
        {
            fn from_row(r: &'r R) -> Result<Self, sqlx::Error> {
                Ok($ty { $($field: r.try_get::<$t, _>($i)?),* })
            }
        }
    };
}

from_row!(RawUser { id: i32 = 0, name: String = 1, hair_color: Option<String> = 2 });
from_row!(RawPost { id: i32 = 0, user_id: i32 = 1, title: String = 2, body: Option<String> = 3 });
from_row!(RawComment {
    id: i32 = 0,
    post_id: i32 = 1,
    text: String = 2
});
from_row!(RawTag {
    id: i32 = 0,
    name: String = 1
});

/// A user and the post of a LEFT JOIN, if any.
pub struct Pair(pub RawUser, pub Option<RawPost>);

impl<'r, R: Row> FromRow<'r, R> for Pair
where
    usize: ColumnIndex<R>,
    i32: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    Option<String>: Decode<'r, R::Database> + Type<R::Database>,
    Option<i32>: Decode<'r, R::Database> + Type<R::Database>,
{
    fn from_row(r: &'r R) -> Result<Self, sqlx::Error> {
        let user = RawUser::from_row(r)?;
        let post = match r.try_get::<Option<i32>, _>(3)? {
            None => None,
            Some(id) => Some(RawPost {
                id,
                user_id: r.try_get(4)?,
                title: r.try_get(5)?,
                body: r.try_get(6)?,
            }),
        };
        Ok(Pair(user, post))
    }
}

/// Binds a key list as written by hand: one array on PostgreSQL (for
/// `= ANY($1)`), one value per `?` elsewhere.
trait Keys: sqlx::Database + Sized {
    fn bind_keys<'q, O>(
        q: sqlx::query::QueryAs<'q, Self, O, <Self as sqlx::Database>::Arguments>,
        keys: &[i32],
    ) -> sqlx::query::QueryAs<'q, Self, O, <Self as sqlx::Database>::Arguments>;
}

impl Keys for sqlx::Postgres {
    fn bind_keys<'q, O>(
        q: sqlx::query::QueryAs<'q, Self, O, sqlx::postgres::PgArguments>,
        keys: &[i32],
    ) -> sqlx::query::QueryAs<'q, Self, O, sqlx::postgres::PgArguments> {
        q.bind(keys.to_vec())
    }
}

macro_rules! bind_each {
    ($db:ty, $args:ty) => {
        impl Keys for $db {
            fn bind_keys<'q, O>(
                mut q: sqlx::query::QueryAs<'q, Self, O, $args>,
                keys: &[i32],
            ) -> sqlx::query::QueryAs<'q, Self, O, $args> {
                for k in keys {
                    q = q.bind(*k);
                }
                q
            }
        }
    };
}

bind_each!(sqlx::Sqlite, sqlx::sqlite::SqliteArguments);
bind_each!(sqlx::MySql, sqlx::mysql::MySqlArguments);

/// MySQL's first generated key of a multi-row INSERT (the others read
/// keys through RETURNING).
trait FirstKey {
    fn first_key(&self) -> i32;
}

impl FirstKey for sqlx::mysql::MySqlQueryResult {
    fn first_key(&self) -> i32 {
        self.last_insert_id() as i32
    }
}

impl FirstKey for sqlx::sqlite::SqliteQueryResult {
    fn first_key(&self) -> i32 {
        unreachable!("SQLite reads keys through RETURNING")
    }
}

impl FirstKey for sqlx::postgres::PgQueryResult {
    fn first_key(&self) -> i32 {
        unreachable!("PostgreSQL reads keys through RETURNING")
    }
}

pub enum Floor {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
    MySql(sqlx::MySqlPool),
}

/// Runs `$body` with `$p` bound to the concrete pool.
macro_rules! each_pool {
    ($floor:expr, $p:ident => $body:expr) => {
        match $floor {
            Floor::Sqlite($p) => $body,
            Floor::Postgres($p) => $body,
            Floor::MySql($p) => $body,
        }
    };
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// The statements, written once per backend before timing starts.
pub struct Statements {
    kind: Kind,
    by_key: &'static str,
    medium: &'static str,
}

impl Statements {
    pub fn new(kind: Kind) -> Self {
        Statements {
            kind,
            by_key: leak(kind.sql("SELECT id, name, hair_color FROM users WHERE id = ?")),
            medium: leak(kind.sql(
                "SELECT users.id, users.name, users.hair_color, posts.id, posts.user_id, posts.title, posts.body \
                 FROM users LEFT JOIN posts ON users.id = posts.user_id WHERE users.hair_color = ?",
            )),
        }
    }

    /// `col IN (?, ...)`, or `col = ANY($1)` on PostgreSQL.
    fn in_list(&self, head: &str, n: usize) -> String {
        if self.kind == Kind::Postgres {
            format!("{head} = ANY($1)")
        } else {
            format!("{head} IN ({})", vec!["?"; n].join(", "))
        }
    }

    fn insert_users(&self, n: usize, returning: bool) -> String {
        let mut sql = String::from("INSERT INTO users (name, hair_color) VALUES ");
        for i in 0..n {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str("(?, ?)");
        }
        if returning && self.kind != Kind::MySql {
            sql.push_str(" RETURNING id");
        }
        self.kind.sql(&sql)
    }
}

impl Floor {
    /// The floor: the pool a careful engineer would set up — no ping
    /// before each use (`test_before_acquire(false)`), statements prepared
    /// once and kept (sqlx's statement cache), rows decoded by position.
    /// One connection for SQLite in memory, whose database lives in its
    /// connection.
    pub async fn connect(kind: Kind, url: &str) -> Floor {
        match kind {
            Kind::Sqlite => Floor::Sqlite(
                sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(1)
                    .test_before_acquire(false)
                    .connect(url)
                    .await
                    .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}")),
            ),
            Kind::Postgres => Floor::Postgres(
                sqlx::postgres::PgPoolOptions::new()
                    .test_before_acquire(false)
                    .connect(url)
                    .await
                    .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}")),
            ),
            Kind::MySql => Floor::MySql(
                sqlx::mysql::MySqlPoolOptions::new()
                    .test_before_acquire(false)
                    .connect(url)
                    .await
                    .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}")),
            ),
        }
    }

    /// sqlx's default pool, which pings the server before handing out a
    /// connection: the same hand-written code on `PgPool::connect`, as a
    /// second, labelled row. `None` on SQLite in memory (a second pool
    /// would be a second, empty database).
    pub async fn connect_default(kind: Kind, url: &str) -> Option<Floor> {
        match kind {
            Kind::Sqlite => None,
            Kind::Postgres => Some(Floor::Postgres(sqlx::PgPool::connect(url).await.unwrap())),
            Kind::MySql => Some(Floor::MySql(sqlx::MySqlPool::connect(url).await.unwrap())),
        }
    }

    pub async fn trivial(&self) -> Vec<RawUser> {
        each_pool!(self, p => sqlx::query_as::<_, RawUser>("SELECT id, name, hair_color FROM users")
            .fetch_all(p)
            .await
            .unwrap())
    }

    /// Posts per user: `GROUP BY` with `COUNT(*)`.
    pub async fn aggregate(&self) -> Vec<(i32, i64)> {
        each_pool!(self, p => sqlx::query_as::<_, (i32, i64)>(
            "SELECT user_id, COUNT(*) FROM posts GROUP BY user_id"
        )
        .fetch_all(p)
        .await
        .unwrap())
    }

    /// Labels inserted or updated by name, read back: one statement with
    /// `RETURNING`; on MySQL `ON DUPLICATE KEY UPDATE` and a read by name
    /// in one transaction.
    pub async fn upsert(&self, names: &[String]) -> Vec<(i32, String)> {
        let mut sql = String::from("INSERT INTO labels (name) VALUES ");
        for i in 0..names.len() {
            sql.push_str(if i == 0 { "(?)" } else { ", (?)" });
        }
        match self {
            Floor::MySql(p) => {
                sql.push_str(" ON DUPLICATE KEY UPDATE name = VALUES(name)");
                let mut tx = p.begin().await.unwrap();
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for n in names {
                    q = q.bind(n.clone());
                }
                q.execute(&mut *tx).await.unwrap();
                let read = format!(
                    "SELECT id, name FROM labels WHERE name IN ({})",
                    vec!["?"; names.len()].join(", ")
                );
                let mut q = sqlx::query_as::<_, (i32, String)>(sqlx::AssertSqlSafe(read));
                for n in names {
                    q = q.bind(n.clone());
                }
                let rows = q.fetch_all(&mut *tx).await.unwrap();
                tx.commit().await.unwrap();
                rows
            }
            Floor::Sqlite(p) => {
                sql.push_str(
                    " ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id, name",
                );
                let mut q = sqlx::query_as::<_, (i32, String)>(sqlx::AssertSqlSafe(sql));
                for n in names {
                    q = q.bind(n.clone());
                }
                q.fetch_all(p).await.unwrap()
            }
            Floor::Postgres(p) => {
                sql.push_str(
                    " ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id, name",
                );
                let sql = Kind::Postgres.sql(&sql);
                let mut q = sqlx::query_as::<_, (i32, String)>(sqlx::AssertSqlSafe(sql));
                for n in names {
                    q = q.bind(n.clone());
                }
                q.fetch_all(p).await.unwrap()
            }
        }
    }

    pub async fn get(&self, st: &Statements, id: i32) -> RawUser {
        each_pool!(self, p => sqlx::query_as::<_, RawUser>(st.by_key)
            .bind(id)
            .fetch_one(p)
            .await
            .unwrap())
    }

    pub async fn medium(&self, st: &Statements) -> Vec<Pair> {
        each_pool!(self, p => sqlx::query_as::<_, Pair>(st.medium)
            .bind("black")
            .fetch_all(p)
            .await
            .unwrap())
    }

    /// One multi-row INSERT of `n` users, made first as every contender
    /// makes them (a name and a hair colour of their own each), and bound
    /// by reference.
    pub async fn insert(&self, st: &Statements, n: usize) -> u64 {
        let users: Vec<(String, Option<String>)> = (0..n)
            .map(|i| (user_name(i), Some(hair_color(i).to_string())))
            .collect();
        let sql = st.insert_users(n, false);
        each_pool!(self, p => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (name, hair_color) in &users {
                q = q.bind(name.as_str()).bind(hair_color.as_deref());
            }
            q.execute(p).await.unwrap().rows_affected()
        })
    }

    /// Users, their posts and the posts' comments: three queries, grouped
    /// by key.
    pub async fn associations(&self, st: &Statements) -> Tree {
        macro_rules! keyed {
            ($p:expr, $ty:ty, $head:expr, $keys:expr) => {{
                let sql = st.in_list($head, $keys.len());
                let q = sqlx::query_as::<_, $ty>(sqlx::AssertSqlSafe(sql));
                Keys::bind_keys(q, &$keys).fetch_all($p).await.unwrap()
            }};
        }
        each_pool!(self, p => {
            let users = sqlx::query_as::<_, RawUser>("SELECT id, name, hair_color FROM users")
                .fetch_all(p)
                .await
                .unwrap();
            let ids: Vec<i32> = users.iter().map(|u| u.id).collect();
            let posts = keyed!(p, RawPost, "SELECT id, user_id, title, body FROM posts WHERE user_id", ids);
            let post_ids: Vec<i32> = posts.iter().map(|p| p.id).collect();
            let comments = keyed!(p, RawComment, "SELECT id, post_id, text FROM comments WHERE post_id", post_ids);
            group(users, posts, comments)
        })
    }

    /// Every post with its tags: two queries, the second through the
    /// association table.
    pub async fn posts_with_tags(&self, st: &Statements) -> Vec<(RawPost, Vec<RawTag>)> {
        struct Tagged(i32, RawTag);
        impl<'r, R: Row> FromRow<'r, R> for Tagged
        where
            usize: ColumnIndex<R>,
            i32: Decode<'r, R::Database> + Type<R::Database>,
            String: Decode<'r, R::Database> + Type<R::Database>,
        {
            fn from_row(r: &'r R) -> Result<Self, sqlx::Error> {
                Ok(Tagged(
                    r.try_get(2)?,
                    RawTag {
                        id: r.try_get(0)?,
                        name: r.try_get(1)?,
                    },
                ))
            }
        }
        each_pool!(self, p => {
            let posts = sqlx::query_as::<_, RawPost>("SELECT id, user_id, title, body FROM posts")
                .fetch_all(p)
                .await
                .unwrap();
            let ids: Vec<i32> = posts.iter().map(|p| p.id).collect();
            let sql = st.in_list(
                "SELECT tags.id, tags.name, post_tags.post_id FROM tags INNER JOIN post_tags ON post_tags.tag_id = tags.id WHERE post_tags.post_id",
                ids.len(),
            );
            let q = Keys::bind_keys(sqlx::query_as::<_, Tagged>(sqlx::AssertSqlSafe(sql)), &ids);
            let mut by_post: HashMap<i32, Vec<RawTag>> = HashMap::with_capacity(posts.len());
            for Tagged(post, tag) in q.fetch_all(p).await.unwrap() {
                by_post.entry(post).or_default().push(tag);
            }
            posts
                .into_iter()
                .map(|p| {
                    let tags = by_post.remove(&p.id).unwrap_or_default();
                    (p, tags)
                })
                .collect()
        })
    }

    /// `users` users with `per_user` posts each, in one transaction: one
    /// INSERT of the users reading their keys back, one of the posts.
    pub async fn graph_insert(&self, st: &Statements, users: usize, per_user: usize) -> usize {
        let user_sql = st.insert_users(users, true);
        let mut post_sql = String::from("INSERT INTO posts (user_id, title, body) VALUES ");
        for i in 0..users * per_user {
            if i > 0 {
                post_sql.push_str(", ");
            }
            post_sql.push_str("(?, ?, ?)");
        }
        let post_sql = st.kind.sql(&post_sql);
        each_pool!(self, p => {
            let mut tx = p.begin().await.unwrap();
            let mut q = sqlx::query(sqlx::AssertSqlSafe(user_sql));
            for i in 0..users {
                q = q.bind(user_name(i)).bind(hair_color(i));
            }
            let ids: Vec<i32> = if st.kind == Kind::MySql {
                let done = q.execute(&mut *tx).await.unwrap();
                let first = FirstKey::first_key(&done);
                (first..first + users as i32).collect()
            } else {
                q.fetch_all(&mut *tx).await.unwrap().iter().map(|r| r.get::<i32, _>(0)).collect()
            };
            let mut q = sqlx::query(sqlx::AssertSqlSafe(post_sql));
            for id in &ids {
                for j in 0..per_user {
                    q = q.bind(*id).bind(format!("Post {j}")).bind(None::<String>);
                }
            }
            q.execute(&mut *tx).await.unwrap();
            tx.commit().await.unwrap();
            ids.len()
        })
    }

    /// Every user, one row at a time; returns how many were read.
    pub async fn stream(&self) -> usize {
        each_pool!(self, p => sqlx::query_as::<_, RawUser>("SELECT id, name, hair_color FROM users")
            .fetch(p)
            .try_fold(0, |n, _| async move { Ok(n + 1) })
            .await
            .unwrap())
    }

    /// Runs a script one statement at a time (a large one exceeds
    /// MariaDB's max_allowed_packet as a whole).
    pub async fn run_script(&self, sql: String) {
        for statement in sql.split(";\n").filter(|s| !s.trim().is_empty()) {
            each_pool!(self, p => {
                sqlx::raw_sql(sqlx::AssertSqlSafe(statement)).execute(p).await.unwrap();
            })
        }
    }
}

fn group(users: Vec<RawUser>, posts: Vec<RawPost>, comments: Vec<RawComment>) -> Tree {
    let mut by_post: HashMap<i32, Vec<RawComment>> = HashMap::with_capacity(posts.len());
    for c in comments {
        by_post.entry(c.post_id).or_default().push(c);
    }
    let mut by_user: HashMap<i32, Vec<(RawPost, Vec<RawComment>)>> =
        HashMap::with_capacity(users.len());
    for p in posts {
        let cs = by_post.remove(&p.id).unwrap_or_default();
        by_user.entry(p.user_id).or_default().push((p, cs));
    }
    users
        .into_iter()
        .map(|u| {
            let ps = by_user.remove(&u.id).unwrap_or_default();
            (u, ps)
        })
        .collect()
}
