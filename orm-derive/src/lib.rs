//! `#[derive(Model)]` for the `orm` crate. Use it through `orm`, which
//! re-exports it: `use orm::prelude::*;`.
//!
//! The macro parses the struct's attributes into a typed model, checks it
//! (collecting every error, each at its span), then generates the `Model`
//! implementation and the typed column constants.

mod expand;
mod fallback;
mod internals;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

use internals::{ast::Container, check, ctxt::Ctxt};

/// Maps a struct to a table.
///
/// # Struct attributes: `#[model(...)]`
///
/// | attribute | meaning |
/// |---|---|
/// | `table = "users"` | the table name; default: the struct name in snake_case (`OrderLine` → `order_line`) |
/// | `schema = "auth"` | the PostgreSQL schema (MySQL database) of the table; ignored on SQLite |
/// | `rename_all = "camelCase"` | how field names become column names: `snake_case`, `camelCase`, `PascalCase`, `SCREAMING_SNAKE_CASE`, `kebab-case`, `lowercase`, `UPPERCASE` |
/// | `crate = "::orm"` | the path of the `orm` crate, when it is renamed |
///
/// # Field attributes: `#[model(...)]`
///
/// | attribute | meaning |
/// |---|---|
/// | `primary_key` | part of the primary key; several fields make a composite key |
/// | `auto`, `auto = false` | the database generates the key. A single `i16`/`i32`/`i64` key is `auto` unless `auto = false`; on insert its value is ignored and replaced by the generated one |
/// | `column = "name"` | the column name |
/// | `unique` | a unique constraint on the column |
/// | `index` | an index on the column |
/// | `max_length = 120` | `VARCHAR(120)`; longer values are refused before they are sent, with `Error::Validation` |
/// | `default = "CURRENT_TIMESTAMP"` | the column's SQL default; an `Option` field left `None` on insert takes it |
/// | `references = Model` | a foreign key to `Model`'s primary key |
/// | `validate = path::to_fn` | `fn(&T) -> Result<(), E>` with `E: Display`, run before insert and update; an `Err` becomes `Error::Validation` naming the field |
/// | `skip` | not a column: filled with `Default::default()` when loaded |
///
/// `Option<T>` fields are nullable columns; every other field is `NOT NULL`.
///
/// # Relationship fields
///
/// A relationship is a field of type `BelongsTo<T>`, `HasOne<T>` or
/// `HasMany<T>` with one of these attributes (docs/relationships.md has
/// each with its SQLAlchemy spelling):
///
/// | attribute | meaning |
/// |---|---|
/// | `#[belongs_to(User)]` | many-to-one; the key field is `<field>_id` (or `key = "author_id"`), and it becomes the foreign key (do not also give it `references`); `references = "email"` for another target column |
/// | `#[has_many(Post)]` | one-to-many; the key lives on `Post` (`foreign_key = ".."` when it has several to this model) |
/// | `#[has_one(Profile)]` | one-to-one (`uselist=False`); the key on `Profile` is made unique |
/// | `#[has_many(Tag)]` + `#[secondary(PostTag)]` or `#[secondary(table = "post_tags")]` | many-to-many through an association model or table (`left`, `right` to name its columns) |
///
/// Options on any of them: `back_populates = "posts"` (both sides declared,
/// each naming the other), `backref = "posts"` (generate the other side),
/// `cascade = "all, delete-orphan"`, `on_delete = "cascade" | "set null" |
/// "restrict"` (the foreign key's action), `order_by = "title desc"`,
/// `lazy = "selectin" | "joined" | "raise"` (the default load).
///
/// ```
/// use orm::prelude::*;
///
/// #[derive(Model, Debug)]
/// pub struct User {
///     #[model(primary_key)]
///     pub id: i64,
///     #[has_many(Post, back_populates = "author")]
///     pub posts: HasMany<Post>,
/// }
///
/// #[derive(Model, Debug)]
/// pub struct Post {
///     #[model(primary_key)]
///     pub id: i64,
///     pub author_id: i64,
///     #[belongs_to(User, back_populates = "posts")]
///     pub author: BelongsTo<User>,
/// }
/// ```
///
/// # Example
///
/// ```
/// use orm::prelude::*;
///
/// fn not_blank(name: &String) -> Result<(), String> {
///     if name.trim().is_empty() { Err("must not be blank".into()) } else { Ok(()) }
/// }
///
/// #[derive(Model, Debug, Clone)]
/// #[model(table = "users")]
/// pub struct User {
///     #[model(primary_key)]
///     pub id: i64,
///     #[model(unique, max_length = 120)]
///     pub email: String,
///     #[model(validate = not_blank)]
///     pub name: String,
///     pub nickname: Option<String>,
///     #[model(skip)]
///     pub cached_score: u32,
/// }
///
/// #[derive(Model, Debug, Clone)]
/// pub struct Membership {
///     #[model(primary_key, references = User)]
///     pub user_id: i64,
///     #[model(primary_key)]
///     pub group_name: String,
///     #[model(default = "0")]
///     pub rank: Option<i32>,
/// }
///
/// assert_eq!(User::EMAIL.name(), "email");
/// assert_eq!(<Membership as Model>::META.table, "membership");
/// ```
#[proc_macro_derive(Model, attributes(model, belongs_to, has_many, has_one, secondary))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let cx = Ctxt::new();
    let cont = Container::from_ast(&cx, &input);
    if let Some(cont) = &cont {
        check::check(&cx, cont);
    }
    match cx.check() {
        Ok(()) => match &cont {
            Some(cont) => expand::expand(cont, true).into(),
            None => TokenStream::new(),
        },
        Err(err) => fallback::expand(cont, err).into(),
    }
}

/// Embeds a folder of migrations (sqlx's format) at compile time:
/// `orm::migrate!("migrations")`, the path relative to the crate's
/// `Cargo.toml` (default `"migrations"`). Gives an `orm::Migrator`.
///
/// Each `.sql` file is included with `include_str!`, so a changed file
/// rebuilds the crate; a file added to the folder does not by itself (add
/// `println!("cargo:rerun-if-changed=migrations");` to a `build.rs`, as
/// with sqlx's `migrate!`).
#[proc_macro]
pub fn migrate(input: TokenStream) -> TokenStream {
    migrations::expand(input.into()).into()
}

mod migrations;

/// Stores a fieldless enum in one column: as text, its variant names in
/// snake_case (the default), or as an integer, its discriminants
/// (`#[orm(repr = "int")]`). `create_all` adds a `CHECK` listing the
/// values; a value no variant has is `Error::Decode` naming both.
///
/// | attribute | meaning |
/// |---|---|
/// | `#[orm(rename_all = "..")]` on the enum | `snake_case` (default), `SCREAMING_SNAKE_CASE`, `kebab-case`, `camelCase`, `PascalCase`, `lowercase`, `UPPERCASE`, `none` |
/// | `#[orm(repr = "int")]` on the enum | store the discriminant (an `i32`) instead of the name |
/// | `#[orm(rename = "..")]` on a variant | store this text for it |
///
/// ```
/// use orm::prelude::*;
///
/// #[derive(orm::Enum, Debug, Clone, Copy, PartialEq)]
/// pub enum Status { Draft, InReview, Published }
///
/// #[derive(Model, Debug)]
/// pub struct Post {
///     #[model(primary_key)]
///     pub id: i64,
///     pub status: Status,
/// }
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
/// # let db = Db::connect("sqlite::memory:").await?;
/// # db.create_all(&orm::models![Post]).await?;
/// db.insert(Post { id: 0, status: Status::InReview }).await?;
/// let p = Post::query().filter(Post::STATUS.eq(Status::InReview)).one(&db).await?;
/// assert_eq!(p.status, Status::InReview); // stored as 'in_review'
/// # Ok(()) }
/// ```
#[proc_macro_derive(Enum, attributes(orm))]
pub fn derive_enum(input: TokenStream) -> TokenStream {
    enums::expand(parse_macro_input!(input as DeriveInput)).into()
}

mod enums;

/// Reads a projection's rows into a plain struct: its fields, in order,
/// take the values of `select((..))`, and the types must match (checked at
/// compile time). `.select((Post::AUTHOR_ID, orm::count())).all_into::<Stats>(&db)`.
///
/// ```
/// use orm::prelude::*;
///
/// #[derive(orm::FromRow, Debug, PartialEq)]
/// pub struct Stats {
///     pub author_id: i64,
///     pub posts: i64,
/// }
/// # #[derive(Model, Debug)]
/// # pub struct Post { #[model(primary_key)] id: i64, author_id: i64 }
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
/// # let db = Db::connect("sqlite::memory:").await?;
/// # db.create_all(&orm::models![Post]).await?;
/// # db.insert(Post { id: 0, author_id: 7 }).await?;
/// let stats: Vec<Stats> = Post::query()
///     .select((Post::AUTHOR_ID, orm::count()))
///     .group_by(Post::AUTHOR_ID)
///     .all_into(&db)
///     .await?;
/// assert_eq!(stats, [Stats { author_id: 7, posts: 1 }]);
/// # Ok(()) }
/// ```
#[proc_macro_derive(FromRow, attributes(orm))]
pub fn derive_from_row(input: TokenStream) -> TokenStream {
    from_row::expand(parse_macro_input!(input as DeriveInput)).into()
}

mod from_row;
