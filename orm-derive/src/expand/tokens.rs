//! Small token helpers shared by the expansion steps.

use proc_macro2::TokenStream;
use quote::quote;

/// `Some("..")` or `None`, as an `Option<&'static str>` expression.
pub fn opt_str(s: Option<&str>) -> TokenStream {
    match s {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    }
}
