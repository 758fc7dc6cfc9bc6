//! Parsing `#[model(...)]` on the struct and `#[column(...)]` on its fields. Every mistake
//! becomes a `syn::Error` at the offending tokens, saying what to write instead; errors
//! are collected so that one build reports them all.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, Ident, Lit, LitBool, LitInt, LitStr, Path, Token};

use crate::errors::{unknown_key, Errors};

/// `#[model(...)]`.
#[derive(Default)]
pub struct ModelAttrs {
    pub table: Option<LitStr>,
    pub base: Option<Path>,
    pub krate: Option<Path>,
    pub uniques: Vec<Vec<Ident>>,
    pub indexes: Vec<Vec<Ident>>,
}

/// `#[column(...)]`.
#[derive(Default)]
pub struct ColumnAttrs {
    pub name: Option<LitStr>,
    pub primary_key: bool,
    pub autoincrement: Option<(bool, Span)>,
    pub length: Option<(u32, Span)>,
    pub precision: Option<(u8, Span)>,
    pub scale: Option<(u8, Span)>,
    pub sql_type: Option<Expr>,
    pub unique: bool,
    pub index: bool,
    pub nullable: Option<(bool, Span)>,
    pub default: Option<Expr>,
    pub server_default: Option<Expr>,
    pub server_default_sql: Option<LitStr>,
    pub foreign_key: Option<ForeignKey>,
    pub on_delete: Option<(&'static str, Span)>,
    pub on_update: Option<(&'static str, Span)>,
}

/// What `foreign_key = ...` names.
pub enum ForeignKey {
    /// `"table.column"`.
    Column { table: String, column: String },
    /// A model: its one-column primary key.
    Model(Path),
}

const MODEL_KEYS: &[&str] = &["table", "base", "unique", "index", "crate"];
const COLUMN_KEYS: &[&str] = &[
    "primary_key",
    "autoincrement",
    "length",
    "precision",
    "scale",
    "sql_type",
    "unique",
    "index",
    "nullable",
    "default",
    "server_default",
    "server_default_sql",
    "foreign_key",
    "on_delete",
    "on_update",
    "name",
];

/// Sets `slot` once; a second time is an error at the key.
fn once<T>(meta: &ParseNestedMeta<'_>, slot: &mut Option<T>, value: T) -> syn::Result<()> {
    if slot.is_some() {
        return Err(meta.error(format!(
            "`{}` is given twice; keep one",
            path_name(&meta.path)
        )));
    }
    *slot = Some(value);
    Ok(())
}

fn path_name(path: &Path) -> String {
    path.get_ident()
        .map_or_else(|| "?".to_owned(), ToString::to_string)
}

/// `key` alone is `true`; `key = true|false` says which.
fn flag(meta: &ParseNestedMeta<'_>) -> syn::Result<bool> {
    if meta.input.peek(Token![=]) {
        Ok(meta.value()?.parse::<LitBool>()?.value)
    } else {
        Ok(true)
    }
}

fn string(meta: &ParseNestedMeta<'_>, example: &str) -> syn::Result<LitStr> {
    let key = path_name(&meta.path);
    let value = meta
        .value()
        .map_err(|_| meta.error(format!("write `{key} = {example}`")))?;
    let lit: LitStr = value.parse().map_err(|e| {
        syn::Error::new(e.span(), format!("expected a string: `{key} = {example}`"))
    })?;
    if lit.value().is_empty() {
        return Err(syn::Error::new(
            lit.span(),
            format!("`{key}` cannot be empty"),
        ));
    }
    Ok(lit)
}

fn number<N: std::str::FromStr>(meta: &ParseNestedMeta<'_>, example: &str) -> syn::Result<(N, Span)>
where
    N::Err: std::fmt::Display,
{
    let key = path_name(&meta.path);
    let value = meta
        .value()
        .map_err(|_| meta.error(format!("write `{key} = {example}`")))?;
    let lit: LitInt = value.parse().map_err(|e| {
        syn::Error::new(e.span(), format!("expected a number: `{key} = {example}`"))
    })?;
    let n = lit.base10_parse::<N>().map_err(|e| {
        syn::Error::new(
            lit.span(),
            format!("`{key}` out of range ({e}): `{key} = {example}`"),
        )
    })?;
    Ok((n, lit.span()))
}

fn expr(meta: &ParseNestedMeta<'_>, example: &str) -> syn::Result<Expr> {
    let key = path_name(&meta.path);
    meta.value()
        .map_err(|_| meta.error(format!("write `{key} = {example}`")))?
        .parse()
}

/// `(a, b, ...)`: field names, at least two.
fn field_list(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<Ident>> {
    let key = path_name(&meta.path);
    let usage = format!(
        "write `{key}(first, second)` for several fields; for one, put #[column({key})] on the field"
    );
    if !meta.input.peek(syn::token::Paren) {
        return Err(meta.error(usage));
    }
    let mut fields = Vec::new();
    meta.parse_nested_meta(|inner| match inner.path.get_ident() {
        Some(id) if inner.input.is_empty() || inner.input.peek(Token![,]) => {
            fields.push(id.clone());
            Ok(())
        }
        _ => Err(inner.error(format!("write field names: `{key}(first, second)`"))),
    })?;
    if fields.len() < 2 {
        return Err(meta.error(usage));
    }
    Ok(fields)
}

fn action(meta: &ParseNestedMeta<'_>) -> syn::Result<(&'static str, Span)> {
    let lit = string(meta, "\"cascade\"")?;
    let normalized = lit.value().to_ascii_lowercase().replace('_', " ");
    let action = match normalized.trim() {
        "cascade" => "Cascade",
        "set null" => "SetNull",
        "set default" => "SetDefault",
        "restrict" => "Restrict",
        "no action" => "NoAction",
        _ => {
            return Err(syn::Error::new(
                lit.span(),
                "unknown referential action: write \"cascade\", \"set null\", \"set default\", \"restrict\" or \"no action\"",
            ))
        }
    };
    Ok((action, lit.span()))
}

fn foreign_key(meta: &ParseNestedMeta<'_>) -> syn::Result<ForeignKey> {
    match expr(meta, "\"users.id\"")? {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => match s.value().rsplit_once('.') {
            Some((table, column)) if !table.is_empty() && !column.is_empty() => {
                Ok(ForeignKey::Column {
                    table: table.to_owned(),
                    column: column.to_owned(),
                })
            }
            _ => Err(syn::Error::new(
                s.span(),
                "write the referenced column as \"table.column\" (\"users.id\"), or name a model: foreign_key = User",
            )),
        },
        Expr::Path(p) if p.qself.is_none() => Ok(ForeignKey::Model(p.path)),
        other => Err(syn::Error::new_spanned(
            other,
            "write foreign_key = \"table.column\" or foreign_key = Model",
        )),
    }
}

impl ModelAttrs {
    pub fn parse(attrs: &[Attribute], errors: &mut Errors) -> ModelAttrs {
        let mut out = ModelAttrs::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("model")) {
            let result = attr.parse_nested_meta(|meta| {
                let key = path_name(&meta.path);
                match key.as_str() {
                    "table" => once(&meta, &mut out.table, string(&meta, "\"users\"")?),
                    "base" => once(&meta, &mut out.base, meta.value()?.parse()?),
                    "crate" => once(&meta, &mut out.krate, meta.value()?.parse()?),
                    "unique" => {
                        out.uniques.push(field_list(&meta)?);
                        Ok(())
                    }
                    "index" => {
                        out.indexes.push(field_list(&meta)?);
                        Ok(())
                    }
                    _ => Err(unknown_key(&meta, "model", MODEL_KEYS)),
                }
            });
            errors.push_result(result);
        }
        out
    }
}

impl ColumnAttrs {
    pub fn parse(attrs: &[Attribute], errors: &mut Errors) -> ColumnAttrs {
        let mut out = ColumnAttrs::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("column")) {
            let result = attr.parse_nested_meta(|meta| out.parse_key(&meta));
            errors.push_result(result);
        }
        out
    }

    fn parse_key(&mut self, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
        let span = meta.path.span();
        match path_name(&meta.path).as_str() {
            "primary_key" => self.primary_key = flag(meta)?,
            "autoincrement" => once(meta, &mut self.autoincrement, (flag(meta)?, span))?,
            "length" => once(meta, &mut self.length, number(meta, "50")?)?,
            "precision" => once(meta, &mut self.precision, number(meta, "10")?)?,
            "scale" => once(meta, &mut self.scale, number(meta, "2")?)?,
            "sql_type" => once(meta, &mut self.sql_type, expr(meta, "Text")?)?,
            "unique" => self.unique = flag(meta)?,
            "index" => self.index = flag(meta)?,
            "nullable" => once(meta, &mut self.nullable, (flag(meta)?, span))?,
            "default" => once(meta, &mut self.default, expr(meta, "0")?)?,
            "server_default" => once(meta, &mut self.server_default, expr(meta, "0")?)?,
            "server_default_sql" => once(
                meta,
                &mut self.server_default_sql,
                string(meta, "\"CURRENT_TIMESTAMP\"")?,
            )?,
            "foreign_key" => once(meta, &mut self.foreign_key, foreign_key(meta)?)?,
            "on_delete" => once(meta, &mut self.on_delete, action(meta)?)?,
            "on_update" => once(meta, &mut self.on_update, action(meta)?)?,
            "name" => once(meta, &mut self.name, string(meta, "\"email_address\"")?)?,
            _ => return Err(unknown_key(meta, "column", COLUMN_KEYS)),
        }
        Ok(())
    }
}

/// Errors for attributes in the wrong place: `#[column]` on the struct, `#[model]` on a field.
pub fn misplaced(attrs: &[Attribute], wrong: &str, right: &str, errors: &mut Errors) {
    for attr in attrs.iter().filter(|a| a.path().is_ident(wrong)) {
        errors.push(syn::Error::new_spanned(
            attr,
            format!("#[{wrong}(...)] does not go here: write #[{right}(...)]"),
        ));
    }
}
