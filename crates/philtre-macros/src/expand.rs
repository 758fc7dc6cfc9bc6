//! Code generation: the typed column accessors, and in one anonymous `const` block the
//! type checks, the `Model` and `Mapped` implementations and the link-time registration.

mod mapping;
mod table;

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::quote;

use crate::model::ModelDef;

pub fn expand(def: &ModelDef) -> TokenStream {
    let accessors = accessors(def);
    let checks = table::checks(def);
    let model = table::model_impl(def);
    let mapped = mapping::mapped_impl(def);
    let query = mapping::query_property_impl(def);
    let p = private(def);
    let ident = &def.ident;
    quote! {
        #accessors

        const _: () = {
            #checks
            #model
            #mapped
            #query
            #p::inventory::submit! { #p::ModelEntry::new::<#ident>() }
        };
    }
}

/// The path of the runtime support the generated code calls.
fn private(def: &ModelDef) -> TokenStream {
    let krate = &def.krate;
    quote!(#krate::declarative::private)
}

/// The same path with every token at `span`, so that an unmet bound in a call through it
/// is reported at `span` (the field's type) rather than at the derive.
fn private_at(def: &ModelDef, span: Span) -> TokenStream {
    respan(private(def), span)
}

fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tt| {
            if let TokenTree::Group(g) = &tt {
                let mut group = Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                tt = TokenTree::Group(group);
            } else {
                tt.set_span(span);
            }
            tt
        })
        .collect()
}

/// `User::name`: one `Col<User, FieldType>` constant per field, as visible as the field.
fn accessors(def: &ModelDef) -> TokenStream {
    let p = private(def);
    let ident = &def.ident;
    let consts = def.fields.iter().map(|f| {
        let (name, ty, vis, column) = (&f.ident, &f.ty, &f.vis, &f.column);
        let doc = format!("The `{column}` column, for filters: `{ident}::{name}.eq(...)`.");
        quote! {
            #[doc = #doc]
            #vis const #name: #p::Col<#ident, #ty> = #p::Col::new(#column);
        }
    });
    quote! {
        // Named like the fields on purpose, so filters read `User::name.eq("admin")`.
        #[allow(non_upper_case_globals, dead_code)]
        impl #ident {
            #(#consts)*
        }
    }
}
