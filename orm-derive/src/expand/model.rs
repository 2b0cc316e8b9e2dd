//! The `Model` impl: metadata, row decoding by position, bind values,
//! generated keys, validation and the cached statements.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::relations::relation_meta;
use super::tokens::opt_str;
use crate::internals::ast::{Container, Field};

/// The `Model` impl, assembled from the steps below: the metadata
/// constant, row decoding, bind values, key handling and validation.
pub fn expand(cont: &Container, strategies: bool) -> TokenStream {
    let ident = cont.ident;
    let cx = Gen::new(cont);
    let type_checks = cx.columns.iter().map(|f| type_checks(f, cx.is_auto(f)));
    let check_fns = cx.check_fns();
    let meta = cx.meta(strategies);
    let key_type = cx.key_type();
    let decoding = cx.decoding();
    let values = cx.values();
    let keys = cx.generated_key();
    let validation = cx.validation();
    quote! {
        #(#type_checks)*

        #check_fns

        impl __orm::Model for #ident {
            const META: &'static __orm::ModelMeta = #meta;

            const __PATH: &'static str = ::core::concat!(::core::module_path!(), "::", ::core::stringify!(#ident));

            type Key = #key_type;

            #decoding
            #values
            #keys
            #validation

            fn __cache() -> &'static __orm::StatementCache {
                static CACHE: __orm::StatementCache = __orm::StatementCache::new();
                &CACHE
            }
        }
    }
}

/// What every step needs: the model, its column fields in order, and the
/// field whose value the database generates.
struct Gen<'c, 'a> {
    cont: &'c Container<'a>,
    model_name: String,
    columns: Vec<&'c Field<'a>>,
    auto: Option<syn::Ident>,
}

impl<'c, 'a> Gen<'c, 'a> {
    fn new(cont: &'c Container<'a>) -> Self {
        Gen {
            cont,
            model_name: cont.ident.to_string(),
            columns: cont.columns().collect(),
            auto: cont.auto_field().map(|f| f.ident.clone()),
        }
    }

    fn is_auto(&self, f: &Field) -> bool {
        self.auto.as_ref() == Some(f.ident)
    }

    /// `Model::META`: table, columns and relationships.
    fn meta(&self, strategies: bool) -> TokenStream {
        let cont = self.cont;
        let model_name = &self.model_name;
        let table = &cont.table;
        let schema = opt_str(cont.attrs.schema.as_deref());
        let column_metas = self
            .columns
            .iter()
            .map(|f| column_meta(cont, f, self.is_auto(f)));
        let relation_metas = cont
            .relations()
            .map(|(f, rel)| relation_meta(cont, f, rel, strategies));
        quote! {
            &__orm::ModelMeta {
                name: #model_name,
                table: #table,
                schema: #schema,
                columns: &[#(#column_metas),*],
                relations: &[#(#relation_metas),*],
            }
        }
    }

    /// `Model::Key`: the primary key's type, a tuple when composite.
    fn key_type(&self) -> TokenStream {
        let pk: Vec<&&Field> = self.columns.iter().filter(|f| f.is_primary_key()).collect();
        match pk.as_slice() {
            [one] => {
                let ty = one.ty;
                quote!(#ty)
            }
            many => {
                let tys = many.iter().map(|f| f.ty);
                quote!((#(#tys,)*))
            }
        }
    }

    /// The model built from `row`, column `i` of the model read at the
    /// position `at(i)` gives; relationship slots unloaded, the rest
    /// defaulted.
    fn constructor(&self, at: impl Fn(usize) -> TokenStream) -> TokenStream {
        let ident = self.cont.ident;
        let model_name = &self.model_name;
        let fields = self.cont.fields.iter().map(|f| {
            let fid = f.ident;
            match self.columns.iter().position(|c| c.ident == f.ident) {
                Some(idx) => {
                    let column = &f.column;
                    let ty = f.ty;
                    let at = at(idx);
                    quote!(#fid: <#ty as __orm::ColumnType>::decode(row, #at)
                        .map_err(|e| __orm::decode_error(#model_name, #column, e))?)
                }
                None => match &f.relation {
                    Some(_) => {
                        let ty = f.ty;
                        let fname = &f.name;
                        quote!(#fid: <#ty>::unloaded(&(#model_name, #fname)))
                    }
                    None => quote!(#fid: ::core::default::Default::default()),
                },
            }
        });
        quote!(#ident { #(#fields,)* })
    }

    /// `from_row` (columns in order from an offset), `from_row_at` (columns
    /// at the given positions) and `read_column` (one column).
    fn decoding(&self) -> TokenStream {
        let model_name = &self.model_name;
        let from_row = self.constructor(|idx| quote!(offset + #idx));
        let from_row_at = self.constructor(|idx| quote!(positions[#idx]));
        let read_column_arms = self.columns.iter().enumerate().map(|(i, f)| {
            let fid = f.ident;
            let column = &f.column;
            let ty = f.ty;
            quote!(#i => self.#fid = <#ty as __orm::ColumnType>::decode(row, idx)
                .map_err(|e| __orm::decode_error(#model_name, #column, e))?,)
        });
        quote! {
            #[inline]
            fn from_row(row: __orm::RowRef<'_>, offset: usize) -> __orm::Result<Self> {
                ::core::result::Result::Ok(#from_row)
            }

            fn from_row_at(row: __orm::RowRef<'_>, positions: &[usize]) -> __orm::Result<Self> {
                ::core::result::Result::Ok(#from_row_at)
            }

            fn read_column(
                &mut self,
                index: usize,
                row: __orm::RowRef<'_>,
                idx: usize,
            ) -> __orm::Result<()> {
                match index {
                    #(#read_column_arms)*
                    _ => return ::core::result::Result::Err(__orm::no_column(#model_name, index)),
                }
                ::core::result::Result::Ok(())
            }
        }
    }

    /// The value bound for field `f`: a key held by a belongs_to slot wins
    /// over a hand-set key field, as in SQLAlchemy.
    fn value_of(&self, f: &Field) -> TokenStream {
        let fid = f.ident;
        match self.cont.belongs_to_of(f) {
            Some((rel_field, rel)) => {
                let slot = rel_field.ident;
                let references = opt_str(rel.references.as_ref().map(|r| r.value.as_str()));
                quote!({
                    use __orm::{KeyOfField as _, KeyOfModel as _};
                    (&__orm::KeyValue(&self.#slot, #references, &self.#fid)).key_value()
                })
            }
            None => quote!(__orm::ColumnType::to_value(&self.#fid)),
        }
    }

    /// The expression binding field `f` for an insert: borrowed where the
    /// type allows (see [`Self::value_of`]).
    fn value_ref_of(&self, f: &Field) -> TokenStream {
        let fid = f.ident;
        match self.cont.belongs_to_of(f) {
            Some(_) => {
                let value = self.value_of(f);
                quote!(__orm::ValueRef::Value(#value))
            }
            None => quote!(__orm::ColumnType::value_ref(&self.#fid)),
        }
    }

    /// The bind values (`insert_values`, `update_values`, `key_values`,
    /// `column_value`), `set_column_value` and `relation_slot`.
    fn values(&self) -> TokenStream {
        let model_name = &self.model_name;
        let columns = &self.columns;
        let push = |f: &&Field| {
            let value = self.value_of(f);
            quote!(out.push(#value);)
        };
        let insert_values = columns.iter().filter(|f| !self.is_auto(f)).map(push);
        let insert_refs = columns.iter().filter(|f| !self.is_auto(f)).map(|f| {
            let value = self.value_ref_of(f);
            quote!(out.push(#value);)
        });
        let update_values = columns.iter().filter(|f| !f.is_primary_key()).map(push);
        let key_values = columns.iter().filter(|f| f.is_primary_key()).map(push);
        let column_value_arms = columns.iter().enumerate().map(|(i, f)| {
            let value = self.value_of(f);
            quote!(#i => ::core::result::Result::Ok(#value),)
        });
        let set_column_arms = columns.iter().enumerate().map(|(i, f)| {
            let fid = f.ident;
            let fname = &f.name;
            let ty = f.ty;
            quote!(#i => self.#fid = __orm::converted(
                value,
                <#ty as __orm::ColumnType>::from_value,
                #model_name,
                #fname,
            )?,)
        });
        let ident = self.cont.ident;
        let detached = self.cont.fields.iter().map(|f| {
            let fid = f.ident;
            let ty = f.ty;
            if columns.iter().any(|c| c.ident == f.ident) {
                quote!(#fid: <#ty as __orm::ColumnType>::clone_column(&self.#fid)?)
            } else if f.relation.is_some() {
                let fname = &f.name;
                quote!(#fid: <#ty>::unloaded(&(#model_name, #fname)))
            } else {
                quote!(#fid: ::core::default::Default::default())
            }
        });
        let pending = self.cont.relations().map(|(f, _)| {
            let fid = f.ident;
            quote!(|| self.#fid.__pending())
        });
        let relation_slot_arms = self.cont.relations().enumerate().map(|(i, (f, _))| {
            let fid = f.ident;
            quote!(#i => ::core::option::Option::Some(&mut self.#fid),)
        });
        quote! {
            #[inline]
            fn insert_values(&self, out: &mut ::std::vec::Vec<__orm::Value>) {
                #(#insert_values)*
            }

            #[inline]
            fn insert_refs<'__a>(&'__a self, out: &mut ::std::vec::Vec<__orm::ValueRef<'__a>>) {
                #(#insert_refs)*
            }

            #[inline]
            fn update_values(&self, out: &mut ::std::vec::Vec<__orm::Value>) {
                #(#update_values)*
            }

            #[inline]
            fn key_values(&self, out: &mut ::std::vec::Vec<__orm::Value>) {
                #(#key_values)*
            }

            fn column_value(&self, index: usize) -> __orm::Result<__orm::Value> {
                match index {
                    #(#column_value_arms)*
                    _ => ::core::result::Result::Err(__orm::no_column(#model_name, index)),
                }
            }

            fn set_column_value(&mut self, index: usize, value: __orm::Value) -> __orm::Result<()> {
                match index {
                    #(#set_column_arms)*
                    _ => return ::core::result::Result::Err(__orm::no_column(#model_name, index)),
                }
                ::core::result::Result::Ok(())
            }

            fn __detached(&self) -> ::core::option::Option<Self> {
                ::core::option::Option::Some(#ident {
                    #(#detached,)*
                })
            }

            #[inline]
            fn __pending(&self) -> bool {
                false #(#pending)*
            }

            fn relation_slot(&mut self, index: usize) -> ::core::option::Option<&mut dyn ::core::any::Any> {
                match index {
                    #(#relation_slot_arms)*
                    _ => ::core::option::Option::None,
                }
            }
        }
    }

    /// `set_last_insert_id`: the generated key read back after an insert.
    fn generated_key(&self) -> TokenStream {
        let model_name = &self.model_name;
        let body = match self.cont.auto_field() {
            Some(f) => {
                let fid = f.ident;
                let ty = f.ty;
                let span = f.attrs.auto.map_or(f.ty.span(), |(_, s)| s);
                quote_spanned! {span=>
                    self.#fid = <#ty as __orm::AutoKey>::from_u64(first)
                    .and_then(|k| <#ty as __orm::AutoKey>::offset(k, step))
                    .ok_or_else(|| __orm::key_out_of_range(first, step, #model_name))?;
                    ::core::result::Result::Ok(())
                }
            }
            None => quote! {
                let _ = (first, step);
                ::core::result::Result::Ok(())
            },
        };
        quote! {
            fn set_last_insert_id(&mut self, first: u64, step: u64) -> __orm::Result<()> {
                #body
            }
        }
    }

    /// The checks of each field's value, one function per field, shared by
    /// `validate` (the model's fields) and `validate_column` (a value about
    /// to be set), so that a misplaced attribute is reported once.
    fn check_fns(&self) -> TokenStream {
        let model_name = &self.model_name;
        let fns = self.columns.iter().enumerate().map(|(i, f)| {
            let ty = f.ty;
            let fname = &f.name;
            let check_fn = check_fn(i);
            let v = quote_spanned!(f.ident.span()=> v);
            let mut checks = quote! {
                __orm::checked(<#ty as __orm::ColumnType>::check(#v), #model_name, #fname)?;
            };
            if let Some((max, span)) = f.attrs.max_length {
                let max = max as usize;
                checks.extend(quote_spanned! {span=>
                    __orm::length_checked(<#ty as __orm::HasLength>::length(#v), #max, #model_name, #fname)?;
                });
            }
            if let Some(path) = &f.attrs.validate {
                checks.extend(quote_spanned! {path.span()=>
                    __orm::validated(
                        <_ as __orm::Validator<#ty>>::check(&#path, #v),
                        #model_name,
                        #fname,
                    )?;
                });
            }
            quote! {
                #[inline]
                fn #check_fn(v: &#ty) -> __orm::Result<()> {
                    #checks
                    ::core::result::Result::Ok(())
                }
            }
        });
        quote!(#(#fns)*)
    }

    /// `validate` and `validate_column`, through the check functions.
    fn validation(&self) -> TokenStream {
        let model_name = &self.model_name;
        let validate_column_arms = self.columns.iter().enumerate().map(|(i, f)| {
            let ty = f.ty;
            let fname = &f.name;
            let check_fn = check_fn(i);
            quote! {
                #i => {
                    let v: #ty = __orm::converted(
                        value.clone(),
                        <#ty as __orm::ColumnType>::from_value,
                        #model_name,
                        #fname,
                    )?;
                    #check_fn(&v)?;
                }
            }
        });
        let validations = self.columns.iter().enumerate().map(|(i, f)| {
            let fid = f.ident;
            let check_fn = check_fn(i);
            quote!(#check_fn(&self.#fid)?;)
        });
        quote! {
            fn validate(&self) -> __orm::Result<()> {
                #(#validations)*
                ::core::result::Result::Ok(())
            }

            fn validate_column(index: usize, value: &__orm::Value) -> __orm::Result<()> {
                match index {
                    #(#validate_column_arms)*
                    _ => return ::core::result::Result::Err(__orm::no_column(#model_name, index)),
                }
                ::core::result::Result::Ok(())
            }
        }
    }
}

fn check_fn(index: usize) -> syn::Ident {
    format_ident!("__orm_check_{}", index)
}

fn column_meta(cont: &Container, f: &Field, auto: bool) -> TokenStream {
    let ty = f.ty;
    let field = &f.name;
    let column = &f.column;
    let primary_key = f.is_primary_key();
    let unique = f.attrs.unique.is_some();
    let index = f.attrs.index.is_some();
    let max_length = match f.attrs.max_length {
        Some((n, _)) => quote!(::core::option::Option::Some(#n)),
        None => quote!(::core::option::Option::None),
    };
    let version = f.attrs.version.is_some();
    let collation = opt_str(f.attrs.collation.as_ref().map(|(c, _)| c.as_str()));
    let default = match &f.attrs.default {
        Some(d) => quote!(::core::option::Option::Some(#d)),
        None => quote!(::core::option::Option::None),
    };
    let references = match (&f.attrs.references, cont.belongs_to_of(f)) {
        (_, Some((_, rel))) => {
            let target = &rel.target;
            let column = opt_str(rel.references.as_ref().map(|r| r.value.as_str()));
            let on_delete = syn::Ident::new(rel.on_delete().variant(), rel.span);
            quote_spanned! {target.span()=>
                ::core::option::Option::Some(__orm::ForeignKey {
                    target: || <#target as __orm::Model>::META,
                    target_path: <#target as __orm::Model>::__PATH,
                    column: #column,
                    on_delete: __orm::OnDelete::#on_delete,
                })
            }
        }
        (Some(target), None) => {
            quote_spanned! {target.span()=>
                ::core::option::Option::Some(__orm::ForeignKey {
                    target: || <#target as __orm::Model>::META,
                    target_path: <#target as __orm::Model>::__PATH,
                    column: ::core::option::Option::None,
                    on_delete: __orm::OnDelete::NoAction,
                })
            }
        }
        (None, None) => quote!(::core::option::Option::None),
    };
    quote! {
        __orm::ColumnMeta {
            field: #field,
            name: #column,
            sql_type: <#ty as __orm::ColumnType>::SQL_TYPE,
            nullable: <#ty as __orm::ColumnType>::NULLABLE,
            primary_key: #primary_key,
            auto: #auto,
            unique: #unique,
            index: #index,
            max_length: #max_length,
            default: #default,
            references: #references,
            version: #version,
            collation: #collation,
            variants: <#ty as __orm::ColumnType>::VARIANTS,
        }
    }
}

/// Compile-time checks whose failures point at the user's tokens.
fn type_checks(f: &Field, auto: bool) -> TokenStream {
    let ty = f.ty;
    let mut out = quote_spanned! {ty.span()=>
        const _: __orm::SqlType = <#ty as __orm::ColumnType>::SQL_TYPE;
    };
    if let (true, Some((true, span))) = (auto, f.attrs.auto) {
        out.extend(quote_spanned! {span=>
            const _: fn(u64) -> ::core::option::Option<#ty> = <#ty as __orm::AutoKey>::from_u64;
        });
    }
    if let Some((_, span)) = f.attrs.max_length {
        out.extend(quote_spanned! {span=>
            const _: fn(&#ty) -> ::core::option::Option<usize> = <#ty as __orm::HasLength>::length;
        });
    }
    if let Some(span) = f.attrs.version {
        out.extend(quote_spanned! {span=>
            const _: () = <#ty as __orm::VersionCounter>::IS;
        });
    }
    if let Some((_, span)) = &f.attrs.collation {
        out.extend(quote_spanned! {*span=>
            const _: () = <#ty as __orm::Collatable>::IS;
        });
    }
    out
}
