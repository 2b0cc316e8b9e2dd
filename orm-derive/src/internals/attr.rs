//! `#[model(...)]` attributes parsed into typed structs. A duplicate is
//! reported at its second occurrence; an unknown name lists the known ones.

use heck::{ToKebabCase, ToLowerCamelCase, ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};
use proc_macro2::Span;
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;

use super::ctxt::Ctxt;
use super::symbol::*;

/// A value set at most once; the second setting is an error at its span.
pub struct Attr<'c, T> {
    cx: &'c Ctxt,
    name: Symbol,
    owner: String,
    value: Option<(T, Span)>,
}

impl<'c, T> Attr<'c, T> {
    fn none(cx: &'c Ctxt, name: Symbol, owner: &str) -> Self {
        Attr {
            cx,
            name,
            owner: owner.to_string(),
            value: None,
        }
    }

    fn set<A: ToTokens>(&mut self, obj: A, value: T) {
        let tokens = obj.into_token_stream();
        if self.value.is_some() {
            self.cx.error_spanned_by(
                tokens,
                format!(
                    "duplicate `{}` attribute on {}: give it once",
                    self.name, self.owner
                ),
            );
        } else {
            let span = tokens.span();
            self.value = Some((value, span));
        }
    }

    fn get(self) -> Option<(T, Span)> {
        self.value
    }
}

struct BoolAttr<'c>(Attr<'c, ()>);

impl<'c> BoolAttr<'c> {
    fn none(cx: &'c Ctxt, name: Symbol, owner: &str) -> Self {
        BoolAttr(Attr::none(cx, name, owner))
    }
    fn set_true<A: ToTokens>(&mut self, obj: A) {
        self.0.set(obj, ());
    }
    fn get(&self) -> Option<Span> {
        self.0.value.as_ref().map(|(_, s)| *s)
    }
}

/// How field names become column names.
#[derive(Clone, Copy)]
pub enum RenameRule {
    Snake,
    Camel,
    Pascal,
    ScreamingSnake,
    Kebab,
    Lower,
    Upper,
}

impl RenameRule {
    const NAMES: &'static str = "\"snake_case\", \"camelCase\", \"PascalCase\", \"SCREAMING_SNAKE_CASE\", \"kebab-case\", \"lowercase\", \"UPPERCASE\"";

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "snake_case" => RenameRule::Snake,
            "camelCase" => RenameRule::Camel,
            "PascalCase" => RenameRule::Pascal,
            "SCREAMING_SNAKE_CASE" => RenameRule::ScreamingSnake,
            "kebab-case" => RenameRule::Kebab,
            "lowercase" => RenameRule::Lower,
            "UPPERCASE" => RenameRule::Upper,
            _ => return None,
        })
    }

    pub fn apply(self, field: &str) -> String {
        match self {
            RenameRule::Snake => field.to_snake_case(),
            RenameRule::Camel => field.to_lower_camel_case(),
            RenameRule::Pascal => field.to_upper_camel_case(),
            RenameRule::ScreamingSnake => field.to_shouty_snake_case(),
            RenameRule::Kebab => field.to_kebab_case(),
            RenameRule::Lower => field.to_lowercase(),
            RenameRule::Upper => field.to_uppercase(),
        }
    }
}

/// `#[model(...)]` on the struct.
pub struct StructAttrs {
    pub table: Option<(String, Span)>,
    pub schema: Option<String>,
    pub rename_all: Option<RenameRule>,
    pub krate: Option<syn::Path>,
}

pub fn get_lit_str(meta: &ParseNestedMeta, what: &str) -> syn::Result<syn::LitStr> {
    let expr: syn::Expr = meta.value()?.parse()?;
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Ok(s),
        other => Err(syn::Error::new_spanned(
            other,
            format!("`{what}` expects a string literal, e.g. `{what} = \"name\"`"),
        )),
    }
}

fn non_empty(cx: &Ctxt, lit: &syn::LitStr, what: &str) -> Option<String> {
    let value = lit.value();
    if value.is_empty() {
        cx.error_spanned_by(lit, format!("`{what}` cannot be empty"));
        None
    } else {
        Some(value)
    }
}

impl StructAttrs {
    pub fn from_ast(cx: &Ctxt, item: &syn::DeriveInput) -> Self {
        let owner = format!("model `{}`", item.ident);
        let mut table = Attr::none(cx, TABLE, &owner);
        let mut schema = Attr::none(cx, SCHEMA, &owner);
        let mut rename_all = Attr::none(cx, RENAME_ALL, &owner);
        let mut krate = Attr::none(cx, CRATE, &owner);

        for attr in &item.attrs {
            if attr.path() != MODEL {
                continue;
            }
            if let syn::Meta::List(list) = &attr.meta
                && list.tokens.is_empty()
            {
                continue;
            }
            let result = attr.parse_nested_meta(|meta| {
                if meta.path == TABLE {
                    let lit = get_lit_str(&meta, "table")?;
                    if let Some(v) = non_empty(cx, &lit, "table") {
                        table.set(&meta.path, v);
                    }
                } else if meta.path == SCHEMA {
                    let lit = get_lit_str(&meta, "schema")?;
                    if let Some(v) = non_empty(cx, &lit, "schema") {
                        schema.set(&meta.path, v);
                    }
                } else if meta.path == RENAME_ALL {
                    let lit = get_lit_str(&meta, "rename_all")?;
                    match RenameRule::parse(&lit.value()) {
                        Some(rule) => rename_all.set(&meta.path, rule),
                        None => cx.error_spanned_by(
                            &lit,
                            format!(
                                "unknown rename_all rule `{}` on {owner}: expected one of {}",
                                lit.value(),
                                RenameRule::NAMES
                            ),
                        ),
                    }
                } else if meta.path == CRATE {
                    let lit = get_lit_str(&meta, "crate")?;
                    match lit.parse::<syn::Path>() {
                        Ok(path) => krate.set(&meta.path, path),
                        Err(_) => cx.error_spanned_by(&lit, "`crate` expects a path, e.g. `crate = \"::orm\"`"),
                    }
                } else {
                    let name = meta.path.to_token_stream().to_string().replace(' ', "");
                    return Err(meta.error(format!(
                        "unknown model attribute `{name}` on {owner}: expected one of {STRUCT_ATTRS}"
                    )));
                }
                Ok(())
            });
            if let Err(err) = result {
                cx.syn_error(err);
            }
        }

        StructAttrs {
            table: table.get(),
            schema: schema.get().map(|(v, _)| v),
            rename_all: rename_all.get().map(|(v, _)| v),
            krate: krate.get().map(|(v, _)| v),
        }
    }
}

/// `#[model(...)]` on a field.
pub struct FieldAttrs {
    pub primary_key: Option<Span>,
    /// `auto` as written: `Some((true, span))` for `auto`/`auto = true`.
    pub auto: Option<(bool, Span)>,
    pub column: Option<String>,
    pub unique: Option<Span>,
    pub index: Option<Span>,
    pub max_length: Option<(u32, Span)>,
    pub default: Option<String>,
    pub references: Option<syn::Path>,
    pub validate: Option<syn::ExprPath>,
    pub skip: Option<Span>,
    pub version: Option<Span>,
    pub collation: Option<(String, Span)>,
    /// Spans of every attribute given, for "skip takes nothing else".
    pub given: Vec<(Symbol, Span)>,
}

impl FieldAttrs {
    pub fn from_ast(cx: &Ctxt, model: &syn::Ident, field: &syn::Field) -> Self {
        let fname = field
            .ident
            .as_ref()
            .map(|i| i.to_string().trim_start_matches("r#").to_string())
            .unwrap_or_default();
        let owner = format!("field `{model}.{fname}`");
        let mut primary_key = BoolAttr::none(cx, PRIMARY_KEY, &owner);
        let mut auto = Attr::none(cx, AUTO, &owner);
        let mut column = Attr::none(cx, COLUMN, &owner);
        let mut unique = BoolAttr::none(cx, UNIQUE, &owner);
        let mut index = BoolAttr::none(cx, INDEX, &owner);
        let mut max_length = Attr::none(cx, MAX_LENGTH, &owner);
        let mut default = Attr::none(cx, DEFAULT, &owner);
        let mut references = Attr::none(cx, REFERENCES, &owner);
        let mut validate = Attr::none(cx, VALIDATE, &owner);
        let mut skip = BoolAttr::none(cx, SKIP, &owner);
        let mut version = BoolAttr::none(cx, VERSION, &owner);
        let mut collation = Attr::none(cx, COLLATION, &owner);
        let mut given = Vec::new();

        for attr in &field.attrs {
            if attr.path() != MODEL {
                continue;
            }
            let result = attr.parse_nested_meta(|meta| {
                let path = &meta.path;
                if path == PRIMARY_KEY {
                    primary_key.set_true(path);
                    given.push((PRIMARY_KEY, path.span()));
                } else if path == AUTO {
                    let value = if meta.input.peek(syn::Token![=]) {
                        meta.value()?.parse::<syn::LitBool>()?.value
                    } else {
                        true
                    };
                    auto.set(path, value);
                    given.push((AUTO, path.span()));
                } else if path == COLUMN {
                    let lit = get_lit_str(&meta, "column")?;
                    if let Some(v) = non_empty(cx, &lit, "column") {
                        column.set(path, v);
                    }
                    given.push((COLUMN, path.span()));
                } else if path == UNIQUE {
                    unique.set_true(path);
                    given.push((UNIQUE, path.span()));
                } else if path == INDEX {
                    index.set_true(path);
                    given.push((INDEX, path.span()));
                } else if path == MAX_LENGTH {
                    let expr: syn::Expr = meta.value()?.parse()?;
                    let parsed = match &expr {
                        syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Int(int),
                            ..
                        }) => int.base10_parse::<u32>().ok().filter(|n| *n > 0),
                        _ => None,
                    };
                    match parsed {
                        Some(n) => max_length.set(path, n),
                        None => cx.error_spanned_by(
                            &expr,
                            format!(
                                "`max_length` on {owner} must be a positive integer, e.g. `max_length = 120`"
                            ),
                        ),
                    }
                    given.push((MAX_LENGTH, path.span()));
                } else if path == DEFAULT {
                    let lit = get_lit_str(&meta, "default")?;
                    if let Some(v) = non_empty(cx, &lit, "default") {
                        default.set(path, v);
                    }
                    given.push((DEFAULT, path.span()));
                } else if path == REFERENCES {
                    let target: syn::Path = meta.value()?.parse()?;
                    references.set(path, target);
                    given.push((REFERENCES, path.span()));
                } else if path == VALIDATE {
                    let target: syn::ExprPath = meta.value()?.parse()?;
                    validate.set(path, target);
                    given.push((VALIDATE, path.span()));
                } else if path == VERSION {
                    version.set_true(path);
                    given.push((VERSION, path.span()));
                } else if path == COLLATION {
                    let lit = get_lit_str(&meta, "collation")?;
                    let value = lit.value();
                    let valid = !value.is_empty()
                        && value
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@'));
                    if valid {
                        collation.set(path, value);
                    } else {
                        cx.error_spanned_by(
                            &lit,
                            format!(
                                "`collation` on {owner} must be a collation name (letters, digits, `_`, `-`, `.`, `@`), e.g. `collation = \"utf8mb4_general_ci\"`"
                            ),
                        );
                    }
                    given.push((COLLATION, path.span()));
                } else if path == SKIP {
                    skip.set_true(path);
                } else {
                    let name = path.to_token_stream().to_string().replace(' ', "");
                    return Err(meta.error(format!(
                        "unknown model attribute `{name}` on {owner}: expected one of {FIELD_ATTRS}"
                    )));
                }
                Ok(())
            });
            if let Err(err) = result {
                cx.syn_error(err);
            }
        }

        FieldAttrs {
            primary_key: primary_key.get(),
            auto: auto.get(),
            column: column.get().map(|(v, _)| v),
            unique: unique.get(),
            index: index.get(),
            max_length: max_length.get(),
            default: default.get().map(|(v, _)| v),
            references: references.get().map(|(v, _)| v),
            validate: validate.get().map(|(v, _)| v),
            skip: skip.get(),
            version: version.get(),
            collation: collation.get(),
            given,
        }
    }
}

/// The column-constant name of a field: `email` -> `EMAIL`.
pub fn const_name(field: &str) -> String {
    field.to_shouty_snake_case()
}

/// The default table name of a struct: `OrderLine` -> `order_line`.
pub fn default_table(ident: &str) -> String {
    ident.to_snake_case()
}
