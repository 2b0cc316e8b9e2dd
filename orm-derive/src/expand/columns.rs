//! The typed column constants: `User::EMAIL: Column<User, String>`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::internals::ast::Container;
use crate::internals::attr::const_name;

pub fn expand(cont: &Container) -> TokenStream {
    let ident = cont.ident;
    let vis = cont.vis;
    let consts = cont.columns().map(|f| {
        let name = format_ident!("{}", const_name(&f.name), span = f.ident.span());
        let ty = f.ty;
        let column = &f.column;
        let doc = format!("The `{column}` column (field `{}`).", f.name);
        quote! {
            #[doc = #doc]
            #vis const #name: __orm::Column<#ident, #ty> = __orm::Column::new(#column);
        }
    });
    quote! {
        impl #ident {
            #(#consts)*
        }
    }
}
