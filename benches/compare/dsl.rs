//! Diesel, through its idiomatic API: `table!`, `Selectable`, `belonging_to`
//! and `grouped_by`; synchronous on SQLite and PostgreSQL (libpq), and
//! diesel-async on PostgreSQL and MySQL.

use diesel::prelude::*;

use crate::fixture::{hair_color, user_name};

diesel::table! {
    users (id) {
        id -> Integer,
        name -> Text,
        hair_color -> Nullable<Text>,
    }
}

diesel::table! {
    posts (id) {
        id -> Integer,
        user_id -> Integer,
        title -> Text,
        body -> Nullable<Text>,
    }
}

diesel::table! {
    comments (id) {
        id -> Integer,
        post_id -> Integer,
        text -> Text,
    }
}

diesel::table! {
    tags (id) {
        id -> Integer,
        name -> Text,
    }
}

diesel::table! {
    post_tags (post_id, tag_id) {
        post_id -> Integer,
        tag_id -> Integer,
    }
}

diesel::joinable!(posts -> users (user_id));
diesel::joinable!(comments -> posts (post_id));
diesel::joinable!(post_tags -> posts (post_id));
diesel::joinable!(post_tags -> tags (tag_id));
diesel::allow_tables_to_appear_in_same_query!(users, posts, comments, tags, post_tags);

#[derive(Queryable, Selectable, Identifiable, Debug, Clone, PartialEq)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i32,
    pub name: String,
    pub hair_color: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub name: String,
    pub hair_color: Option<String>,
}

#[derive(Queryable, Selectable, Identifiable, Associations, Debug, Clone, PartialEq)]
#[diesel(belongs_to(User))]
#[diesel(table_name = posts)]
pub struct Post {
    pub id: i32,
    pub user_id: i32,
    pub title: String,
    pub body: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = posts)]
pub struct NewPost {
    pub user_id: i32,
    pub title: String,
    pub body: Option<String>,
}

#[derive(Queryable, Selectable, Identifiable, Associations, Debug, Clone, PartialEq)]
#[diesel(belongs_to(Post))]
#[diesel(table_name = comments)]
pub struct Comment {
    pub id: i32,
    pub post_id: i32,
    pub text: String,
}

#[derive(Queryable, Selectable, Identifiable, Debug, Clone, PartialEq)]
#[diesel(table_name = tags)]
pub struct Tag {
    pub id: i32,
    pub name: String,
}

#[derive(Queryable, Selectable, Identifiable, Associations, Debug, Clone, PartialEq)]
#[diesel(belongs_to(Post))]
#[diesel(belongs_to(Tag))]
#[diesel(table_name = post_tags)]
#[diesel(primary_key(post_id, tag_id))]
pub struct PostTag {
    pub post_id: i32,
    pub tag_id: i32,
}

pub type Tree = Vec<(User, Vec<(Post, Vec<Comment>)>)>;

pub fn new_users(n: usize) -> Vec<NewUser> {
    (0..n)
        .map(|i| NewUser {
            name: user_name(i),
            hair_color: Some(hair_color(i).to_string()),
        })
        .collect()
}

pub fn new_posts(ids: &[i32], per_user: usize) -> Vec<NewPost> {
    ids.iter()
        .flat_map(|&user_id| {
            (0..per_user).map(move |j| NewPost {
                user_id,
                title: format!("Post {j}"),
                body: None,
            })
        })
        .collect()
}

fn tree(users: Vec<User>, posts: Vec<Post>, comments: Vec<Comment>) -> Tree {
    let comments = comments.grouped_by(&posts);
    let posts = posts
        .into_iter()
        .zip(comments)
        .collect::<Vec<_>>()
        .grouped_by(&users);
    users.into_iter().zip(posts).collect()
}

fn tagged(posts: Vec<Post>, pairs: Vec<(PostTag, Tag)>) -> Vec<(Post, Vec<Tag>)> {
    let grouped = pairs.grouped_by(&posts);
    posts
        .into_iter()
        .zip(
            grouped
                .into_iter()
                .map(|ts| ts.into_iter().map(|(_, t)| t).collect()),
        )
        .collect()
}

/// The read workloads, written once for a connection type; `.await`
/// appended for diesel-async.
macro_rules! reads {
    ($conn:ty, [$($async:tt)*], [$($aw:tt)*]) => {
        pub $($async)* fn trivial(conn: &mut $conn) -> Vec<User> {
            users::table.select(User::as_select()).load(conn)$($aw)*.unwrap()
        }

        pub $($async)* fn get(conn: &mut $conn, id: i32) -> User {
            users::table.find(id).select(User::as_select()).first(conn)$($aw)*.unwrap()
        }

        pub $($async)* fn medium(conn: &mut $conn) -> Vec<(User, Option<Post>)> {
            users::table
                .left_join(posts::table)
                .filter(users::hair_color.eq("black"))
                .select((User::as_select(), Option::<Post>::as_select()))
                .load(conn)$($aw)*
                .unwrap()
        }

        pub $($async)* fn insert(conn: &mut $conn, n: usize) -> usize {
            diesel::insert_into(users::table).values(new_users(n)).execute(conn)$($aw)*.unwrap()
        }

        pub $($async)* fn associations(conn: &mut $conn) -> Tree {
            let users = users::table.select(User::as_select()).load(conn)$($aw)*.unwrap();
            let posts = Post::belonging_to(&users).select(Post::as_select()).load(conn)$($aw)*.unwrap();
            let comments = Comment::belonging_to(&posts).select(Comment::as_select()).load(conn)$($aw)*.unwrap();
            tree(users, posts, comments)
        }

        pub $($async)* fn posts_with_tags(conn: &mut $conn) -> Vec<(Post, Vec<Tag>)> {
            let posts = posts::table.select(Post::as_select()).load(conn)$($aw)*.unwrap();
            let pairs = PostTag::belonging_to(&posts)
                .inner_join(tags::table)
                .select((PostTag::as_select(), Tag::as_select()))
                .load(conn)$($aw)*
                .unwrap();
            tagged(posts, pairs)
        }
    };
}

/// The graph insert on a synchronous connection with RETURNING.
macro_rules! sync_graph_insert {
    ($conn:ty) => {
        pub fn graph_insert(conn: &mut $conn, users: usize, per_user: usize) -> usize {
            conn.transaction::<_, diesel::result::Error, _>(|conn| {
                let ids: Vec<i32> = diesel::insert_into(users::table)
                    .values(new_users(users))
                    .returning(users::id)
                    .get_results(conn)?;
                diesel::insert_into(posts::table)
                    .values(new_posts(&ids, per_user))
                    .execute(conn)?;
                Ok(ids.len())
            })
            .unwrap()
        }
    };
}

pub mod sync_sqlite {
    use super::*;
    reads!(SqliteConnection, [], []);
    sync_graph_insert!(SqliteConnection);
}

pub mod sync_pg {
    use super::*;
    reads!(PgConnection, [], []);
    sync_graph_insert!(PgConnection);
}

pub mod async_pg {
    use super::*;
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
    reads!(AsyncPgConnection, [async], [.await]);

    pub async fn graph_insert(
        conn: &mut AsyncPgConnection,
        users: usize,
        per_user: usize,
    ) -> usize {
        conn.transaction::<_, diesel::result::Error, _>(async |conn| {
            let ids: Vec<i32> = diesel::insert_into(users::table)
                .values(new_users(users))
                .returning(users::id)
                .get_results(conn)
                .await?;
            diesel::insert_into(posts::table)
                .values(new_posts(&ids, per_user))
                .execute(conn)
                .await?;
            Ok(ids.len())
        })
        .await
        .unwrap()
    }
}

pub mod async_mysql {
    use super::*;
    use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl};
    reads!(AsyncMysqlConnection, [async], [.await]);

    diesel::define_sql_function!(fn last_insert_id() -> BigInt);

    /// MySQL has no RETURNING: the users' keys follow from the first
    /// generated one.
    pub async fn graph_insert(
        conn: &mut AsyncMysqlConnection,
        users: usize,
        per_user: usize,
    ) -> usize {
        conn.transaction::<_, diesel::result::Error, _>(async |conn| {
            diesel::insert_into(users::table)
                .values(new_users(users))
                .execute(conn)
                .await?;
            let first: i64 = diesel::select(last_insert_id()).get_result(conn).await?;
            let ids: Vec<i32> = (first as i32..first as i32 + users as i32).collect();
            diesel::insert_into(posts::table)
                .values(new_posts(&ids, per_user))
                .execute(conn)
                .await?;
            Ok(ids.len())
        })
        .await
        .unwrap()
    }
}
