//! Code generation from a checked [`Container`](crate::internals::ast::Container).
//! Everything generated sits in one `const _: () = { ... };` block and
//! reaches the runtime only through `<crate>::__private`.

pub mod columns;
pub mod model;
pub mod relations;
mod tokens;

use proc_macro2::TokenStream;
use quote::quote;

use crate::internals::ast::Container;

/// `strategies`: also the relationship strategies, left out when the
/// attributes had errors (the metadata then says the relationships have
/// none, and the errors stay few).
pub fn expand(cont: &Container, strategies: bool) -> TokenStream {
    let krate = krate(cont);
    let model_impl = model::expand(cont, strategies);
    let columns = columns::expand(cont);
    let relations = relations::expand(cont, strategies);
    let checks = if strategies {
        relations::checks_of(cont)
    } else {
        TokenStream::new()
    };
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, clippy::all)]
        const _: () = {
            use #krate::__private as __orm;
            #model_impl
            #columns
            #relations
        };
        #checks
    }
}

/// The path of the runtime crate: `::orm`, or `#[model(crate = "..")]`.
pub fn krate(cont: &Container) -> TokenStream {
    match &cont.attrs.krate {
        Some(path) => quote!(#path),
        None => quote!(::orm),
    }
}
