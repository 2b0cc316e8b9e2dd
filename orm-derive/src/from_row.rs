//! `#[derive(FromRow)]`: a plain struct built from a projection's row, its
//! fields in order.

use proc_macro2::TokenStream;
use quote::quote;

pub fn expand(input: syn::DeriveInput) -> TokenStream {
    let ident = &input.ident;
    let syn::Data::Struct(data) = &input.data else {
        return syn::Error::new(
            ident.span(),
            format!("`#[derive(FromRow)]` on `{ident}`, which is not a struct: it fills a struct's fields from a row"),
        )
        .to_compile_error();
    };
    let mut krate: syn::Path = syn::parse_quote!(::orm);
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("orm")) {
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                let lit: syn::LitStr = meta.value()?.parse()?;
                krate = lit.parse()?;
                Ok(())
            } else {
                Err(meta.error(format!(
                    "unknown `orm` option on `{ident}`: expected `crate`"
                )))
            }
        });
        if let Err(e) = parsed {
            return e.to_compile_error();
        }
    }
    let fields: Vec<&syn::Field> = data.fields.iter().collect();
    if fields.is_empty() {
        return syn::Error::new(ident.span(), format!("`{ident}` has no fields to fill"))
            .to_compile_error();
    }
    let types: Vec<&syn::Type> = fields.iter().map(|f| &f.ty).collect();
    let (generics_impl, generics_ty, where_clause) = input.generics.split_for_impl();
    let (row, build) = match (&data.fields, fields.len()) {
        (syn::Fields::Named(_), 1) => {
            let name = &fields[0].ident;
            let ty = types[0];
            (quote!(#ty), quote!(#ident { #name: row }))
        }
        (syn::Fields::Named(_), _) => {
            let names = fields.iter().map(|f| &f.ident);
            let idx = (0..fields.len()).map(syn::Index::from);
            (
                quote!((#(#types,)*)),
                quote!(#ident { #(#names: row.#idx,)* }),
            )
        }
        (_, 1) => {
            let ty = types[0];
            (quote!(#ty), quote!(#ident(row)))
        }
        _ => {
            let idx = (0..fields.len()).map(syn::Index::from);
            (quote!((#(#types,)*)), quote!(#ident(#(row.#idx,)*)))
        }
    };
    quote! {
        impl #generics_impl #krate::FromRow for #ident #generics_ty #where_clause {
            type Row = #row;
            fn from_row(row: Self::Row) -> Self {
                #build
            }
        }
    }
}
