//! Rust names for database names: `invoice_line` and `InvoiceLine` both
//! give the struct `InvoiceLine`, `AlbumId` the field `album_id`.

use std::collections::HashSet;

/// The words of a name: split at anything not a letter or digit, at a
/// lower-to-upper change (`albumId`), at a digit-to-upper change
/// (`Line2Id`) and before the last capital of a run followed by a lower
/// case letter (`HTTPServer`: `HTTP`, `Server`).
pub(crate) fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut out = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            continue;
        }
        if c.is_uppercase() && !current.is_empty() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_numeric() || (prev.is_uppercase() && next_lower) {
                out.push(std::mem::take(&mut current));
            }
        }
        current.push(c);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// `snake_case`; empty when the name has no letter or digit.
pub(crate) fn snake(name: &str) -> String {
    words(name)
        .iter()
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join("_")
}

/// `PascalCase`; empty when the name has no letter or digit.
pub(crate) fn pascal(name: &str) -> String {
    words(name).iter().map(|w| capitalize(w)).collect()
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

/// Words whose singular and plural are one.
const INVARIANT: &[&str] = &[
    "data",
    "equipment",
    "info",
    "information",
    "media",
    "metadata",
    "news",
    "series",
    "species",
    "staff",
];

/// Plurals not made with an `s`, singular first.
const IRREGULAR: &[(&str, &str)] = &[
    ("person", "people"),
    ("child", "children"),
    ("man", "men"),
    ("woman", "women"),
    ("mouse", "mice"),
    ("goose", "geese"),
    ("foot", "feet"),
    ("tooth", "teeth"),
];

/// The singular of an English plural, for the last word of a table name
/// (`categories` → `category`, `boxes` → `box`, `users` → `user`); words
/// that do not look plural are kept.
fn singular_word(word: &str) -> String {
    let lower = word.to_lowercase();
    if INVARIANT.contains(&lower.as_str()) || !word.is_ascii() {
        return word.to_string();
    }
    if let Some((one, _)) = IRREGULAR.iter().find(|(_, many)| *many == lower) {
        return one.to_string();
    }
    let cut = |n: usize| word[..word.len() - n].to_string();
    if lower.len() > 4 && lower.ends_with("ies") {
        return format!("{}y", cut(3));
    }
    for ending in ["sses", "shes", "ches", "xes", "zzes"] {
        if lower.ends_with(ending) {
            return cut(2);
        }
    }
    if lower.len() > 3
        && lower.ends_with('s')
        && !["ss", "us", "is", "os", "as"]
            .iter()
            .any(|e| lower.ends_with(e))
    {
        return cut(1);
    }
    word.to_string()
}

/// The plural of a `snake_case` name's last word (`invoice_line` →
/// `invoice_lines`, `category` → `categories`, `box` → `boxes`).
pub(crate) fn plural(snake_name: &str) -> String {
    let (head, last) = match snake_name.rsplit_once('_') {
        Some((h, l)) => (format!("{h}_"), l),
        None => (String::new(), snake_name),
    };
    if INVARIANT.contains(&last) {
        return snake_name.to_string();
    }
    if let Some((_, many)) = IRREGULAR.iter().find(|(one, _)| *one == last) {
        return format!("{head}{many}");
    }
    let consonant_y = last.len() > 1
        && last.ends_with('y')
        && !last[..last.len() - 1].ends_with(['a', 'e', 'i', 'o', 'u']);
    let word = if consonant_y {
        format!("{}ies", &last[..last.len() - 1])
    } else if ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|e| last.ends_with(e))
    {
        format!("{last}es")
    } else {
        format!("{last}s")
    };
    format!("{head}{word}")
}

/// The struct name of a table: PascalCase, its last word singular
/// (`playlist_tracks` → `PlaylistTrack`).
pub(crate) fn struct_name(table: &str) -> String {
    let mut ws = words(table);
    if let Some(last) = ws.last_mut() {
        *last = singular_word(last);
    }
    type_ident(&ws.iter().map(|w| capitalize(w)).collect::<String>())
}

/// The struct name of a table without singular: `users` → `Users`.
pub(crate) fn struct_name_plain(table: &str) -> String {
    type_ident(&pascal(table))
}

/// Names a generated struct cannot take: they would hide the types the
/// generated code uses.
const RESERVED_TYPES: &[&str] = &[
    "Self",
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "String",
    "Vec",
    "Box",
    "HasMany",
    "HasOne",
    "BelongsTo",
    "Model",
    "Db",
    "Tx",
    "Error",
    "Executor",
    "Column",
    "Expr",
    "Select",
];

/// `name` made a valid type name.
fn type_ident(name: &str) -> String {
    let name = if name.is_empty() { "Table" } else { name };
    let mut out = if name.starts_with(|c: char| c.is_numeric()) {
        format!("Table{name}")
    } else {
        name.to_string()
    };
    if RESERVED_TYPES.contains(&out.as_str()) {
        out.push_str("Row");
    }
    out
}

/// Rust's keywords (2024 edition), strict and reserved.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// A field name for a column: snake_case, a keyword followed by `_`
/// (`type` → `type_`), a leading digit preceded by `column_`.
pub(crate) fn field_name(column: &str) -> String {
    let name = snake(column);
    if name.is_empty() {
        return "column".into();
    }
    if name.starts_with(|c: char| c.is_numeric()) {
        return format!("column_{name}");
    }
    not_keyword(name)
}

/// `name`, followed by `_` when it is a Rust keyword (`type` → `type_`).
pub(crate) fn not_keyword(name: String) -> String {
    if KEYWORDS.contains(&name.as_str()) || name == "_" {
        format!("{name}_")
    } else {
        name
    }
}

/// Names already taken in one scope (a struct's fields, the file's
/// structs).
#[derive(Default)]
pub(crate) struct Taken(HashSet<String>);

impl Taken {
    /// Marks `name` taken; false when it already was.
    pub(crate) fn insert(&mut self, name: &str) -> bool {
        self.0.insert(name.to_string())
    }

    /// The first free name of `candidates`, else the first one with the
    /// smallest free number after it; marked taken.
    pub(crate) fn claim(&mut self, candidates: &[String]) -> String {
        for c in candidates {
            if self.insert(c) {
                return c.clone();
            }
        }
        let base = &candidates[0];
        let sep = if base.ends_with(|c: char| c.is_numeric()) {
            "_"
        } else {
            ""
        };
        let mut n = 2;
        loop {
            let name = format!("{base}{sep}{n}");
            if self.insert(&name) {
                return name;
            }
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_each_dialects_spelling() {
        assert_eq!(snake("AlbumId"), "album_id");
        assert_eq!(snake("album_id"), "album_id");
        assert_eq!(snake("AlbumID"), "album_id");
        assert_eq!(snake("HTTPServer"), "http_server");
        assert_eq!(snake("Line2Id"), "line2_id");
        assert_eq!(snake("Address2"), "address2");
        assert_eq!(snake("first name"), "first_name");
        assert_eq!(pascal("invoice_line"), "InvoiceLine");
        assert_eq!(pascal("InvoiceLine"), "InvoiceLine");
        assert_eq!(pascal("ALBUM"), "Album");
    }

    #[test]
    fn structs_are_singular() {
        assert_eq!(struct_name("users"), "User");
        assert_eq!(struct_name("categories"), "Category");
        assert_eq!(struct_name("taxes"), "Tax");
        assert_eq!(struct_name("boxes"), "BoxRow");
        assert_eq!(struct_name("post_tags"), "PostTag");
        assert_eq!(struct_name("Album"), "Album");
        assert_eq!(struct_name("status"), "Status");
        assert_eq!(struct_name("address"), "Address");
        assert_eq!(struct_name("news"), "News");
        assert_eq!(struct_name("people"), "Person");
        assert_eq!(struct_name("sales_people"), "SalesPerson");
        assert_eq!(struct_name("option"), "OptionRow");
        assert_eq!(struct_name("errors"), "ErrorRow");
        assert_eq!(struct_name("2fa"), "Table2fa");
        assert_eq!(struct_name("---"), "Table");
    }

    #[test]
    fn relationship_names_are_plural() {
        assert_eq!(plural("employee"), "employees");
        assert_eq!(plural("invoice_line"), "invoice_lines");
        assert_eq!(plural("category"), "categories");
        assert_eq!(plural("day"), "days");
        assert_eq!(plural("box"), "boxes");
        assert_eq!(plural("status"), "statuses");
        assert_eq!(plural("media"), "media");
        assert_eq!(plural("sales_person"), "sales_people");
    }

    #[test]
    fn fields_are_valid_identifiers() {
        assert_eq!(field_name("type"), "type_");
        assert_eq!(field_name("Self"), "self_");
        assert_eq!(field_name("1st"), "column_1st");
        assert_eq!(field_name("?"), "column");
    }

    #[test]
    fn claims_are_unique() {
        let mut taken = Taken::default();
        assert_eq!(taken.claim(&["album".into()]), "album");
        assert_eq!(
            taken.claim(&["album".into(), "album_rel".into()]),
            "album_rel"
        );
        assert_eq!(taken.claim(&["album".into()]), "album2");
        assert_eq!(taken.claim(&["line2".into()]), "line2");
        assert_eq!(taken.claim(&["line2".into()]), "line2_2");
    }
}
