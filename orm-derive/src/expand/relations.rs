//! Relationship code: the `RelationMeta` of each relationship, the typed
//! descriptors (`Post::AUTHOR`), the lazy accessors (`post.author()`), the
//! inverse generated on the target for a `backref`, and the compile-time
//! checks between the two models.
//!
//! Cross-model rules are checked by const evaluation: the derive on this
//! side reads the target's metadata constant and panics with a literal
//! message naming both models and the fix; rustc reports it at the span of
//! the attribute as `evaluation panicked: <message>`.

use heck::{ToShoutySnakeCase, ToSnakeCase};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::tokens::opt_str;
use crate::internals::ast::{Container, Field};
use crate::internals::relation::{Kind, Lazy, RelAttrs};

/// The association's left and right column names: given, or for a table
/// the ORM declares, `<owner>_id` and `<target>_id`.
pub fn secondary_columns(cont: &Container, rel: &RelAttrs) -> (Option<String>, Option<String>) {
    let Some(sec) = &rel.secondary else {
        return (None, None);
    };
    let bare = sec.table.is_some();
    let left = sec
        .left
        .as_ref()
        .map(|l| l.value.clone())
        .or_else(|| bare.then(|| format!("{}_id", cont.ident.to_string().to_snake_case())));
    let right = sec
        .right
        .as_ref()
        .map(|r| r.value.clone())
        .or_else(|| bare.then(|| format!("{}_id", rel.target_name().to_snake_case())));
    (left, right)
}

fn secondary_const(field: &Field) -> syn::Ident {
    format_ident!("__ORM_SECONDARY_{}", field.name.to_shouty_snake_case())
}

/// The `Secondary` of a many-to-many; `swap` for the inverse side.
fn secondary_tokens(cont: &Container, field: &Field, rel: &RelAttrs, swap: bool) -> TokenStream {
    let Some(sec) = &rel.secondary else {
        return quote!(::core::option::Option::None);
    };
    let (table, table_name) = match (&sec.model, &sec.table) {
        (Some(model), _) => (
            quote!(|| <#model as __orm::Model>::META),
            quote!(<#model as __orm::Model>::META.table),
        ),
        (None, table) => {
            let c = secondary_const(field);
            let name = table.as_ref().map(|t| t.value.clone()).unwrap_or_default();
            (quote!(|| &#c), quote!(#name))
        }
    };
    let (mut left, mut right) = secondary_columns(cont, rel);
    if swap {
        std::mem::swap(&mut left, &mut right);
    }
    let left = opt_str(left.as_deref());
    let right = opt_str(right.as_deref());
    quote! {
        ::core::option::Option::Some(__orm::Secondary { table: #table, table_name: #table_name, left: #left, right: #right })
    }
}

/// The association table the ORM declares for `#[secondary(table = "..")]`:
/// a composite key of the two columns, a foreign key to each side with ON
/// DELETE CASCADE, an index on the right column.
fn secondary_table(cont: &Container, field: &Field, rel: &RelAttrs) -> TokenStream {
    let Some(sec) = &rel.secondary else {
        return TokenStream::new();
    };
    let Some(table) = &sec.table else {
        return TokenStream::new();
    };
    let owner = cont.ident;
    let target = &rel.target;
    let name = &table.value;
    let schema = opt_str(cont.attrs.schema.as_deref());
    let (left, right) = secondary_columns(cont, rel);
    let (left, right) = (left.unwrap_or_default(), right.unwrap_or_default());
    let c = secondary_const(field);
    let column = |col: &str, model: TokenStream, index: bool| {
        quote! {
            __orm::ColumnMeta {
                field: #col,
                name: #col,
                sql_type: __orm::key_sql_type(<#model as __orm::Model>::META),
                nullable: false,
                primary_key: true,
                auto: false,
                unique: false,
                index: #index,
                max_length: __orm::key_max_length(<#model as __orm::Model>::META),
                default: ::core::option::Option::None,
                version: false,
                collation: ::core::option::Option::None,
                variants: &[],
                references: ::core::option::Option::Some(__orm::ForeignKey {
                    target: || <#model as __orm::Model>::META,
                    target_path: <#model as __orm::Model>::__PATH,
                    column: ::core::option::Option::None,
                    on_delete: __orm::OnDelete::Cascade,
                }),
            }
        }
    };
    let left_col = column(&left, quote!(#owner), false);
    let right_col = column(&right, quote!(#target), true);
    quote! {
        const #c: __orm::ModelMeta = __orm::ModelMeta {
            name: #name,
            table: #name,
            schema: #schema,
            columns: &[#left_col, #right_col],
            relations: &[],
        };
    }
}

fn kind_tokens(kind: Kind) -> TokenStream {
    let variant = syn::Ident::new(kind.variant(), Span::call_site());
    quote!(__orm::RelationKind::#variant)
}

/// The names of the statics a relationship's metadata points at: where its
/// resolved path is kept, and its strategy.
fn relation_statics(field: &Field) -> (syn::Ident, syn::Ident) {
    let upper = field.name.to_shouty_snake_case();
    (
        format_ident!("__ORM_PATH_{}", upper),
        format_ident!("__ORM_OPS_{}", upper),
    )
}

/// The `RelationMeta` of a relationship declared on `field`; with
/// `strategies`, pointing at the strategy [`strategy`] emits.
pub fn relation_meta(
    cont: &Container,
    field: &Field,
    rel: &RelAttrs,
    strategies: bool,
) -> TokenStream {
    let (path_static, ops_static) = relation_statics(field);
    let ops = if strategies {
        quote!(::core::option::Option::Some(|| #ops_static.get()))
    } else {
        quote!(::core::option::Option::None)
    };
    let owner = cont.ident.to_string();
    let name = &field.name;
    let kind = kind_tokens(rel.kind);
    let secondary = secondary_tokens(cont, field, rel, false);
    let target = &rel.target;
    let key = match rel.kind {
        Kind::BelongsTo => opt_str(cont.key_field(field, rel).map(|k| k.column.as_str())),
        _ => opt_str(rel.foreign_key.as_ref().map(|k| k.value.as_str())),
    };
    let references = opt_str(rel.references.as_ref().map(|r| r.value.as_str()));
    let back_populates = opt_str(rel.back_populates.as_ref().map(|r| r.value.as_str()));
    let backref = opt_str(rel.backref.as_ref().map(|r| r.value.as_str()));
    let delete = rel.cascade_delete;
    let delete_orphan = rel.cascade_delete_orphan.is_some();
    let on_delete = syn::Ident::new(rel.on_delete().variant(), Span::call_site());
    let order_by = match &rel.order_by {
        Some((column, desc)) => quote!(::core::option::Option::Some((#column, #desc))),
        None => quote!(::core::option::Option::None),
    };
    let lazy = syn::Ident::new(rel.lazy.variant(), Span::call_site());
    quote! {
        __orm::RelationMeta {
            owner: #owner,
            name: #name,
            kind: #kind,
            target: || <#target as __orm::Model>::META,
            target_path: <#target as __orm::Model>::__PATH,
            key: #key,
            references: #references,
            back_populates: #back_populates,
            backref: #backref,
            cascade: __orm::Cascade { delete: #delete, delete_orphan: #delete_orphan },
            on_delete: __orm::OnDelete::#on_delete,
            order_by: #order_by,
            lazy: __orm::Lazy::#lazy,
            secondary: #secondary,
            resolved: || &#path_static,
            ops: #ops,
        }
    }
}

/// The statics behind a relationship's metadata: the cell of its resolved
/// path and (with `strategies`) its kind's strategy, typed with both
/// models.
pub fn relation_statics_items(
    cont: &Container,
    field: &Field,
    rel: &RelAttrs,
    strategies: bool,
) -> TokenStream {
    let ident = cont.ident;
    let target = &rel.target;
    let fid = field.ident;
    let (path_static, ops_static) = relation_statics(field);
    let mut out = quote! {
        static #path_static: __orm::PathCell = __orm::PathCell::new();
    };
    if !strategies {
        return out;
    }
    let lazy = match rel.lazy {
        Lazy::Selectin => quote! {
            ::core::option::Option::Some(|rel| __orm::DefaultLoad::<#ident>::selectin::<#target>(rel))
        },
        Lazy::Joined => quote! {
            ::core::option::Option::Some(|rel| __orm::DefaultLoad::<#ident>::joined::<#target>(rel))
        },
        Lazy::Raise => quote!(::core::option::Option::None),
    };
    let slot = quote! {
        __orm::Field { slot: |m| &mut m.#fid, peek: |m| &m.#fid, lazy: #lazy }
    };
    let ops = match rel.kind {
        Kind::BelongsTo => {
            let key = cont
                .key_field(field, rel)
                .and_then(|k| cont.columns().position(|c| c.ident == k.ident))
                .unwrap_or_default();
            let references = opt_str(rel.references.as_ref().map(|r| r.value.as_str()));
            quote! {
                __orm::BelongsToOps::<#ident, #target> { field: #slot, key: #key, references: #references }
            }
        }
        Kind::HasOne => quote!(__orm::HasOneOps::<#ident, #target>(#slot)),
        Kind::HasMany => quote!(__orm::HasManyOps::<#ident, #target>(#slot)),
        Kind::ManyToMany => quote!(__orm::ManyToManyOps::<#ident, #target>(#slot)),
    };
    out.extend(quote! {
        static #ops_static: __orm::OpsCell = __orm::OpsCell::new(|| {
            use __orm::{EraseModel as _, EraseOther as _};
            (&__orm::Erase::<#ident, _>::new(#ops)).erase()
        });
    });
    out
}

/// The accessor's type; `optional_parent`: a belongs_to whose key is
/// nullable.
fn accessor_type(
    kind: Kind,
    optional_parent: bool,
    owner: &TokenStream,
    target: &TokenStream,
) -> TokenStream {
    match kind {
        Kind::ManyToMany => quote!(__orm::ManyToManyQuery<'_, #owner, #target>),
        Kind::HasMany => quote!(__orm::HasManyQuery<'_, #owner, #target>),
        Kind::HasOne => quote!(__orm::HasOneQuery<'_, #owner, #target>),
        Kind::BelongsTo if optional_parent => quote!(__orm::OptionalParent<'_, #owner, #target>),
        Kind::BelongsTo => quote!(__orm::Parent<'_, #owner, #target>),
    }
}

fn accessor_ctor(kind: Kind, optional_parent: bool) -> TokenStream {
    match kind {
        Kind::ManyToMany => quote!(__orm::ManyToManyQuery::new),
        Kind::HasMany => quote!(__orm::HasManyQuery::new),
        Kind::HasOne => quote!(__orm::HasOneQuery::new),
        Kind::BelongsTo if optional_parent => quote!(__orm::OptionalParent::new),
        Kind::BelongsTo => quote!(__orm::Parent::new),
    }
}

pub fn expand(cont: &Container, strategies: bool) -> TokenStream {
    let ident = cont.ident;
    let vis = cont.vis;
    let model_name = ident.to_string();
    let mut methods = TokenStream::new();
    let mut outside = TokenStream::new();

    for (i, (field, rel)) in cont.relations().enumerate() {
        let target = &rel.target;
        let target_tokens = quote!(#target);
        let self_tokens = quote!(#ident);
        let fname = &field.name;
        let method = format_ident!("{}", fname, span = field.ident.span());
        let descriptor = format_ident!(
            "{}",
            fname.to_shouty_snake_case(),
            span = field.ident.span()
        );
        let optional_parent = rel.kind == Kind::BelongsTo
            && cont.key_field(field, rel).is_some_and(|k| k.is_option());
        outside.extend(secondary_table(cont, field, rel));
        outside.extend(relation_statics_items(cont, field, rel, strategies));
        let ty = accessor_type(rel.kind, optional_parent, &self_tokens, &target_tokens);
        let ctor = accessor_ctor(rel.kind, optional_parent);
        let kind_doc = rel.kind.describe();
        let target_name = rel.target_name();
        let doc_accessor = format!(
            "The `{fname}` relationship ({kind_doc} to `{target_name}`): one statement per read."
        );
        let doc_descriptor = format!("The `{fname}` relationship, for queries and loading.");
        methods.extend(quote! {
            #[doc = #doc_accessor]
            #vis fn #method(&self) -> #ty {
                #ctor(self, &<#ident as __orm::Model>::META.relations[#i])
            }
            #[doc = #doc_descriptor]
            #vis const #descriptor: __orm::Relation<#ident, #target> =
                __orm::Relation::new(&<#ident as __orm::Model>::META.relations[#i]);
        });

        if let Some(backref) = &rel.backref {
            outside.extend(backref_items(
                cont,
                field,
                rel,
                i,
                &backref.value,
                backref.span,
                &model_name,
            ));
        }
    }

    if methods.is_empty() {
        return outside;
    }
    quote! {
        impl #ident {
            #methods
        }
        #outside
    }
}

/// The rules between each relationship's two models, as const items that
/// stand on their own (outside the derive's block, so that a failure is
/// reported as the evaluation of the item itself, at the user's attribute).
pub fn checks_of(cont: &Container) -> TokenStream {
    cont.relations()
        .map(|(field, rel)| checks(cont, field, rel))
        .collect()
}

/// The inverse of `field` generated on its target, named `name`.
fn backref_items(
    cont: &Container,
    field: &Field,
    rel: &RelAttrs,
    i: usize,
    name: &str,
    span: Span,
    model_name: &str,
) -> TokenStream {
    let ident = cont.ident;
    let krate = super::krate(cont);
    let target = &rel.target;
    let target_name = rel.target_name();
    let fname = &field.name;
    let (kind, key) = match rel.kind {
        Kind::ManyToMany => (Kind::ManyToMany, quote!(::core::option::Option::None)),
        // belongs_to's inverse is a collection keyed by this model's key
        // column.
        Kind::BelongsTo => (
            Kind::HasMany,
            opt_str(cont.key_field(field, rel).map(|k| k.column.as_str())),
        ),
        // has_many/has_one's inverse is a belongs_to whose key lives on the
        // target (found from its metadata unless named).
        Kind::HasMany | Kind::HasOne => (
            Kind::BelongsTo,
            opt_str(rel.foreign_key.as_ref().map(|k| k.value.as_str())),
        ),
    };
    let kind_tokens = kind_tokens(kind);
    let secondary = secondary_tokens(cont, field, rel, true);
    let meta_ident = format_ident!("__ORM_BACKREF_{}", i);
    let path_ident = format_ident!("__ORM_BACKREF_PATH_{}", i);
    let method = syn::Ident::new(name, span);
    let descriptor = syn::Ident::new(&name.to_shouty_snake_case(), span);
    let self_tokens = quote!(#target);
    let owner_tokens = quote!(#ident);
    // The inverse of a has_many/has_one is a belongs_to whose key lives on
    // the target: whether it is nullable (so whether the accessor returns
    // an Option) is read from the target's metadata at compile time. The
    // inverse of a many-to-many is a many-to-many.
    let (ty, ctor) = if kind == Kind::BelongsTo {
        let fk = opt_str(rel.foreign_key.as_ref().map(|k| k.value.as_str()));
        let pick = quote! {
            <__orm::KeyNullable<{
                __orm::foreign_key_nullable(<#target as __orm::Model>::META, <#ident as __orm::Model>::__PATH, #fk)
            }> as __orm::ParentAccessor<'_, #target, #ident>>
        };
        (
            respan(quote!(#pick::Accessor), span),
            respan(quote!(#pick::accessor), span),
        )
    } else {
        (
            respan(
                accessor_type(kind, false, &self_tokens, &owner_tokens),
                span,
            ),
            respan(accessor_ctor(kind, false), span),
        )
    };
    let doc = format!(
        "Generated by `backref = \"{name}\"` on `{model_name}.{fname}`: the inverse relationship."
    );
    let meta_tokens = quote! {
        const #meta_ident: __orm::RelationMeta = __orm::RelationMeta {
            owner: #target_name,
            name: #name,
            kind: #kind_tokens,
            target: || <#ident as __orm::Model>::META,
            target_path: <#ident as __orm::Model>::__PATH,
            key: #key,
            references: ::core::option::Option::None,
            back_populates: ::core::option::Option::Some(#fname),
            backref: ::core::option::Option::None,
            cascade: __orm::Cascade { delete: false, delete_orphan: false },
            on_delete: __orm::OnDelete::NoAction,
            order_by: ::core::option::Option::None,
            lazy: __orm::Lazy::Raise,
            secondary: #secondary,
            resolved: || &#path_ident,
            ops: ::core::option::Option::None,
        };
        static #path_ident: __orm::PathCell = __orm::PathCell::new();
    };
    // Spanned at the backref's name, so that two models choosing the same
    // backref for one target are reported there.
    // The items exist only while the target has no member of that name:
    // a name taken is one error here (the bound's message), not rustc's
    // duplicate definitions.
    let name_free = respan(
        quote! {
            #krate::NameFree<{ !__orm::has_member(<#target as __orm::Model>::META, #name) }>:
                #krate::BackrefName<#ident, #target>
        },
        span,
    );
    let inherent = quote_spanned! {span=>
        #[allow(dead_code)]
        impl #target
        where
            #name_free,
        {
            #[doc = #doc]
            pub fn #method(&self) -> #ty {
                #ctor(self, &#meta_ident)
            }
            #[doc = #doc]
            pub const #descriptor: __orm::Relation<#target, #ident> = __orm::Relation::new(&#meta_ident);
        }
    };
    quote! {
        #meta_tokens
        #inherent
    }
}

/// Gives every token of `tokens` the span `span`.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    use proc_macro2::{Group, TokenTree};
    tokens
        .into_iter()
        .map(|tt| match tt {
            TokenTree::Group(g) => {
                let mut group = Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                TokenTree::Group(group)
            }
            mut other => {
                other.set_span(span);
                other
            }
        })
        .collect()
}

/// The rules between this model and the target, as const evaluations.
fn checks(cont: &Container, field: &Field, rel: &RelAttrs) -> TokenStream {
    let krate = super::krate(cont);
    let a = cont.ident.to_string();
    let t = rel.target_name();
    let target = &rel.target;
    let f = &field.name;
    let span = rel.span;
    let attr = rel.kind.attr();
    let model = cont.ident;
    let owner_path = quote!(<#model as __orm::Model>::__PATH);
    let mut out = TokenStream::new();

    if let Some(sec) = &rel.secondary {
        if let Some(assoc) = &sec.model {
            let assoc_name = assoc
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default();
            let (left, right) = secondary_columns(cont, rel);
            let ident = cont.ident;
            let paths = [
                quote!(<#ident as __orm::Model>::__PATH),
                quote!(<#target as __orm::Model>::__PATH),
            ];
            for ((side, side_name, column), side_path) in [("left", &a, left), ("right", &t, right)]
                .into_iter()
                .zip(paths)
            {
                let given = opt_str(column.as_deref());
                let none = match &column {
                    Some(c) => format!(
                        "`{a}.{f}` goes through `{assoc_name}` with {side} = \"{c}\", but `{assoc_name}` has no such foreign key to `{side_name}`: name a `{assoc_name}` column that references `{side_name}`"
                    ),
                    None => format!(
                        "the association `{assoc_name}` of `{a}.{f}` has no foreign key to `{side_name}`: add `#[belongs_to({side_name})]` (or `#[model(references = {side_name})]`) on a `{assoc_name}` field"
                    ),
                };
                let several = format!(
                    "the association `{assoc_name}` of `{a}.{f}` has several foreign keys to `{side_name}`: say which one with `{side} = \"..\"` in `#[secondary]`"
                );
                out.extend(quote_spanned! {sec.span=>
                    const _: () = {
                use #krate::__private as __orm;
                        let n = __orm::foreign_keys_to(<#assoc as __orm::Model>::META, #side_path, #given);
                        if n == 0 {
                            ::core::panic!(#none);
                        }
                        if n > 1 {
                            ::core::panic!(#several);
                        }
                    };
                });
            }
        }
    } else if rel.kind != Kind::BelongsTo {
        let fk = opt_str(rel.foreign_key.as_ref().map(|k| k.value.as_str()));
        let none = format!(
            "`{a}.{f}` is #[{attr}({t})] but `{t}` has no foreign key to `{a}`: add `#[belongs_to({a})]` on a `{t}` field (or `#[model(references = {a})]` on its key field)"
        );
        let named_missing = rel.foreign_key.as_ref().map(|k| {
            format!(
                "`{a}.{f}` names foreign_key = \"{}\" but `{t}` has no such foreign key to `{a}`: name a `{t}` field that references `{a}`",
                k.value
            )
        });
        let several = format!(
            "`{t}` has several foreign keys to `{a}`, so `{a}.{f}` is ambiguous: say which one it uses with `foreign_key = \"..\"`"
        );
        // The key on this model, by the usual names: the relationship is
        // declared on the wrong side.
        let key_here = cont
            .columns()
            .find(|c| c.name == format!("{f}_id") || c.name == format!("{}_id", t.to_snake_case()));
        let zero_message = match (named_missing, key_here) {
            (Some(named), _) => named,
            (None, Some(key)) => format!(
                "`{a}.{f}` is #[{attr}({t})], but its key `{a}.{}` is on `{a}`: a relationship whose key is on its own model is `#[belongs_to({t})]`; `#[{attr}]` goes on the model without the key",
                key.name
            ),
            (None, None) => none,
        };
        let namesake = format!(
            "`{a}.{f}` is #[{attr}({t})], but the foreign keys of `{t}` point to another model named `{a}` (of another module), not to this one: add a key to this `{a}` on `{t}`, or declare the relationship on the model its key points to"
        );
        out.extend(quote_spanned! {span=>
            const _: () = {
                use #krate::__private as __orm;
                let n = __orm::foreign_keys_to(<#target as __orm::Model>::META, #owner_path, #fk);
                if n == 0 && __orm::foreign_keys_named(<#target as __orm::Model>::META, #a) > 0 {
                    ::core::panic!(#namesake);
                }
                if n == 0 {
                    ::core::panic!(#zero_message);
                }
                if n > 1 {
                    ::core::panic!(#several);
                }
            };
        });
    }

    if rel.kind == Kind::BelongsTo
        && let Some(key) = cont.key_field(field, rel)
    {
        let key_ty = key.ty;
        let references = opt_str(rel.references.as_ref().map(|r| r.value.as_str()));
        let referenced = rel.references.as_ref().map_or_else(
            || "primary key".to_string(),
            |r| format!("`{t}.{}`", r.value),
        );
        let message = format!(
            "the key `{a}.{}` of `{a}.{f}` does not have the type of the {referenced} of `{t}` it references: give both the same type",
            key.name
        );
        let missing = format!(
            "`{a}.{f}` references {referenced} of `{t}`, which does not exist or is a composite key: name a single column with `references = \"..\"`"
        );
        out.extend(quote_spanned! {span=>
            const _: () = {
                use #krate::__private as __orm;
                match __orm::key_type_matches(
                    <#key_ty as __orm::ColumnType>::SQL_TYPE,
                    <#target as __orm::Model>::META,
                    #references,
                ) {
                    ::core::option::Option::Some(true) => {}
                    ::core::option::Option::Some(false) => ::core::panic!(#message),
                    ::core::option::Option::None => ::core::panic!(#missing),
                }
            };
        });
    }

    if rel.kind == Kind::BelongsTo
        && let Some(r) = &rel.references
    {
        let name = &r.value;
        let message = format!(
            "`{a}.{f}` references `{t}.{name}`, which does not tell `{t}` rows apart: mark it `#[model(unique)]`, or reference the primary key"
        );
        out.extend(quote_spanned! {r.span=>
            const _: () = {
                use #krate::__private as __orm;
                if !__orm::references_unique(<#target as __orm::Model>::META, #name) {
                    ::core::panic!(#message);
                }
            };
        });
    }

    if let (Some((column, _)), Some(span)) = (&rel.order_by, rel.order_by_span) {
        let message = format!(
            "`order_by = \"{column}\"` on `{a}.{f}` names no column of `{t}`: name one of its fields"
        );
        out.extend(quote_spanned! {span=>
            const _: () = {
                use #krate::__private as __orm;
                if __orm::column_named(<#target as __orm::Model>::META, #column).is_none() {
                    ::core::panic!(#message);
                }
            };
        });
    }

    if rel.kind == Kind::ManyToMany {
        let message = format!(
            "`{a}.{f}` is a many-to-many to `{t}`, whose primary key has several columns: an association row holds one key of each side; give `{t}` a single-column key (and keep the pair unique with `#[model(unique)]`)"
        );
        out.extend(quote_spanned! {span=>
            const _: () = {
                use #krate::__private as __orm;
                if __orm::key_width(<#target as __orm::Model>::META) > 1 {
                    ::core::panic!(#message);
                }
            };
        });
    }

    if matches!(rel.kind, Kind::HasMany | Kind::HasOne)
        && rel.back_populates.is_none()
        && rel.backref.is_none()
    {
        let fk = opt_str(rel.foreign_key.as_ref().map(|k| k.value.as_str()));
        let message = format!(
            "`{a}.{f}` writes the key of `{t}` to `{a}` that a belongs_to of `{t}` writes too, and the two are not a back_populates pair, so each could overwrite the other: name each other with `back_populates` (`back_populates = \"..\"` here naming the belongs_to, and `back_populates = \"{f}\"` there)"
        );
        out.extend(quote_spanned! {span=>
            const _: () = {
                use #krate::__private as __orm;
                if let ::core::option::Option::Some(key) =
                    __orm::foreign_key_column(<#target as __orm::Model>::META, #owner_path, #fk)
                    && __orm::overlapping_belongs_to(<#target as __orm::Model>::META, key, #owner_path, #f)
                {
                    ::core::panic!(#message);
                }
            };
        });
    }

    // A mistake both sides can see is reported by one of them.
    let reports = |g: &str| (a.as_str(), f.as_str()) <= (t.as_str(), g);

    if let Some(sec) = &rel.secondary
        && let Some(table) = &sec.table
        && reports("")
    {
        let name = &table.value;
        let (left, right) = secondary_columns(cont, rel);
        let (left, right) = (opt_str(left.as_deref()), opt_str(right.as_deref()));
        let message = format!(
            "`{a}.{f}` and a relationship of `{t}` both declare the association table `{name}`, with different columns: declare the table once, as a model named by `#[secondary(..)]` on both sides, or give both the same columns (left and right swapped)"
        );
        // A self-referential model does not compare the relationship with
        // itself.
        let except = if a == t { f.as_str() } else { "" };
        out.extend(quote_spanned! {table.span=>
            const _: () = {
                use #krate::__private as __orm;
                if __orm::association_differs(<#target as __orm::Model>::META, #name, #right, #left, #except) {
                    ::core::panic!(#message);
                }
            };
        });
    }

    if let Some(back) = &rel.back_populates
        && rel.backref.is_none()
    {
        let g = &back.value;
        let both_to_one = format!(
            "`{a}.{f}` and `{t}.{g}` are both belongs_to, so neither holds the other's rows: make one side `#[has_one({})]` or `#[has_many({})]` over the other's key",
            if reports(g) { &t } else { &a },
            if reports(g) { &t } else { &a }
        );
        let both_collections = format!(
            "`{a}.{f}` and `{t}.{g}` are both {} relationships: a back_populates pair is a has_many or has_one with the belongs_to over the same key, or two many-to-many through one association",
            rel.kind.describe()
        );
        let not_both_m2m = format!(
            "`{a}.{f}` is a many-to-many, but its back_populates `{t}.{g}` is not: declare `{t}.{g}` with `#[secondary]` through the same association"
        );
        let other_keys = format!(
            "`{a}.{f}` and `{t}.{g}` go over different foreign keys of `{t}`, so they cannot be a back_populates pair: pair each with the relationship over its own key (a has_many names it with `foreign_key = \"..\"`, a belongs_to with `key = \"..\"`)"
        );
        let check = match rel.kind {
            Kind::BelongsTo if reports(g) => quote! {
                if matches!(other.kind, __orm::RelationKind::BelongsTo) {
                    ::core::panic!(#both_to_one);
                }
            },
            Kind::ManyToMany if reports(g) => {
                let this_table = match rel.secondary.as_ref() {
                    Some(sec) => match (&sec.model, &sec.table) {
                        (Some(m), _) => quote!(<#m as __orm::Model>::META.table),
                        (None, Some(t)) => {
                            let v = &t.value;
                            quote!(#v)
                        }
                        (None, None) => quote!(""),
                    },
                    None => quote!(""),
                };
                let other_table = format!(
                    "`{a}.{f}` and `{t}.{g}` go through different association tables: a back_populates pair of many-to-many goes through one"
                );
                quote! {
                    match other.secondary {
                        ::core::option::Option::None => ::core::panic!(#not_both_m2m),
                        ::core::option::Option::Some(s) => {
                            if !__orm::str_eq(s.table_name, #this_table) {
                                ::core::panic!(#other_table);
                            }
                        }
                    }
                }
            }
            Kind::HasMany | Kind::HasOne => {
                let fk = opt_str(rel.foreign_key.as_ref().map(|k| k.value.as_str()));
                let same_kind = if reports(g) {
                    quote! {
                        if matches!(other.kind, __orm::RelationKind::HasMany | __orm::RelationKind::HasOne) {
                            ::core::panic!(#both_collections);
                        }
                    }
                } else {
                    TokenStream::new()
                };
                quote! {
                    #same_kind
                    if let (::core::option::Option::Some(column), ::core::option::Option::Some(key)) = (
                        __orm::foreign_key_column(<#target as __orm::Model>::META, #owner_path, #fk),
                        other.key,
                    ) && matches!(other.kind, __orm::RelationKind::BelongsTo)
                        && !__orm::column_is(column, key)
                    {
                        ::core::panic!(#other_keys);
                    }
                }
            }
            Kind::BelongsTo => TokenStream::new(),
            // The many-to-many side reports a mismatch of kinds.
            Kind::ManyToMany => quote! {
                if other.secondary.is_none() {
                    ::core::panic!(#not_both_m2m);
                }
            },
        };
        let check = respan(check, back.span);
        out.extend(quote_spanned! {back.span=>
            const _: () = {
                use #krate::__private as __orm;
                if let ::core::option::Option::Some(other) = __orm::relation_named(<#target as __orm::Model>::META, #g)
                    && __orm::str_eq(other.target_path, #owner_path)
                {
                    #check
                }
            };
        });
    }

    if let Some(back) = &rel.back_populates {
        let g = &back.value;
        let missing = format!(
            "`{a}.{f}` has back_populates = \"{g}\" but `{t}` has no relationship `{g}`: declare `{t}.{g}` pointing back to `{a}`, or use `backref = \"{g}\"` to generate it"
        );
        let elsewhere = format!(
            "`{t}.{g}` does not point back to `{a}`, so it cannot be the back_populates of `{a}.{f}`: name a `{t}` relationship whose target is `{a}`"
        );
        let unpaired = format!(
            "`{a}.{f}` and `{t}.{g}` must name each other: add back_populates = \"{f}\" to `{t}.{g}`"
        );
        let namesake = format!(
            "`{t}.{g}` points to another model named `{a}` (of another module), so it cannot be the back_populates of `{a}.{f}`: point `{t}.{g}` at this `{a}`, or pair `{a}.{f}` with a relationship that does"
        );
        // Without the foreign key the relationship is reported by its own
        // check: nothing to pair yet.
        let has_key = match rel.kind {
            Kind::HasMany | Kind::HasOne => {
                let fk = opt_str(rel.foreign_key.as_ref().map(|k| k.value.as_str()));
                quote!(__orm::foreign_keys_to(<#target as __orm::Model>::META, #owner_path, #fk) == 1)
            }
            _ => quote!(true),
        };
        out.extend(quote_spanned! {back.span=>
            const _: () = {
                use #krate::__private as __orm;
                match __orm::relation_named(<#target as __orm::Model>::META, #g) {
                    ::core::option::Option::None => ::core::panic!(#missing),
                    ::core::option::Option::Some(_) if !(#has_key) => {}
                    ::core::option::Option::Some(other) => {
                        if !__orm::str_eq(other.target_path, #owner_path) {
                            if __orm::path_names(other.target_path, #a) {
                                ::core::panic!(#namesake);
                            }
                            ::core::panic!(#elsewhere);
                        }
                        match other.back_populates {
                            ::core::option::Option::Some(name) if __orm::str_eq(name, #f) => {}
                            _ => ::core::panic!(#unpaired),
                        }
                    }
                }
            };
        });
    }

    out
}
