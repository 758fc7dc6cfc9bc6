//! The `Model` implementation with its static `Table`, and the compile-time checks that
//! tie each attribute to the field's type.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::{private, private_at, respan};
use crate::attrs::ForeignKey;
use crate::model::{Field, ModelDef};

/// One `const _: () = check::<FieldType>();` per rule an attribute adds: the bound fails
/// at the field's type with the message of the trait's `on_unimplemented`.
pub fn checks(def: &ModelDef) -> TokenStream {
    let mut out = TokenStream::new();
    for f in &def.fields {
        let p = private_at(def, f.ty.span());
        let ty = &f.ty;
        let span = ty.span();
        let a = &f.attrs;
        let mut check = |name: &str| {
            let name = syn::Ident::new(name, span);
            out.extend(quote_spanned!(span=> const _: () = #p::#name::<#ty>();));
        };
        if matches!(a.autoincrement, Some((true, _))) {
            check("check_integer");
        }
        if matches!(a.nullable, Some((true, _))) {
            check("check_option");
        }
        if (a.primary_key || a.unique || a.index) && a.length.is_none() && a.sql_type.is_none() {
            check("check_indexable");
        }
        if let Some(ForeignKey::Model(target)) = &a.foreign_key {
            let target = model_path(def, target);
            let p = respan(private(def), target.span());
            out.extend(quote_spanned!(target.span()=>
                const _: () = #p::check_single_key::<#target>();
            ));
        }
    }
    out
}

/// `Self` in an attribute means the struct being derived (a self-referencing key).
fn model_path(def: &ModelDef, path: &syn::Path) -> TokenStream {
    if path.is_ident("Self") {
        let ident = &def.ident;
        quote_spanned!(path.span()=> #ident)
    } else {
        quote!(#path)
    }
}

pub fn model_impl(def: &ModelDef) -> TokenStream {
    let p = private(def);
    let (ident, base, table) = (&def.ident, &def.base, &def.table);
    let pk = def.primary_key().map(|f| &f.column);
    let columns = def.fields.iter().map(|f| column(def, f));
    let uniques = def.uniques.iter().map(|cols| quote!(.unique([#(#cols),*])));
    let indexes = def.indexes.iter().map(|cols| {
        let name = format!("ix_{table}_{}", cols.join("_"));
        quote!(.index(#name, [#(#cols),*], false))
    });
    quote! {
        impl #p::Model for #ident {
            type Base = #base;
            const TABLE_NAME: &'static str = #table;
            const PRIMARY_KEY: &'static [&'static str] = &[#(#pk),*];

            fn table_ref() -> &'static #p::Table {
                static TABLE: #p::LazyLock<#p::Table> = #p::LazyLock::new(|| {
                    #p::Table::builder(#table)
                        #(.column(#columns))*
                        #(#uniques)*
                        #(#indexes)*
                        .build()
                });
                &TABLE
            }
        }
    }
}

/// The `Column` of one field, with everything its attributes say.
fn column(def: &ModelDef, f: &Field) -> TokenStream {
    let p = private(def);
    let pt = private_at(def, f.ty.span());
    let (ty, name, a) = (&f.ty, &f.column, &f.attrs);
    let span = ty.span();
    let sql_type = if let Some(e) = &a.sql_type {
        quote!({
            #[allow(unused_imports)]
            use #p::{types::*, SqlType};
            #e
        })
    } else if let Some((n, _)) = a.length {
        quote_spanned!(span=> #pt::string_type::<#ty>(#n))
    } else if let (Some((precision, _)), Some((scale, _))) = (a.precision, a.scale) {
        quote_spanned!(span=> #pt::numeric_type::<#ty>(#precision, #scale))
    } else {
        quote_spanned!(span=> (#pt::field::<#ty>().sql_type)())
    };
    let mut c = quote!(#p::Column::new(#name, #sql_type));
    if a.primary_key {
        c.extend(quote!(.primary_key()));
    }
    if let Some((on, _)) = a.autoincrement {
        c.extend(quote!(.autoincrement(#on)));
    }
    match a.nullable {
        Some((on, _)) => c.extend(quote!(.nullable(#on))),
        // A key column is NOT NULL even when its field is an `Option` (a key to generate).
        None if !a.primary_key => {
            c.extend(quote_spanned!(span=> .nullable(#pt::field::<#ty>().nullable)));
        }
        None => {}
    }
    if a.unique {
        c.extend(quote!(.unique()));
    }
    if a.index {
        c.extend(quote!(.index()));
    }
    if let Some(e) = &a.default {
        c.extend(quote_spanned!(span=> .default(#pt::field_value::<#ty>(#e))));
    }
    if let Some(e) = &a.server_default {
        c.extend(quote_spanned!(span=> .server_default(#pt::field_value::<#ty>(#e))));
    }
    if let Some(sql) = &a.server_default_sql {
        c.extend(quote!(.server_default_sql(#sql)));
    }
    let Some(fk) = &a.foreign_key else {
        return c;
    };
    let (ref_table, ref_column) = match fk {
        ForeignKey::Column { table, column } => (quote!(#table), quote!(#column)),
        ForeignKey::Model(target) => {
            let target = model_path(def, target);
            (
                quote!(<#target as #p::Model>::TABLE_NAME),
                quote!(<#target as #p::Model>::PRIMARY_KEY.first().copied().unwrap_or_default()),
            )
        }
    };
    let action = |a: Option<(&'static str, Span)>| match a {
        Some((variant, _)) => {
            let variant = syn::Ident::new(variant, Span::call_site());
            quote!(::std::option::Option::Some(#p::ReferentialAction::#variant))
        }
        None => quote!(::std::option::Option::None),
    };
    let (on_delete, on_update) = (action(a.on_delete), action(a.on_update));
    quote!(#p::foreign_key(#c, #ref_table, #ref_column, #on_delete, #on_update))
}
