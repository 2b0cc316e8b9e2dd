//! What is emitted when the attributes are wrong: the errors, plus the
//! trait impl and column constants where the struct could still be read,
//! so that one bad attribute does not bury its error under a cascade of
//! "`User` is not a `Model`" errors at every use site.

use proc_macro2::TokenStream;
use quote::quote;

use crate::expand;
use crate::internals::ast::Container;

pub fn expand(cont: Option<&Container>, err: syn::Error) -> TokenStream {
    let errors = err.to_compile_error();
    match cont {
        Some(cont) if cont.primary_key().next().is_some() => {
            let body = expand::expand(cont, false);
            quote! {
                #errors
                #body
            }
        }
        _ => errors,
    }
}
