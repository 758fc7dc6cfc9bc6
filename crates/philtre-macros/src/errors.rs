//! Collecting errors, and the message for an attribute key the derive does not know.

use syn::meta::ParseNestedMeta;

/// Errors gathered over the whole struct, reported together.
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub fn push_result(&mut self, result: syn::Result<()>) {
        if let Err(e) = result {
            self.push(e);
        }
    }

    /// `Err` with every error if there was any.
    pub fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

/// Spellings from other ORMs and SQLAlchemy, and what to write here instead.
const HINTS: &[(&str, &str)] = &[
    ("pk", "primary_key"),
    ("primary", "primary_key"),
    ("id", "primary_key"),
    ("auto_increment", "autoincrement"),
    ("max_length", "length = 50"),
    ("size", "length = 50"),
    ("len", "length = 50"),
    ("rename", "name = \"column_name\""),
    ("column_name", "name = \"column_name\""),
    ("column", "name = \"column_name\""),
    ("type", "sql_type = Text"),
    ("ty", "sql_type = Text"),
    ("references", "foreign_key = \"users.id\""),
    ("fk", "foreign_key = \"users.id\""),
    ("ondelete", "on_delete = \"cascade\""),
    ("onupdate", "on_update = \"cascade\""),
    (
        "optional",
        "an `Option<T>` field (nullable without an attribute)",
    ),
    ("null", "nullable"),
    ("not_null", "nullable = false"),
    ("indexed", "index"),
    ("tablename", "table = \"users\""),
    ("table_name", "table = \"users\""),
    ("name", "table = \"users\""),
];

/// `unknown column attribute `x``, with the closest key or a known alias, and the list.
pub fn unknown_key(meta: &ParseNestedMeta<'_>, attr: &str, known: &[&str]) -> syn::Error {
    let key = meta
        .path
        .get_ident()
        .map_or_else(|| "?".to_owned(), ToString::to_string);
    let suggestion = HINTS
        .iter()
        .find(|(alias, to)| *alias == key && known.iter().any(|k| to.starts_with(k)))
        .map(|(_, to)| (*to).to_owned())
        .or_else(|| closest(&key, known).map(str::to_owned));
    let mut msg = format!("unknown {attr} attribute `{key}`");
    if let Some(s) = suggestion {
        msg.push_str(&format!("; write `{s}`"));
    }
    msg.push_str(&format!(
        "\nthe {attr} attributes are: {}",
        known.join(", ")
    ));
    meta.error(msg)
}

/// The known key within two edits of `key`, if any.
fn closest<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (edit_distance(key, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(row[j]).min(cur)
            };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_key() {
        assert_eq!(
            closest("primay_key", &["primary_key", "unique"]),
            Some("primary_key")
        );
        assert_eq!(closest("uniq", &["primary_key", "unique"]), Some("unique"));
        assert_eq!(closest("zzz", &["primary_key", "unique"]), None);
    }
}
