//! `orm generate models`: Rust source for the models of an existing
//! database, from its [`Catalog`].

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::{Catalog, Dialect, Error, OnDelete, Result, Table};

use super::names::{self, Taken};
use super::types::{self, Fallback, Mapped};

/// Which optional field types the generated models use, named after the
/// `orm` crate's features that enable them. With none (the default) the
/// models compile with `orm`'s default features.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ModelOptions {
    /// Dates and times as `chrono` types (`NaiveDate`, `NaiveDateTime`,
    /// `DateTime<Utc>`) rather than `String`.
    pub chrono: bool,
    /// NUMERIC/DECIMAL as `rust_decimal::Decimal` rather than `f64`
    /// (SQLite's stay `f64`: it stores them as REAL or INTEGER).
    pub rust_decimal: bool,
    /// UUID columns as `uuid::Uuid` rather than `String`.
    pub uuid: bool,
    /// JSON columns as `orm::Json<serde_json::Value>` rather than `String`.
    pub json: bool,
}

impl ModelOptions {
    /// The options named in a list of `orm` features: `chrono`,
    /// `rust_decimal`, `uuid`, `json` (each also accepted comma-separated,
    /// as `--features chrono,rust_decimal` gives them).
    ///
    /// ```
    /// let options = orm::cli::ModelOptions::from_features(["chrono,rust_decimal"])?;
    /// assert!(options.chrono && options.rust_decimal && !options.uuid);
    /// assert!(orm::cli::ModelOptions::from_features(["time"]).is_err());
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn from_features<I, S>(features: I) -> Result<ModelOptions>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut options = ModelOptions::default();
        for list in features {
            for name in list.as_ref().split(',').map(str::trim) {
                match name {
                    "" => {}
                    "chrono" => options.chrono = true,
                    "rust_decimal" => options.rust_decimal = true,
                    "uuid" => options.uuid = true,
                    "json" => options.json = true,
                    other => {
                        return Err(Error::Config(format!(
                            "unknown feature `{other}`: the field types that need a feature are `chrono`, `rust_decimal`, `uuid` and `json`"
                        )));
                    }
                }
            }
        }
        Ok(options)
    }

    fn names(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        for (on, name) in [
            (self.chrono, "chrono"),
            (self.rust_decimal, "rust_decimal"),
            (self.uuid, "uuid"),
            (self.json, "json"),
        ] {
            if on {
                out.push(name);
            }
        }
        out
    }
}

/// The Rust source of one `#[derive(Model)]` struct per table of
/// `catalog` (read from a `dialect` database), with their relationships:
/// a foreign key becomes a `#[belongs_to]` beside its key field and a
/// `#[has_many]` (a `#[has_one]` over a unique key) on the table it
/// references; a pure association table (two foreign-key columns that
/// are its primary key, nothing else) becomes a `#[has_many] #[secondary]`
/// on both sides, its model kept.
///
/// What the models cannot say (composite foreign keys, composite unique
/// constraints and indexes, tables without a primary key) is written as
/// a comment where it applies.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
/// use orm::Executor;
///
/// let db = orm::Db::connect("sqlite::memory:").await?;
/// db.execute_script(
///     "CREATE TABLE artist (id INTEGER PRIMARY KEY, name VARCHAR(120) NOT NULL);
///      CREATE TABLE album (id INTEGER PRIMARY KEY, title TEXT NOT NULL,
///                          artist_id INTEGER NOT NULL REFERENCES artist (id));",
/// )
/// .await?;
/// let catalog = orm::Schema::new(&[]).inspect(&db).await?;
/// let source = orm::cli::generate_models(&catalog, db.dialect(), &Default::default());
/// assert!(source.contains("pub struct Album {"));
/// assert!(source.contains("#[belongs_to(Artist, back_populates = \"albums\")]"));
/// assert!(source.contains("#[has_many(Album, back_populates = \"artist\")]"));
/// # Ok(()) }
/// ```
pub fn generate_models(catalog: &Catalog, dialect: Dialect, options: &ModelOptions) -> String {
    Generator::new(catalog, dialect, options).render()
}

/// A model being written.
struct Model<'a> {
    table: &'a Table,
    name: String,
    fields: Vec<ColumnField>,
    collections: Vec<Collection>,
    notes: Vec<String>,
    taken: Taken,
}

/// A column's field, with the belongs_to slot that follows it.
struct ColumnField {
    column: String,
    name: String,
    mapped: Mapped,
    ty_name: String,
    nullable: bool,
    primary_key: bool,
    auto_false: bool,
    unique: bool,
    index: bool,
    default: Option<String>,
    collation: Option<String>,
    /// `references = Model` (a key of an association model).
    references: Option<String>,
    belongs_to: Option<BelongsTo>,
    /// Left out of the model: no field type reads it.
    skipped: bool,
}

struct BelongsTo {
    name: String,
    target: String,
    key: Option<String>,
    references: Option<String>,
    back_populates: Option<String>,
    on_delete: Option<&'static str>,
}

/// A has_many or has_one on the referenced side, or one side of a
/// many-to-many.
struct Collection {
    one: bool,
    name: String,
    target: String,
    back_populates: String,
    foreign_key: Option<String>,
    /// The association model, and `left`/`right` when they must be named.
    secondary: Option<(String, Option<(String, String)>)>,
}

/// A foreign key the models can express: child column to a column of
/// another model.
struct Link {
    child: usize,
    field: usize,
    parent: usize,
    /// The referenced column, when it is not the parent's primary key.
    references: Option<String>,
    on_delete: OnDelete,
}

struct Generator<'a> {
    dialect: Dialect,
    options: ModelOptions,
    models: Vec<Model<'a>>,
    /// Tables left out (no primary key), with why.
    left_out: Vec<String>,
    fallbacks: BTreeSet<Fallback>,
    /// MySQL collations the models do not declare.
    collations: BTreeSet<String>,
}

fn quote(s: &str) -> String {
    format!("{s:?}")
}

fn on_delete_name(dialect: Dialect, action: OnDelete) -> Option<&'static str> {
    match action {
        OnDelete::NoAction => None,
        OnDelete::Cascade => Some("cascade"),
        OnDelete::SetNull => Some("set null"),
        // InnoDB treats RESTRICT as NO ACTION.
        OnDelete::Restrict if dialect == Dialect::MySql => None,
        OnDelete::Restrict => Some("restrict"),
    }
}

/// The name a relationship through key field `key` to `target` takes:
/// `album_id` → `album`, `reports_to` → `reports_to_employee`.
fn relation_stem(key: &str, target_snake: &str) -> String {
    names::not_keyword(match key.strip_suffix("_id") {
        Some(stem) if !stem.is_empty() => stem.to_string(),
        _ if key == "id" => target_snake.to_string(),
        _ => format!("{}_{target_snake}", key.trim_end_matches('_')),
    })
}

impl<'a> Generator<'a> {
    fn new(catalog: &'a Catalog, dialect: Dialect, options: &ModelOptions) -> Generator<'a> {
        let mut g = Generator {
            dialect,
            options: *options,
            models: Vec::new(),
            left_out: Vec::new(),
            fallbacks: BTreeSet::new(),
            collations: BTreeSet::new(),
        };
        let tables: Vec<&Table> = catalog
            .tables
            .iter()
            .filter(|t| {
                if t.primary_key.is_empty() {
                    g.left_out.push(t.qualified());
                    false
                } else {
                    true
                }
            })
            .collect();
        g.name_models(&tables);
        for i in 0..g.models.len() {
            g.column_fields(i);
        }
        let links = g.links();
        let associations: Vec<usize> = (0..g.models.len())
            .filter(|&i| g.association(i, &links).is_some())
            .collect();
        g.align_key_types(&links);
        g.relate(&links, &associations);
        g
    }

    /// One struct name per table, distinct.
    fn name_models(&mut self, tables: &[&'a Table]) {
        let desired: Vec<String> = tables.iter().map(|t| names::struct_name(&t.name)).collect();
        let mut taken = Taken::default();
        for (i, table) in tables.iter().enumerate() {
            let shared = desired.iter().filter(|d| **d == desired[i]).count() > 1;
            let candidates = if shared {
                let plain = names::struct_name_plain(&table.name);
                let mut c = vec![plain.clone()];
                if let Some(schema) = &table.schema {
                    c.push(format!("{}{plain}", names::pascal(schema)));
                }
                c
            } else {
                vec![desired[i].clone()]
            };
            let name = taken.claim(&candidates);
            self.models.push(Model {
                table,
                name,
                fields: Vec::new(),
                collections: Vec::new(),
                notes: Vec::new(),
                taken: Taken::default(),
            });
        }
    }

    fn column_fields(&mut self, i: usize) {
        let dialect = self.dialect;
        let table = self.models[i].table;
        let single_key = table.primary_key.len() == 1;
        let mut fields = Vec::new();
        for col in &table.columns {
            let primary_key = table.primary_key.contains(&col.name);
            let mapped = types::map(dialect, &col.ty, &self.options);
            let is_fk = table
                .foreign_keys
                .iter()
                .any(|fk| fk.columns.contains(&col.name));
            let skipped = mapped.fallback == Some(Fallback::Unsupported) && !primary_key && !is_fk;
            if skipped {
                let inserts = if col.nullable || col.default.is_some() {
                    ""
                } else {
                    " It is NOT NULL without a default, so inserts through the model fail."
                };
                self.models[i].notes.push(format!(
                    "Column `{}` ({}) is left out: no field type reads it.{inserts}",
                    col.name, col.ty
                ));
            } else if let Some(f) = mapped.fallback {
                self.fallbacks.insert(f);
            }
            let name = if skipped {
                String::new()
            } else {
                self.models[i].taken.claim(&[names::field_name(&col.name)])
            };
            let unique = !(primary_key && single_key)
                && table
                    .uniques
                    .iter()
                    .any(|u| u.columns.len() == 1 && u.columns[0] == col.name);
            let index = !primary_key
                && !unique
                && table
                    .indexes
                    .iter()
                    .any(|x| x.columns.len() == 1 && x.columns[0] == col.name);
            let collation = col.collation.clone().filter(|c| match dialect {
                Dialect::MySql => {
                    let ours = c.starts_with("utf8mb4_")
                        && !matches!(
                            c.as_str(),
                            "utf8mb4_nopad_bin" | "utf8mb4_0900_bin" | "utf8mb4_bin"
                        );
                    if !c.starts_with("utf8mb4_") {
                        self.collations.insert(c.clone());
                    }
                    ours
                }
                _ => true,
            });
            fields.push(ColumnField {
                column: col.name.clone(),
                name,
                ty_name: col.ty.clone(),
                nullable: col.nullable && !primary_key,
                primary_key,
                auto_false: primary_key && single_key && mapped.integer && !col.auto,
                unique,
                index,
                default: col.default.clone().filter(|_| !col.auto),
                collation,
                mapped,
                references: None,
                belongs_to: None,
                skipped,
            });
        }
        let model = &mut self.models[i];
        model.fields = fields;
        for u in table.uniques.iter().filter(|u| u.columns.len() > 1) {
            model.notes.push(format!(
                "Unique constraint `{}` on ({}): not declared by the model.",
                u.name,
                u.columns.join(", ")
            ));
        }
        for x in &table.indexes {
            let declared = x.columns.len() == 1
                && model
                    .fields
                    .iter()
                    .any(|f| f.column == x.columns[0] && f.index);
            let unique_too = table.uniques.iter().any(|u| u.columns == x.columns);
            if !declared && !unique_too {
                model.notes.push(format!(
                    "Index `{}` on ({}): not declared by the model.",
                    x.name,
                    x.columns.join(", ")
                ));
            }
        }
    }

    fn find_model(&self, schema: &Option<String>, name: &str) -> Option<usize> {
        self.models
            .iter()
            .position(|m| m.table.name == name && m.table.schema == *schema)
    }

    /// The foreign keys a relationship can carry; the others noted.
    fn links(&mut self) -> Vec<Link> {
        let mut links: Vec<Link> = Vec::new();
        for child in 0..self.models.len() {
            let table = self.models[child].table;
            for fk in &table.foreign_keys {
                let target_name = match &fk.target_schema {
                    Some(s) => format!("{s}.{}", fk.target),
                    None => fk.target.clone(),
                };
                let note = |g: &mut Self, why: String| {
                    g.models[child].notes.push(format!(
                        "Foreign key ({}) to `{target_name}` ({}): {why}",
                        fk.columns.join(", "),
                        fk.target_columns.join(", ")
                    ));
                };
                if fk.columns.len() != 1 || fk.target_columns.len() != 1 {
                    note(
                        self,
                        "composite, and relationships go through one column.".into(),
                    );
                    continue;
                }
                let Some(parent) = self.find_model(&fk.target_schema, &fk.target) else {
                    note(self, "that table has no model here.".into());
                    continue;
                };
                let Some(field) = self.models[child]
                    .fields
                    .iter()
                    .position(|f| f.column == fk.columns[0])
                else {
                    continue;
                };
                if links.iter().any(|l| l.child == child && l.field == field) {
                    note(self, "its column already relates to another table.".into());
                    continue;
                }
                let parent_table = self.models[parent].table;
                let target_column = &fk.target_columns[0];
                let references = if parent_table.primary_key.len() == 1
                    && parent_table.primary_key[0] == *target_column
                {
                    None
                } else if parent_table.column(target_column).is_some() {
                    Some(target_column.clone())
                } else {
                    note(self, "the referenced column is not in the table.".into());
                    continue;
                };
                let key_type = &self.models[child].fields[field].mapped;
                let parent_type = self.models[parent]
                    .fields
                    .iter()
                    .find(|f| f.column == *target_column)
                    .map(|f| &f.mapped);
                let compatible = parent_type
                    .is_some_and(|p| p.rust == key_type.rust || (p.integer && key_type.integer));
                if !compatible {
                    note(
                        self,
                        "the key and the referenced column have different types.".into(),
                    );
                    continue;
                }
                links.push(Link {
                    child,
                    field,
                    parent,
                    references,
                    on_delete: fk.on_delete,
                });
            }
        }
        links
    }

    /// `(left link, right link)` when model `i` is a pure association
    /// table: two columns, both its primary key, each a foreign key to a
    /// primary key of another table.
    fn association(&self, i: usize, links: &[Link]) -> Option<(usize, usize)> {
        let table = self.models[i].table;
        let own: Vec<usize> = (0..links.len()).filter(|&l| links[l].child == i).collect();
        let ok = table.columns.len() == 2
            && table.primary_key.len() == 2
            && table.foreign_keys.len() == 2
            && own.len() == 2
            && own.iter().all(|&l| {
                links[l].references.is_none()
                    && links[l].parent != i
                    && self.models[i].fields[links[l].field].primary_key
            });
        ok.then(|| {
            let (a, b) = (own[0], own[1]);
            // Left is the first column of the table.
            if links[a].field <= links[b].field {
                (a, b)
            } else {
                (b, a)
            }
        })
    }

    /// A key field takes the integer type of the column it references, so
    /// that both sides have one type.
    fn align_key_types(&mut self, links: &[Link]) {
        for l in links {
            let parent_column = match &l.references {
                Some(c) => c.clone(),
                None => self.models[l.parent].table.primary_key[0].clone(),
            };
            let Some(parent_type) = self.models[l.parent]
                .fields
                .iter()
                .find(|f| f.column == parent_column)
                .map(|f| f.mapped.rust.clone())
            else {
                continue;
            };
            let key = &mut self.models[l.child].fields[l.field];
            if key.mapped.integer && key.mapped.rust != parent_type {
                key.mapped.rust = parent_type;
            }
        }
    }

    fn snake_of(&self, model: usize) -> String {
        names::snake(&self.models[model].name)
    }

    fn relate(&mut self, links: &[Link], associations: &[usize]) {
        // Association models: their keys reference both sides.
        for &a in associations {
            for l in links.iter().filter(|l| l.child == a) {
                let target = self.models[l.parent].name.clone();
                match on_delete_name(self.dialect, l.on_delete) {
                    None => self.models[a].fields[l.field].references = Some(target),
                    Some(action) => {
                        let key = self.models[a].fields[l.field].name.clone();
                        let target_snake = self.snake_of(l.parent);
                        let stem = relation_stem(&key, &target_snake);
                        let name = self.models[a]
                            .taken
                            .claim(&[stem.clone(), format!("{stem}_rel")]);
                        let key = (key != format!("{name}_id")).then_some(key);
                        self.models[a].fields[l.field].belongs_to = Some(BelongsTo {
                            name,
                            target,
                            key,
                            references: None,
                            back_populates: None,
                            on_delete: Some(action),
                        });
                    }
                }
            }
        }
        // One-to-many and one-to-one.
        for l in links {
            if associations.contains(&l.child) {
                continue;
            }
            let siblings = links
                .iter()
                .filter(|o| o.child == l.child && o.parent == l.parent)
                .count();
            let child_table = self.models[l.child].table;
            let key = self.models[l.child].fields[l.field].name.clone();
            let key_column = self.models[l.child].fields[l.field].column.clone();
            let target_snake = self.snake_of(l.parent);
            let stem = relation_stem(&key, &target_snake);
            let bt_name = self.models[l.child]
                .taken
                .claim(&[stem.clone(), format!("{stem}_rel")]);
            let one = child_table.primary_key == [key_column.clone()]
                || child_table
                    .uniques
                    .iter()
                    .any(|u| u.columns == [key_column.clone()]);
            let child_snake = self.snake_of(l.child);
            let base = if one {
                child_snake
            } else {
                names::plural(&child_snake)
            };
            let qualified = format!("{bt_name}_{base}");
            let candidates = if siblings > 1 {
                vec![qualified]
            } else {
                vec![base, qualified]
            };
            let inverse = self.models[l.parent].taken.claim(&candidates);
            let child_name = self.models[l.child].name.clone();
            let parent_name = self.models[l.parent].name.clone();
            self.models[l.child].fields[l.field].belongs_to = Some(BelongsTo {
                name: bt_name.clone(),
                target: parent_name,
                key: (key != format!("{bt_name}_id")).then(|| key.clone()),
                references: l.references.clone(),
                back_populates: Some(inverse.clone()),
                on_delete: on_delete_name(self.dialect, l.on_delete),
            });
            self.models[l.parent].collections.push(Collection {
                one,
                name: inverse,
                target: child_name,
                back_populates: bt_name,
                foreign_key: (siblings > 1).then_some(key),
                secondary: None,
            });
        }
        // Many-to-many through the association models.
        for &a in associations {
            let Some((left, right)) = self.association(a, links) else {
                continue;
            };
            let (left, right) = (&links[left], &links[right]);
            let assoc_name = self.models[a].name.clone();
            let assoc_snake = self.snake_of(a);
            let left_field = self.models[a].fields[left.field].name.clone();
            let right_field = self.models[a].fields[right.field].name.clone();
            let (p, q) = (left.parent, right.parent);
            if p != q {
                let q_plural = names::plural(&self.snake_of(q));
                let p_plural = names::plural(&self.snake_of(p));
                let on_p = self.models[p]
                    .taken
                    .claim(&[q_plural.clone(), format!("{assoc_snake}_{q_plural}")]);
                let on_q = self.models[q]
                    .taken
                    .claim(&[p_plural.clone(), format!("{assoc_snake}_{p_plural}")]);
                let (p_name, q_name) = (self.models[p].name.clone(), self.models[q].name.clone());
                self.models[p].collections.push(Collection {
                    one: false,
                    name: on_p.clone(),
                    target: q_name,
                    back_populates: on_q.clone(),
                    foreign_key: None,
                    secondary: Some((assoc_name.clone(), None)),
                });
                self.models[q].collections.push(Collection {
                    one: false,
                    name: on_q,
                    target: p_name,
                    back_populates: on_p,
                    foreign_key: None,
                    secondary: Some((assoc_name, None)),
                });
            } else {
                // Self-referential: one relationship each way, named after
                // the column it reaches the other rows through.
                let target_snake = self.snake_of(p);
                let forward = names::plural(&relation_stem(&right_field, &target_snake));
                let backward = names::plural(&relation_stem(&left_field, &target_snake));
                let forward = self.models[p]
                    .taken
                    .claim(&[forward.clone(), format!("{assoc_snake}_{forward}")]);
                let backward = self.models[p]
                    .taken
                    .claim(&[backward.clone(), format!("{assoc_snake}_{backward}")]);
                let name = self.models[p].name.clone();
                self.models[p].collections.push(Collection {
                    one: false,
                    name: forward.clone(),
                    target: name.clone(),
                    back_populates: backward.clone(),
                    foreign_key: None,
                    secondary: Some((
                        assoc_name.clone(),
                        Some((left_field.clone(), right_field.clone())),
                    )),
                });
                self.models[p].collections.push(Collection {
                    one: false,
                    name: backward,
                    target: name,
                    back_populates: forward,
                    foreign_key: None,
                    secondary: Some((assoc_name, Some((right_field, left_field)))),
                });
            }
        }
    }

    fn render(&self) -> String {
        let mut out = String::new();
        self.header(&mut out);
        if self.models.is_empty() {
            return out;
        }
        out.push_str("\nuse orm::prelude::*;\n");
        for m in &self.models {
            out.push('\n');
            self.render_model(&mut out, m);
        }
        out
    }

    fn header(&self, out: &mut String) {
        let dialect = match self.dialect {
            Dialect::Sqlite => "SQLite",
            Dialect::Postgres => "PostgreSQL",
            Dialect::MySql => "MySQL",
            _ => "SQL",
        };
        let mut lines: Vec<String> = vec![
            format!(
                "Models of the tables of a {dialect} database, written by `orm generate models`."
            ),
            String::new(),
        ];
        let features = self.options.names();
        if features.is_empty() {
            lines.push(
                "Generated without `--features`: the field types compile with the `orm` crate's default features."
                    .into(),
            );
        } else {
            let crates: Vec<String> = features
                .iter()
                .map(|f| match *f {
                    "json" => "`serde_json`".to_string(),
                    other => format!("`{other}`"),
                })
                .collect();
            lines.push(format!(
                "Generated with `--features {}`: the project needs those features of `orm`, and the crates {}.",
                features.join(","),
                crates.join(", ")
            ));
        }
        let server = self.dialect != Dialect::Sqlite;
        for f in &self.fallbacks {
            let line = match f {
                Fallback::Decimal => {
                    "NUMERIC and DECIMAL columns are `f64`, which this database's driver does not read them into: generate with `--features rust_decimal` for `rust_decimal::Decimal`."
                }
                Fallback::SqliteDecimal => {
                    "NUMERIC and DECIMAL columns are `f64`: SQLite stores their values as REAL or INTEGER."
                }
                Fallback::DateTime if server => {
                    "Date and time columns are `String`, which this database's driver does not read them into: generate with `--features chrono` for `chrono` types."
                }
                Fallback::DateTime => {
                    "Date and time columns are `String`, as SQLite stores them: generate with `--features chrono` for `chrono` types."
                }
                Fallback::Uuid => {
                    "UUID columns are `String`: generate with `--features uuid` for `uuid::Uuid`."
                }
                Fallback::Json => {
                    "JSON columns are `String`: generate with `--features json` for `orm::Json<serde_json::Value>`."
                }
                Fallback::Unsigned => {
                    "Unsigned integer columns are the next wider signed type, but the driver reads an unsigned column only into an unsigned type, which no field maps: make those columns signed, or read them through `orm::raw` with a CAST."
                }
                Fallback::Unsupported => {
                    "Key columns of a type no field reads are `String` and marked below: read those tables through `orm::raw` with a CAST."
                }
            };
            lines.push(String::new());
            lines.push(line.to_string());
        }
        if self.dialect == Dialect::Sqlite
            && self
                .models
                .iter()
                .flat_map(|m| &m.fields)
                .any(|f| f.mapped.rust == "i64" && !f.skipped)
        {
            lines.push(String::new());
            lines.push("SQLite integers are 64-bit: INTEGER columns are `i64`.".into());
        }
        if !self.collations.is_empty() {
            lines.push(String::new());
            lines.push(format!(
                "Text columns in {} keep that collation in this database; the models do not declare it (`collation` takes a utf8mb4 one).",
                self.collations
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if self.models.is_empty() && self.left_out.is_empty() {
            lines.push(String::new());
            lines.push("The database has no tables.".into());
        }
        for t in &self.left_out {
            lines.push(String::new());
            lines.push(format!(
                "Table `{t}` has no primary key, so it has no model: the ORM reads, updates and deletes rows by key."
            ));
        }
        for line in lines {
            if line.is_empty() {
                out.push_str("//!\n");
            } else {
                let _ = writeln!(out, "//! {line}");
            }
        }
    }

    fn render_model(&self, out: &mut String, m: &Model<'_>) {
        for note in &m.notes {
            let _ = writeln!(out, "/// {note}");
        }
        out.push_str("#[derive(Model, Debug, Clone)]\n");
        let mut items = vec![format!("table = {}", quote(&m.table.name))];
        if let Some(s) = &m.table.schema {
            items.push(format!("schema = {}", quote(s)));
        }
        attr(out, 0, "model", &items);
        let _ = writeln!(out, "pub struct {} {{", m.name);
        for f in m.fields.iter().filter(|f| !f.skipped) {
            match f.mapped.fallback {
                Some(Fallback::Unsupported) => {
                    let _ = writeln!(
                        out,
                        "    // `{}`: no field type reads this column type.",
                        f.ty_name
                    );
                }
                Some(Fallback::Unsigned) => {
                    let _ = writeln!(
                        out,
                        "    // `{}`: unsigned, see the note at the top.",
                        f.ty_name
                    );
                }
                _ => {}
            }
            let mut items: Vec<String> = Vec::new();
            if f.primary_key {
                items.push("primary_key".into());
            }
            if f.auto_false {
                items.push("auto = false".into());
            }
            if f.column != f.name {
                items.push(format!("column = {}", quote(&f.column)));
            }
            if let Some(n) = f.mapped.max_length {
                items.push(format!("max_length = {n}"));
            }
            if f.unique {
                items.push("unique".into());
            }
            if f.index {
                items.push("index".into());
            }
            if let Some(d) = &f.default {
                items.push(format!("default = {}", quote(d)));
            }
            if let Some(c) = &f.collation {
                items.push(format!("collation = {}", quote(c)));
            }
            if let Some(r) = &f.references {
                items.push(format!("references = {r}"));
            }
            if !items.is_empty() {
                attr(out, 4, "model", &items);
            }
            let ty = if f.nullable {
                format!("Option<{}>", f.mapped.rust)
            } else {
                f.mapped.rust.clone()
            };
            field(out, &f.name, &ty);
            if let Some(bt) = &f.belongs_to {
                let mut items = vec![bt.target.clone()];
                if let Some(k) = &bt.key {
                    items.push(format!("key = {}", quote(k)));
                }
                if let Some(r) = &bt.references {
                    items.push(format!("references = {}", quote(r)));
                }
                if let Some(b) = &bt.back_populates {
                    items.push(format!("back_populates = {}", quote(b)));
                }
                if let Some(a) = bt.on_delete {
                    items.push(format!("on_delete = {}", quote(a)));
                }
                attr(out, 4, "belongs_to", &items);
                field(out, &bt.name, &format!("BelongsTo<{}>", bt.target));
            }
        }
        for c in &m.collections {
            let mut items = vec![c.target.clone()];
            if let Some(k) = &c.foreign_key {
                items.push(format!("foreign_key = {}", quote(k)));
            }
            items.push(format!("back_populates = {}", quote(&c.back_populates)));
            let kind = if c.one { "has_one" } else { "has_many" };
            attr(out, 4, kind, &items);
            if let Some((assoc, sides)) = &c.secondary {
                let mut items = vec![assoc.clone()];
                if let Some((left, right)) = sides {
                    items.push(format!("left = {}", quote(left)));
                    items.push(format!("right = {}", quote(right)));
                }
                attr(out, 4, "secondary", &items);
            }
            let slot = if c.one { "HasOne" } else { "HasMany" };
            field(out, &c.name, &format!("{slot}<{}>", c.target));
        }
        out.push_str("}\n");
    }
}

/// `pub name: ty,` in a struct, as rustfmt writes it: the type on the
/// next line when the line would pass 100 columns.
fn field(out: &mut String, name: &str, ty: &str) {
    let line = format!("    pub {name}: {ty},");
    if line.chars().count() <= 100 {
        let _ = writeln!(out, "{line}");
    } else {
        let _ = writeln!(out, "    pub {name}:\n        {ty},");
    }
}

/// `#[name(items)]` at `indent` as rustfmt writes it: on one line when
/// the line takes at most 100 columns and the items at most 70 (its
/// `attr_fn_like_width`, which one item alone may pass), else one item
/// per line.
fn attr(out: &mut String, indent: usize, name: &str, items: &[String]) {
    let pad = " ".repeat(indent);
    let args = items.join(", ");
    let line = format!("{pad}#[{name}({args})]");
    let narrow = args.chars().count() <= 70 || items.len() == 1;
    if narrow && line.chars().count() <= 100 {
        out.push_str(&line);
        out.push('\n');
        return;
    }
    let _ = writeln!(out, "{pad}#[{name}(");
    for (i, item) in items.iter().enumerate() {
        let comma = if i + 1 < items.len() { "," } else { "" };
        let _ = writeln!(out, "{pad}    {item}{comma}");
    }
    let _ = writeln!(out, "{pad})]");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CatalogColumn, CatalogForeignKey, Index};

    fn column(name: &str, ty: &str, nullable: bool) -> CatalogColumn {
        CatalogColumn {
            name: name.into(),
            ty: ty.into(),
            nullable,
            default: None,
            auto: false,
            collation: None,
            variants: Vec::new(),
        }
    }

    fn fk(column: &str, target: &str, target_column: &str) -> CatalogForeignKey {
        CatalogForeignKey {
            name: None,
            columns: vec![column.into()],
            target_schema: None,
            target: target.into(),
            target_columns: vec![target_column.into()],
            on_delete: OnDelete::NoAction,
        }
    }

    fn table(name: &str, columns: Vec<CatalogColumn>, pk: &[&str]) -> Table {
        Table {
            name: name.into(),
            columns,
            primary_key: pk.iter().map(|s| s.to_string()).collect(),
            ..Table::default()
        }
    }

    #[test]
    fn two_keys_to_one_table_get_their_own_names() {
        let customers = table(
            "customers",
            vec![column("id", "bigint", false), column("name", "text", false)],
            &["id"],
        );
        let mut sales = table(
            "sales",
            vec![
                column("id", "bigint", false),
                column("buyer_id", "bigint", false),
                column("seller_id", "bigint", false),
            ],
            &["id"],
        );
        sales.foreign_keys = vec![
            fk("buyer_id", "customers", "id"),
            fk("seller_id", "customers", "id"),
        ];
        let catalog = Catalog {
            tables: vec![customers, sales],
        };
        let src = generate_models(&catalog, Dialect::Postgres, &ModelOptions::default());
        assert!(src.contains("pub struct Customer {"), "{src}");
        assert!(
            src.contains(
                "#[has_many(Sale, foreign_key = \"buyer_id\", back_populates = \"buyer\")]\n    pub buyer_sales: HasMany<Sale>,"
            ),
            "{src}"
        );
        assert!(
            src.contains(
                "#[belongs_to(Customer, back_populates = \"seller_sales\")]\n    pub seller: BelongsTo<Customer>,"
            ),
            "{src}"
        );
    }

    #[test]
    fn self_references_and_unique_keys() {
        let mut people = table(
            "person",
            vec![
                column("id", "integer", false),
                column("manager", "integer", true),
                column("type", "text", false),
            ],
            &["id"],
        );
        people.foreign_keys = vec![fk("manager", "person", "id")];
        let mut profile = table(
            "profile",
            vec![
                column("id", "integer", false),
                column("person_id", "integer", false),
            ],
            &["id"],
        );
        profile.uniques = vec![Index {
            name: "profile_person_id_key".into(),
            columns: vec!["person_id".into()],
        }];
        profile.foreign_keys = vec![fk("person_id", "person", "id")];
        let mut follows = table(
            "follows",
            vec![
                column("follower_id", "integer", false),
                column("followed_id", "integer", false),
            ],
            &["follower_id", "followed_id"],
        );
        follows.foreign_keys = vec![
            fk("follower_id", "person", "id"),
            fk("followed_id", "person", "id"),
        ];
        let catalog = Catalog {
            tables: vec![people, profile, follows],
        };
        let src = generate_models(&catalog, Dialect::Postgres, &ModelOptions::default());
        for want in [
            "#[model(primary_key, auto = false)]\n    pub id: i32,",
            "#[model(column = \"type\")]\n    pub type_: String,",
            "#[belongs_to(Person, key = \"manager\", back_populates = \"people\")]\n    pub manager_person: BelongsTo<Person>,",
            "#[has_many(Person, back_populates = \"manager_person\")]\n    pub people: HasMany<Person>,",
            "#[has_one(Profile, back_populates = \"person\")]\n    pub profile: HasOne<Profile>,",
            "#[secondary(Follow, left = \"follower_id\", right = \"followed_id\")]\n    pub followeds: HasMany<Person>,",
            "#[model(primary_key, references = Person)]\n    pub follower_id: i32,",
        ] {
            assert!(src.contains(want), "{want}\n---\n{src}");
        }
    }

    #[test]
    fn relationship_names_are_not_keywords() {
        assert_eq!(relation_stem("type_id", "kind"), "type_");
        assert_eq!(relation_stem("album_id", "album"), "album");
        assert_eq!(relation_stem("id", "user"), "user");
        assert_eq!(
            relation_stem("reports_to", "employee"),
            "reports_to_employee"
        );
    }

    #[test]
    fn columns_no_field_reads_are_left_out_with_a_note() {
        let catalog = Catalog {
            tables: vec![table(
                "docs",
                vec![
                    column("id", "integer", false),
                    column("body", "text", false),
                    column("search", "tsvector", false),
                ],
                &["id"],
            )],
        };
        let src = generate_models(&catalog, Dialect::Postgres, &ModelOptions::default());
        assert!(
            src.contains("/// Column `search` (tsvector) is left out: no field type reads it. It is NOT NULL without a default, so inserts through the model fail.\n"),
            "{src}"
        );
        assert!(!src.contains("pub search"), "{src}");
    }

    #[test]
    fn tables_without_a_key_are_left_out_with_a_note() {
        let catalog = Catalog {
            tables: vec![table("log", vec![column("line", "TEXT", true)], &[])],
        };
        let src = generate_models(&catalog, Dialect::Sqlite, &ModelOptions::default());
        assert!(src.contains("Table `log` has no primary key"), "{src}");
        assert!(!src.contains("struct"), "{src}");
    }

    #[test]
    fn long_attributes_wrap_as_rustfmt_does() {
        let mut out = String::new();
        let items: Vec<String> = vec![
            "Employee".into(),
            "foreign_key = \"reports_to\"".into(),
            "back_populates = \"reports_to_employee_something\"".into(),
        ];
        attr(&mut out, 4, "has_many", &items);
        let mut short = String::new();
        // 71 columns of items: over rustfmt's `attr_fn_like_width`.
        let wide: Vec<String> = vec![
            "column = \"type\"".into(),
            "max_length = 20".into(),
            "default = \"'person'::character varying\"".into(),
        ];
        attr(&mut short, 4, "model", &wide);
        assert!(short.starts_with("    #[model(\n"), "{short}");
        let mut one = String::new();
        attr(&mut one, 4, "model", &["default = \"a very long default expression that no line can hold, however it is wrapped, really\"".into()]);
        assert_eq!(one.lines().count(), 3, "{one}");
        let mut fits = String::new();
        attr(
            &mut fits,
            4,
            "model",
            &[
                "default = \"a default of more than seventy columns, alone in its attribute\""
                    .into(),
            ],
        );
        assert_eq!(fits.lines().count(), 1, "{fits}");
        assert_eq!(
            out,
            "    #[has_many(\n        Employee,\n        foreign_key = \"reports_to\",\n        back_populates = \"reports_to_employee_something\"\n    )]\n"
        );
    }
}
