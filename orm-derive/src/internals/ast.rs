//! The typed model the rest of the macro works on: the struct, its fields
//! and their parsed attributes, with spans kept for diagnostics.

use syn::spanned::Spanned;

use super::attr::{self, FieldAttrs, StructAttrs};
use super::ctxt::Ctxt;
use super::relation::{self, Kind, RelAttrs};
use super::symbol::{BELONGS_TO, HAS_MANY, HAS_ONE, MODEL, SECONDARY};

pub struct Container<'a> {
    pub ident: &'a syn::Ident,
    pub vis: &'a syn::Visibility,
    pub attrs: StructAttrs,
    pub fields: Vec<Field<'a>>,
    pub table: String,
}

pub struct Field<'a> {
    pub ident: &'a syn::Ident,
    /// The field name without `r#`.
    pub name: String,
    pub ty: &'a syn::Type,
    pub attrs: FieldAttrs,
    /// The relationship declared on the field, if any.
    pub relation: Option<RelAttrs>,
    /// The column name after `column` and `rename_all`.
    pub column: String,
    pub span: proc_macro2::Span,
}

impl Field<'_> {
    pub fn is_column(&self) -> bool {
        self.attrs.skip.is_none() && self.relation.is_none() && self.slot_type().is_none()
    }

    /// `HasMany`, `HasOne` or `BelongsTo` when the field's type is a
    /// relationship slot.
    pub fn slot_type(&self) -> Option<String> {
        match self.ty {
            syn::Type::Path(p) if p.qself.is_none() => p
                .path
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .filter(|s| matches!(s.as_str(), "HasMany" | "HasOne" | "BelongsTo")),
            _ => None,
        }
    }

    /// True when the field's type is written `Option<..>`.
    pub fn is_option(&self) -> bool {
        matches!(self.ty, syn::Type::Path(p) if p.qself.is_none()
            && p.path.segments.last().is_some_and(|s| s.ident == "Option"))
    }

    pub fn is_primary_key(&self) -> bool {
        self.is_column() && self.attrs.primary_key.is_some()
    }
}

impl<'a> Container<'a> {
    /// Parses the struct; `None` when it is not a struct with named fields
    /// (the error is recorded).
    pub fn from_ast(cx: &Ctxt, item: &'a syn::DeriveInput) -> Option<Container<'a>> {
        let attrs = StructAttrs::from_ast(cx, item);
        if !item.generics.params.is_empty() {
            cx.error_spanned_by(
                &item.generics,
                format!(
                    "model `{}` cannot be generic: a model maps to one table, so give it concrete field types",
                    item.ident
                ),
            );
            return None;
        }
        let named = match &item.data {
            syn::Data::Struct(syn::DataStruct {
                fields: syn::Fields::Named(named),
                ..
            }) => named,
            _ => {
                cx.error_spanned_by(
                    &item.ident,
                    format!(
                        "#[derive(Model)] needs a struct with named fields; `{}` is not one",
                        item.ident
                    ),
                );
                return None;
            }
        };
        let fields = named
            .named
            .iter()
            .map(|f| {
                let ident = f.ident.as_ref().expect("named field");
                let name = ident.to_string().trim_start_matches("r#").to_string();
                let fattrs = FieldAttrs::from_ast(cx, &item.ident, f);
                let relation = parse_relation(cx, &item.ident, &name, f);
                let column = match (&fattrs.column, attrs.rename_all) {
                    (Some(c), _) => c.clone(),
                    (None, Some(rule)) => rule.apply(&name),
                    (None, None) => name.clone(),
                };
                Field {
                    ident,
                    name,
                    ty: &f.ty,
                    attrs: fattrs,
                    relation,
                    column,
                    span: f.span(),
                }
            })
            .collect();
        let table = attrs
            .table
            .as_ref()
            .map(|(t, _)| t.clone())
            .unwrap_or_else(|| attr::default_table(&item.ident.to_string()));
        Some(Container {
            ident: &item.ident,
            vis: &item.vis,
            attrs,
            fields,
            table,
        })
    }

    pub fn columns(&self) -> impl Iterator<Item = &Field<'a>> {
        self.fields.iter().filter(|f| f.is_column())
    }

    pub fn primary_key(&self) -> impl Iterator<Item = &Field<'a>> {
        self.fields.iter().filter(|f| f.is_primary_key())
    }

    pub fn relations(&self) -> impl Iterator<Item = (&Field<'a>, &RelAttrs)> {
        self.fields
            .iter()
            .filter_map(|f| f.relation.as_ref().map(|r| (f, r)))
    }

    /// The key field of a belongs_to on `field`: `key = ".."` or
    /// `<field>_id`.
    pub fn key_field(&self, field: &Field, rel: &RelAttrs) -> Option<&Field<'a>> {
        let name = match &rel.key {
            Some(k) => k.value.clone(),
            None => format!("{}_id", field.name),
        };
        self.columns().find(|c| c.name == name)
    }

    /// The belongs_to relationship whose key is `column`, if any.
    pub fn belongs_to_of(&self, column: &Field) -> Option<(&Field<'a>, &RelAttrs)> {
        self.relations().find(|(f, r)| {
            r.kind == Kind::BelongsTo
                && self
                    .key_field(f, r)
                    .is_some_and(|k| k.ident == column.ident)
        })
    }

    /// The field whose value the database generates: the single primary
    /// key when it is an integer (or marked `auto`) and not `auto = false`.
    pub fn auto_field(&self) -> Option<&Field<'a>> {
        let mut pk = self.primary_key();
        let (Some(only), None) = (pk.next(), pk.next()) else {
            return None;
        };
        match only.attrs.auto {
            Some((true, _)) => Some(only),
            Some((false, _)) => None,
            None if is_integer_type(only.ty) => Some(only),
            None => None,
        }
    }
}

fn parse_relation(cx: &Ctxt, model: &syn::Ident, field: &str, f: &syn::Field) -> Option<RelAttrs> {
    let mut found: Option<RelAttrs> = None;
    for attr in &f.attrs {
        let kind = if attr.path() == BELONGS_TO {
            Kind::BelongsTo
        } else if attr.path() == HAS_MANY {
            Kind::HasMany
        } else if attr.path() == HAS_ONE {
            Kind::HasOne
        } else {
            continue;
        };
        if let Some(first) = &found {
            cx.error_spanned_by(
                attr,
                format!(
                    "`{model}.{field}` is already `#[{}]`: a field holds one relationship",
                    first.kind.attr()
                ),
            );
            continue;
        }
        found = relation::parse(cx, model, field, attr, kind);
    }
    let owner = format!("`{model}.{field}`");
    let mut secondaries = f.attrs.iter().filter(|a| a.path() == SECONDARY);
    if let Some(attr) = secondaries.next() {
        let secondary = relation::parse_secondary(cx, &owner, attr);
        if let Some(extra) = secondaries.next() {
            cx.error_spanned_by(
                extra,
                format!("duplicate `#[secondary]` on {owner}: give it once"),
            );
        }
        match (&secondary.model, &secondary.table) {
            (None, None) => cx.syn_error(syn::Error::new(
                secondary.span,
                format!("`#[secondary]` on {owner} needs the association: a model, `#[secondary(PostTag)]`, or a table, `#[secondary(table = \"post_tags\")]`"),
            )),
            (Some(m), Some(_)) => cx.error_spanned_by(
                m,
                format!("`#[secondary]` on {owner} names both a model and a table: give one"),
            ),
            _ => {}
        }
        if let (Some(l), Some(r)) = (&secondary.left, &secondary.right)
            && l.value == r.value
        {
            cx.syn_error(syn::Error::new(
                r.span,
                format!("`left` and `right` of `#[secondary]` on {owner} both name `{}`: `left` references `{model}`, `right` the target; name two different columns", r.value),
            ));
        }
        match &mut found {
            Some(rel) if rel.kind == Kind::HasMany => {
                rel.kind = Kind::ManyToMany;
                rel.secondary = Some(secondary);
            }
            Some(rel) => cx.syn_error(syn::Error::new(
                secondary.span,
                format!(
                    "`#[secondary]` on {owner}, a {}: a many-to-many is a collection, so declare it `#[has_many(..)]` with `HasMany<..>`",
                    rel.kind.attr()
                ),
            )),
            None => cx.syn_error(syn::Error::new(
                secondary.span,
                format!("`#[secondary]` on {owner} without `#[has_many(Target)]`: a many-to-many is a has_many through an association, add `#[has_many(..)]`"),
            )),
        }
    }
    if let Some(rel) = &found
        && let Some(model_attr) = f.attrs.iter().find(|a| a.path() == MODEL)
    {
        let _ = rel;
        cx.error_spanned_by(
            model_attr,
            format!(
                "`{model}.{field}` is a relationship, not a column: `#[model(..)]` attributes go on its key field"
            ),
        );
    }
    found
}

/// True when `ty` is written as `i16`, `i32` or `i64`.
pub fn is_integer_type(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.qself.is_none()
        && ["i16", "i32", "i64"].iter().any(|t| p.path.is_ident(t)))
}
