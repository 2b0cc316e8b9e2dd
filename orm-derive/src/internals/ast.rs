//! The typed model the rest of the macro works on: the struct, its fields
//! and their parsed attributes, with spans kept for diagnostics.

use syn::spanned::Spanned;

use super::attr::{self, FieldAttrs, StructAttrs};
use super::ctxt::Ctxt;

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
    /// The column name after `column` and `rename_all`.
    pub column: String,
    pub span: proc_macro2::Span,
}

impl Field<'_> {
    pub fn is_column(&self) -> bool {
        self.attrs.skip.is_none()
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

/// True when `ty` is written as `i16`, `i32` or `i64`.
pub fn is_integer_type(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.qself.is_none()
        && ["i16", "i32", "i64"].iter().any(|t| p.path.is_ident(t)))
}
