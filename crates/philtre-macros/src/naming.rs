//! The default table name: the struct's name in snake_case, made plural.

/// `User` → `users`, `BlogPost` → `blog_posts`, `HTTPRequest` → `http_requests`.
pub fn table_name(struct_name: &str) -> String {
    let snake = snake_case(struct_name);
    match snake.rsplit_once('_') {
        Some((head, last)) => format!("{head}_{}", plural(last)),
        None => plural(&snake),
    }
}

/// `BlogPost` → `blog_post`; a run of capitals is one word (`HTTPRequest` → `http_request`).
fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev != '_' && (prev.is_lowercase() || prev.is_ascii_digit() || next_lower) {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// English plurals by rule only: `es` after s/x/z/ch/sh, consonant + `y` → `ies`, else `s`.
fn plural(word: &str) -> String {
    if ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|end| word.ends_with(end))
    {
        return format!("{word}es");
    }
    if let Some(stem) = word.strip_suffix('y') {
        if stem.chars().last().is_some_and(|c| !"aeiou".contains(c)) {
            return format!("{stem}ies");
        }
    }
    format!("{word}s")
}

#[cfg(test)]
mod tests {
    use super::table_name;

    #[test]
    fn plural_snake_case() {
        for (name, table) in [
            ("User", "users"),
            ("BlogPost", "blog_posts"),
            ("Address", "addresses"),
            ("Box", "boxes"),
            ("Match", "matches"),
            ("Wish", "wishes"),
            ("Category", "categories"),
            ("Day", "days"),
            ("Person", "persons"),
            ("HTTPRequest", "http_requests"),
            ("OAuth2Token", "o_auth2_tokens"),
            ("Item2", "item2s"),
            ("user_role", "user_roles"),
        ] {
            assert_eq!(table_name(name), table, "{name}");
        }
    }
}
