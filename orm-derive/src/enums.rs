//! `#[derive(Enum)]`: a fieldless enum stored in one column, as text (its
//! variant names, snake_case unless renamed) or as an integer (its
//! discriminants), with the values listed for the table's `CHECK`.

use heck::{ToKebabCase, ToLowerCamelCase, ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};
use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;

enum Repr {
    Text,
    Int,
}

pub fn expand(input: syn::DeriveInput) -> TokenStream {
    match build(&input) {
        Ok(tokens) => tokens,
        Err(e) => e.to_compile_error(),
    }
}

fn rename(rule: &str, name: &str, span: proc_macro2::Span) -> syn::Result<String> {
    Ok(match rule {
        "snake_case" => name.to_snake_case(),
        "SCREAMING_SNAKE_CASE" => name.to_shouty_snake_case(),
        "kebab-case" => name.to_kebab_case(),
        "camelCase" => name.to_lower_camel_case(),
        "PascalCase" => name.to_upper_camel_case(),
        "lowercase" => name.to_lowercase(),
        "UPPERCASE" => name.to_uppercase(),
        "none" => name.to_string(),
        other => {
            return Err(syn::Error::new(
                span,
                format!(
                    "unknown rename_all rule `{other}`: expected \"snake_case\" (the default), \"SCREAMING_SNAKE_CASE\", \"kebab-case\", \"camelCase\", \"PascalCase\", \"lowercase\", \"UPPERCASE\" or \"none\""
                ),
            ));
        }
    })
}

fn build(input: &syn::DeriveInput) -> syn::Result<TokenStream> {
    let ident = &input.ident;
    let syn::Data::Enum(data) = &input.data else {
        return Err(syn::Error::new(
            ident.span(),
            format!(
                "`#[derive(Enum)]` on `{ident}`, which is not an enum: it maps a fieldless enum to a column"
            ),
        ));
    };
    let mut rule = "snake_case".to_string();
    let mut rule_span = ident.span();
    let mut repr = Repr::Text;
    let mut krate: syn::Path = syn::parse_quote!(::orm);
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("orm")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename_all") {
                let lit: syn::LitStr = meta.value()?.parse()?;
                rule = lit.value();
                rule_span = lit.span();
            } else if meta.path.is_ident("repr") {
                let lit: syn::LitStr = meta.value()?.parse()?;
                repr = match lit.value().as_str() {
                    "text" => Repr::Text,
                    "int" => Repr::Int,
                    other => {
                        return Err(syn::Error::new(
                            lit.span(),
                            format!("unknown repr `{other}` on `{ident}`: expected \"text\" (the default) or \"int\""),
                        ));
                    }
                };
            } else if meta.path.is_ident("crate") {
                let lit: syn::LitStr = meta.value()?.parse()?;
                krate = lit.parse()?;
            } else {
                return Err(meta.error(format!(
                    "unknown `orm` option on enum `{ident}`: expected `rename_all`, `repr` or `crate`"
                )));
            }
            Ok(())
        })?;
    }
    if data.variants.is_empty() {
        return Err(syn::Error::new(
            ident.span(),
            format!("`{ident}` has no variants: a column of it could hold nothing"),
        ));
    }
    let mut names: Vec<String> = Vec::new();
    let mut numbers: Vec<i64> = Vec::new();
    let mut next: i64 = 0;
    for v in &data.variants {
        if !matches!(v.fields, syn::Fields::Unit) {
            return Err(syn::Error::new(
                v.span(),
                format!(
                    "`{ident}::{}` has fields: `#[derive(Enum)]` stores fieldless variants only",
                    v.ident
                ),
            ));
        }
        let mut name = rename(&rule, &v.ident.to_string(), rule_span)?;
        for attr in v.attrs.iter().filter(|a| a.path().is_ident("orm")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    let lit: syn::LitStr = meta.value()?.parse()?;
                    name = lit.value();
                    Ok(())
                } else {
                    Err(meta.error(format!(
                        "unknown `orm` option on `{ident}::{}`: expected `rename = \"..\"`",
                        v.ident
                    )))
                }
            })?;
        }
        if names.contains(&name) {
            return Err(syn::Error::new(
                v.span(),
                format!(
                    "`{ident}::{}` is stored as `{name}`, as another variant is: rename one",
                    v.ident
                ),
            ));
        }
        names.push(name);
        if let Some((_, expr)) = &v.discriminant {
            next = match expr {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Int(i),
                    ..
                }) => i.base10_parse()?,
                syn::Expr::Unary(syn::ExprUnary {
                    op: syn::UnOp::Neg(_),
                    expr,
                    ..
                }) => match &**expr {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Int(i),
                        ..
                    }) => -i.base10_parse::<i64>()?,
                    _ => {
                        return Err(syn::Error::new(
                            expr.span(),
                            "write the discriminant as an integer literal",
                        ));
                    }
                },
                other => {
                    return Err(syn::Error::new(
                        other.span(),
                        "write the discriminant as an integer literal",
                    ));
                }
            };
        }
        if i32::try_from(next).is_err() {
            return Err(syn::Error::new(
                v.span(),
                "an `int` enum's discriminants must fit an i32",
            ));
        }
        numbers.push(next);
        next += 1;
    }
    let variants: Vec<&syn::Ident> = data.variants.iter().map(|v| &v.ident).collect();
    let type_name = ident.to_string();
    let body = match repr {
        Repr::Text => quote! {
            const SQL_TYPE: __orm::SqlType = __orm::SqlType::Text;
            const VARIANTS: &'static [&'static str] = &[#(#names),*];
            type Scalar = Self;
            fn decode(row: __orm::RowRef<'_>, idx: usize) -> ::core::result::Result<Self, __orm::DriverError> {
                let stored = <::std::string::String as __orm::ColumnType>::decode(row, idx)?;
                match stored.as_str() {
                    #(#names => ::core::result::Result::Ok(#ident::#variants),)*
                    other => ::core::result::Result::Err(__orm::unknown_variant(#type_name, other)),
                }
            }
            fn to_value(&self) -> __orm::Value {
                __orm::Value::String(::std::string::String::from(match self {
                    #(#ident::#variants => #names,)*
                }))
            }
            fn value_ref(&self) -> __orm::ValueRef<'_> {
                __orm::ValueRef::Str(match self {
                    #(#ident::#variants => #names,)*
                })
            }
            fn from_value(value: __orm::Value) -> ::core::option::Option<Self> {
                match value {
                    __orm::Value::String(s) => match s.as_str() {
                        #(#names => ::core::option::Option::Some(#ident::#variants),)*
                        _ => ::core::option::Option::None,
                    },
                    _ => ::core::option::Option::None,
                }
            }
        },
        Repr::Int => {
            let stored: Vec<String> = numbers.iter().map(|n| n.to_string()).collect();
            let ints: Vec<i32> = numbers.iter().map(|&n| n as i32).collect();
            quote! {
                const SQL_TYPE: __orm::SqlType = __orm::SqlType::Int;
                const VARIANTS: &'static [&'static str] = &[#(#stored),*];
                type Scalar = Self;
                fn decode(row: __orm::RowRef<'_>, idx: usize) -> ::core::result::Result<Self, __orm::DriverError> {
                    match <i32 as __orm::ColumnType>::decode(row, idx)? {
                        #(#ints => ::core::result::Result::Ok(#ident::#variants),)*
                        other => ::core::result::Result::Err(__orm::unknown_variant(#type_name, other)),
                    }
                }
                fn to_value(&self) -> __orm::Value {
                    __orm::Value::I32(match self {
                        #(#ident::#variants => #ints,)*
                    })
                }
                fn from_value(value: __orm::Value) -> ::core::option::Option<Self> {
                    match value {
                        __orm::Value::I32(n) => match n {
                            #(#ints => ::core::option::Option::Some(#ident::#variants),)*
                            _ => ::core::option::Option::None,
                        },
                        _ => ::core::option::Option::None,
                    }
                }
            }
        }
    };
    Ok(quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, clippy::all)]
        const _: () = {
            use #krate::__private as __orm;
            impl __orm::ColumnType for #ident {
                #body
            }
            impl __orm::IntoValue<::core::option::Option<#ident>> for #ident {
                fn into_value(self) -> __orm::Value {
                    __orm::ColumnType::into_value(self)
                }
            }
        };
    })
}
