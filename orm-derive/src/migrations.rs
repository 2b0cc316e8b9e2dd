//! `migrate!("dir")`: the folder's `.sql` files embedded by name and
//! content, their names checked here so that a bad one fails the build.

use proc_macro2::{Span, TokenStream};
use quote::quote;

pub fn expand(input: TokenStream) -> TokenStream {
    match files(input) {
        Ok(tokens) => tokens,
        Err(e) => e.to_compile_error(),
    }
}

fn files(input: TokenStream) -> syn::Result<TokenStream> {
    let (dir, span) = if input.is_empty() {
        ("migrations".to_string(), Span::call_site())
    } else {
        let lit: syn::LitStr = syn::parse2(input)?;
        (lit.value(), lit.span())
    };
    let root = std::env::var("CARGO_MANIFEST_DIR").map_err(|_| {
        syn::Error::new(
            span,
            "`migrate!` needs CARGO_MANIFEST_DIR: build it with cargo",
        )
    })?;
    let path = std::path::Path::new(&root).join(&dir);
    let entries = std::fs::read_dir(&path).map_err(|e| {
        syn::Error::new(
            span,
            format!(
                "cannot read the migration folder `{}` ({e}): the path is relative to the crate's Cargo.toml",
                path.display()
            ),
        )
    })?;
    let mut found = Vec::new();
    for entry in entries {
        let file = entry
            .map_err(|e| syn::Error::new(span, format!("cannot read `{}`: {e}", path.display())))?
            .path();
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if !name.ends_with(".sql") {
            continue;
        }
        let version = name.split('_').next().unwrap_or_default();
        if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) || !name.contains('_')
        {
            return Err(syn::Error::new(
                span,
                format!(
                    "`{name}` in `{dir}` is not a migration file name: expected `<version>_<description>.up.sql`, `.down.sql` or `.sql`, e.g. `20261130120000_add_post_summary.up.sql`"
                ),
            ));
        }
        found.push((name, file.to_string_lossy().to_string()));
    }
    found.sort();
    let items = found
        .iter()
        .map(|(name, full)| quote!((#name, ::core::include_str!(#full))));
    Ok(quote! {
        ::orm::Migrator::__embedded(&[#(#items),*])
    })
}
