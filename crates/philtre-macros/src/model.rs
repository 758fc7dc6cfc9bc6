//! The struct as the derive understands it: checked, with column names resolved.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{parse_quote, Data, DeriveInput, Fields, Ident, Path, Type, Visibility};

use crate::attrs::{misplaced, ColumnAttrs, ModelAttrs};
use crate::errors::Errors;
use crate::naming::table_name;

pub struct Field {
    pub ident: Ident,
    pub ty: Type,
    pub vis: Visibility,
    pub column: String,
    pub attrs: ColumnAttrs,
}

pub struct ModelDef {
    pub ident: Ident,
    pub table: String,
    pub base: Path,
    pub krate: Path,
    pub fields: Vec<Field>,
    /// Composite unique constraints and indexes, as column names.
    pub uniques: Vec<Vec<String>>,
    pub indexes: Vec<Vec<String>>,
}

impl ModelDef {
    pub fn primary_key(&self) -> impl Iterator<Item = &Field> {
        self.fields.iter().filter(|f| f.attrs.primary_key)
    }
}

/// Checks the struct's shape and attributes; every problem found is reported at once.
pub fn analyze(input: &DeriveInput) -> syn::Result<ModelDef> {
    let ident = &input.ident;
    let named = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => named,
            _ => return Err(syn::Error::new(
                ident.span(),
                "Model needs a struct with named fields: `struct User { id: Option<i64>, ... }`",
            )),
        },
        _ => {
            return Err(syn::Error::new(
                ident.span(),
                "Model can only be derived for a struct with named fields, one per column",
            ))
        }
    };
    if !input.generics.params.is_empty() || input.generics.where_clause.is_some() {
        return Err(syn::Error::new(
            input.generics.span(),
            "Model cannot be derived for a generic struct: its table is one static definition",
        ));
    }

    let mut errors = Errors::default();
    let attrs = ModelAttrs::parse(&input.attrs, &mut errors);
    misplaced(&input.attrs, "column", "model", &mut errors);

    let mut fields: Vec<Field> = Vec::new();
    for f in &named.named {
        let Some(field_ident) = f.ident.clone() else {
            continue;
        };
        misplaced(&f.attrs, "model", "column", &mut errors);
        let col = ColumnAttrs::parse(&f.attrs, &mut errors);
        check_column(&col, &field_ident, &mut errors);
        let column = col
            .name
            .as_ref()
            .map_or_else(|| field_ident.unraw().to_string(), |n| n.value());
        if let Some(other) = fields.iter().find(|o| o.column == column) {
            errors.push(syn::Error::new(
                field_ident.span(),
                format!(
                    "column \"{column}\" is also the column of field `{}`: give one another name with #[column(name = \"...\")]",
                    other.ident
                ),
            ));
        }
        fields.push(Field {
            ident: field_ident,
            ty: f.ty.clone(),
            vis: f.vis.clone(),
            column,
            attrs: col,
        });
    }

    if !fields.iter().any(|f| f.attrs.primary_key) {
        errors.push(syn::Error::new(
            ident.span(),
            format!(
                "`{ident}` has no primary key: mark its key field with #[column(primary_key)], e.g. `#[column(primary_key)] id: Option<i64>`"
            ),
        ));
    }

    let uniques = resolve_lists(&attrs.uniques, &fields, &mut errors);
    let indexes = resolve_lists(&attrs.indexes, &fields, &mut errors);
    errors.finish()?;

    Ok(ModelDef {
        table: attrs
            .table
            .map_or_else(|| table_name(&ident.unraw().to_string()), |t| t.value()),
        base: attrs.base.unwrap_or_else(|| {
            // The `Base` in scope where the struct is defined, as `class User(Base)`.
            let base = Ident::new("Base", Span::call_site());
            parse_quote!(#base)
        }),
        krate: attrs.krate.unwrap_or_else(|| parse_quote!(::philtre_orm)),
        ident: ident.clone(),
        fields,
        uniques,
        indexes,
    })
}

/// Combinations the compiler cannot catch through types.
fn check_column(col: &ColumnAttrs, field: &Ident, errors: &mut Errors) {
    let mut err = |span: Span, msg: &str| errors.push(syn::Error::new(span, msg));
    if let Some((true, span)) = col.autoincrement {
        if !col.primary_key {
            err(
                span,
                "`autoincrement` applies to a primary key: add `primary_key`, or remove it",
            );
        }
    }
    if let (true, Some((true, span))) = (col.primary_key, col.nullable) {
        err(span, "a primary key cannot be nullable: remove `nullable` (an `Option` key field is how a key the database generates starts out)");
    }
    if col.sql_type.is_some() {
        let sizes = [
            ("length", col.length.map(|l| l.1)),
            ("precision", col.precision.map(|p| p.1)),
            ("scale", col.scale.map(|s| s.1)),
        ];
        for (name, span) in sizes {
            if let Some(span) = span {
                err(span, &format!("`{name}` and `sql_type` both set the type: keep one (e.g. `sql_type = String(50)`)"));
            }
        }
    }
    match (col.precision, col.scale) {
        (Some((_, span)), None) | (None, Some((_, span))) => err(
            span,
            "write `precision` and `scale` together: `precision = 10, scale = 2`",
        ),
        (Some((p, span)), Some((s, _))) if s > p => err(
            span,
            "`scale` cannot exceed `precision`: `precision = 10, scale = 2` holds 8 digits before the point and 2 after",
        ),
        _ => {}
    }
    if col.foreign_key.is_none() {
        for (action, name) in [(col.on_delete, "on_delete"), (col.on_update, "on_update")] {
            if let Some((_, span)) = action {
                err(
                    span,
                    &format!("`{name}` needs a foreign key: add `foreign_key = \"table.column\"`"),
                );
            }
        }
    }
    if col.server_default.is_some() && col.server_default_sql.is_some() {
        err(
            field.span(),
            "give one of `server_default` and `server_default_sql`, not both",
        );
    }
}

/// Field names of `unique(a, b)` / `index(a, b)`, as column names.
fn resolve_lists(lists: &[Vec<Ident>], fields: &[Field], errors: &mut Errors) -> Vec<Vec<String>> {
    lists
        .iter()
        .map(|list| {
            list.iter()
                .filter_map(|name| {
                    let found = fields.iter().find(|f| f.ident.unraw() == name.unraw());
                    if found.is_none() {
                        errors.push(syn::Error::new(
                            name.span(),
                            format!("no field `{name}` in this struct: list field names"),
                        ));
                    }
                    found.map(|f| f.column.clone())
                })
                .collect()
        })
        .collect()
}
