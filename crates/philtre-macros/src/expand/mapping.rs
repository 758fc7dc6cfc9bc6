//! The `Mapped` implementation (what manual mapping writes by hand) and `QueryProperty`.

use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::{private, private_at};
use crate::model::ModelDef;

pub fn mapped_impl(def: &ModelDef) -> TokenStream {
    let p = private(def);
    let ident = &def.ident;
    let columns = def.fields.iter().map(|f| &f.column);
    let from_row = def.fields.iter().enumerate().map(|(i, f)| {
        let (name, ty) = (&f.ident, &f.ty);
        let i = Literal::usize_suffixed(i);
        let p = private_at(def, ty.span());
        quote_spanned!(ty.span()=> #name: (#p::field::<#ty>().get)(row, #i)?)
    });
    let take = def.fields.iter().enumerate().map(|(i, f)| {
        let (name, ty, column) = (&f.ident, &f.ty, &f.column);
        let i = Literal::usize_suffixed(i);
        let p = private_at(def, ty.span());
        quote_spanned!(ty.span()=> #name: #p::take(&mut *values, #i, #column, #p::field::<#ty>())?)
    });
    let take: Vec<TokenStream> = take.collect();
    let raw = def.fields.iter().enumerate().map(|(i, f)| {
        let (name, ty) = (&f.ident, &f.ty);
        let i = Literal::usize_suffixed(i);
        let p = private_at(def, ty.span());
        quote_spanned!(ty.span()=> #name: (#p::field::<#ty>().raw)(&mut *row, #i)?)
    });
    let to_values = def.fields.iter().map(|f| field_value(def, &f.ident, &f.ty));
    let compare = def.fields.iter().enumerate().map(|(i, f)| {
        let (name, ty) = (&f.ident, &f.ty);
        let i = Literal::usize_suffixed(i);
        let field = private_at(def, ty.span());
        quote_spanned!(ty.span()=> #p::compare(&mut changes, #i, &self.#name, snapshot, #field::field::<#ty>());)
    });
    let key_values = def.primary_key().map(|f| field_value(def, &f.ident, &f.ty));
    let set_key = def.primary_key().enumerate().map(|(i, f)| {
        let (name, ty) = (&f.ident, &f.ty);
        let qualified = format!("{}.{}", def.table, f.column);
        let field = private_at(def, ty.span());
        let field = quote_spanned!(ty.span()=> #field::field::<#ty>());
        quote!(self.#name = #p::key_part(key, #i, #qualified, #field)?;)
    });
    quote! {
        impl #p::Mapped for #ident {
            const COLUMNS: &'static [&'static str] = &[#(#columns),*];

            fn table() -> #p::Result<#p::Table> {
                ::std::result::Result::Ok(
                    ::std::clone::Clone::clone(<Self as #p::Model>::table_ref()),
                )
            }

            fn from_row(row: &#p::Row) -> #p::Result<Self> {
                ::std::result::Result::Ok(Self { #(#from_row),* })
            }

            fn from_owned_row(row: #p::Row) -> #p::Result<Self> {
                let mut values = #p::row_values(row);
                ::std::result::Result::Ok(Self { #(#take),* })
            }

            fn from_values(
                values: &mut [#p::Value],
                _: &::std::sync::Arc<[::std::string::String]>,
            ) -> #p::Result<Self> {
                ::std::result::Result::Ok(Self { #(#take),* })
            }

            fn from_raw(row: &mut dyn #p::RawRow) -> #p::Result<Self> {
                ::std::result::Result::Ok(Self { #(#raw),* })
            }

            fn to_values(&self) -> ::std::vec::Vec<#p::Value> {
                ::std::vec![#(#to_values),*]
            }

            fn changes(&self, snapshot: &[#p::Value]) -> #p::Result<#p::Changes> {
                let mut changes = <#p::Changes as ::std::default::Default>::default();
                #(#compare)*
                ::std::result::Result::Ok(changes)
            }

            fn set_generated_key(&mut self, key: &[#p::Value]) -> #p::Result<()> {
                #(#set_key)*
                ::std::result::Result::Ok(())
            }

            fn primary_key(&self) -> #p::Result<::std::vec::Vec<#p::Value>> {
                ::std::result::Result::Ok(::std::vec![#(#key_values),*])
            }
        }
    }
}

/// `Value::from(self.field.clone())`, through `SqlField` so that an unsupported type
/// reports only the derive's own error.
fn field_value(def: &ModelDef, name: &syn::Ident, ty: &syn::Type) -> TokenStream {
    let p = private_at(def, ty.span());
    quote_spanned!(ty.span()=> (#p::field::<#ty>().value)(&self.#name))
}

/// `User::query()` on the scoped session of the model's base.
pub fn query_property_impl(def: &ModelDef) -> TokenStream {
    let p = private(def);
    let ident = &def.ident;
    quote! {
        impl #p::QueryProperty for #ident {
            fn scoped_session() -> &'static #p::ScopedSession {
                #p::base_session::<Self>()
            }
        }
    }
}
