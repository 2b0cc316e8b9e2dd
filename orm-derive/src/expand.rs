//! Code generation from a checked [`Container`](crate::internals::ast::Container).
//! Everything generated sits in one `const _: () = { ... };` block and
//! reaches the runtime only through `<crate>::__private`.

pub mod columns;
pub mod model;
pub mod relations;

use proc_macro2::TokenStream;
use quote::quote;

use crate::internals::ast::Container;

/// `graph`: also the relationship-writing methods, left out when the
/// attributes had errors (their defaults keep the impl complete and the
/// errors few).
pub fn expand(cont: &Container, graph: bool) -> TokenStream {
    let krate = match &cont.attrs.krate {
        Some(path) => quote!(#path),
        None => quote!(::orm),
    };
    let model_impl = model::expand(cont, graph);
    let columns = columns::expand(cont);
    let relations = relations::expand(cont);
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, clippy::all)]
        const _: () = {
            use #krate::__private as __orm;
            #model_impl
            #columns
            #relations
        };
    }
}
