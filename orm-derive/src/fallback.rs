//! What is emitted when the attributes are wrong: the errors, plus the
//! trait impl and column constants where the struct could still be read,
//! so that one bad attribute does not bury its error under a cascade of
//! "`User` is not a `Model`" errors at every use site.

use proc_macro2::TokenStream;
use quote::quote;

use crate::expand;
use crate::internals::ast::Container;
use crate::internals::check;
use crate::internals::relation::Str;

pub fn expand(cont: Option<Container>, err: syn::Error) -> TokenStream {
    let errors = err.to_compile_error();
    match cont {
        Some(mut cont) if cont.primary_key().next().is_some() => {
            leave_out_errors(&mut cont);
            let body = expand::expand(&cont, false);
            quote! {
                #errors
                #body
            }
        }
        _ => errors,
    }
}

/// Leaves out of the stub what would only repeat an error already
/// reported: a relationship on a field of the wrong type (the field is
/// kept, skipped), a `backref` or `back_populates` that is not a name.
fn leave_out_errors(cont: &mut Container) {
    let model = cont.ident;
    for field in &mut cont.fields {
        let Some(rel) = &field.relation else {
            continue;
        };
        if !check::slot_fits(model, field, rel) {
            field.relation = None;
            field.attrs.skip = Some(field.span);
            continue;
        }
        let is_name = |s: &Option<Str>| {
            s.as_ref()
                .is_none_or(|s| syn::parse_str::<syn::Ident>(&s.value).is_ok())
        };
        let (backref_ok, back_ok) = (is_name(&rel.backref), is_name(&rel.back_populates));
        if let Some(rel) = &mut field.relation {
            if !backref_ok {
                rel.backref = None;
            }
            if !back_ok {
                rel.back_populates = None;
            }
        }
    }
}
