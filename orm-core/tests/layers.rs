//! The architecture, held: every module of orm-core imports only from its
//! own layer or the layers below (docs/architecture.md), the modules import
//! each other without a cycle, and SQL text is written only in the sql
//! layer.
//!
//! Modules are files: `src/query/select.rs` is `query::select`. An import
//! is any `crate::`, `super::` or `self::` path in a `use` item or in code;
//! it points at the deepest module file its path names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first, by top-level module.
const LAYERS: &[(&str, &[&str])] = &[
    ("values", &["error", "value"]),
    ("model", &["model", "column", "expr"]),
    ("sql", &["sql"]),
    ("backend", &["backend"]),
    (
        "operations",
        &["query", "loader", "persist", "relation", "schema"],
    ),
    ("facade", &["db", "model_ext", "__private", "lib"]),
];

fn layer_of(module: &str) -> usize {
    let top = module.split("::").next().unwrap_or(module);
    LAYERS
        .iter()
        .position(|(_, mods)| mods.contains(&top))
        .unwrap_or_else(|| panic!("module `{module}` is in no layer: add it to LAYERS"))
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every module of the crate, by path, with its source.
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_stem().unwrap().to_string_lossy().to_string();
            if path.is_dir() {
                walk(&path, &format!("{prefix}{name}::"), out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.insert(
                    format!("{prefix}{name}"),
                    std::fs::read_to_string(&path).unwrap(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&src(), "", &mut out);
    out
}

/// The source without comments and string literals (so that a path or a
/// keyword in prose or in a message does not count).
fn code_only(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < chars.len() {
        match (chars[i], chars.get(i + 1)) {
            ('/', Some('/')) => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            ('"', _) => {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                out.push_str("\"\"");
            }
            ('\'', Some(c)) if chars.get(i + 2) == Some(&'\'') || *c == '\\' => {
                // A char literal.
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// The module paths `source` (the module `module`) refers to.
fn references(module: &str, source: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    let code = code_only(source);
    let mut out = BTreeSet::new();
    let parent: Vec<&str> = {
        let mut parts: Vec<&str> = module.split("::").collect();
        parts.pop();
        parts
    };
    let own: Vec<&str> = module.split("::").collect();
    // Expand `use` trees into flat paths first.
    let mut paths: Vec<String> = Vec::new();
    for stmt in code.split(';') {
        let stmt = stmt.trim();
        let Some(rest) = stmt
            .strip_prefix("pub(crate) use ")
            .or_else(|| stmt.strip_prefix("pub use "))
            .or_else(|| stmt.strip_prefix("use "))
            .or_else(|| stmt.split("\nuse ").nth(1))
        else {
            continue;
        };
        expand_tree("", rest.trim(), &mut paths);
    }
    // And every inline path.
    let bytes: Vec<char> = code.chars().collect();
    let text: String = bytes.iter().collect();
    for prefix in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(pos) = text[from..].find(prefix) {
            let start = from + pos;
            let before = text[..start].chars().last();
            from = start + prefix.len();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let path: String = text[start..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            paths.push(path);
        }
    }
    for path in paths {
        let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
        let absolute: Vec<String> = match segments.first() {
            Some(&"crate") => segments[1..].iter().map(|s| s.to_string()).collect(),
            Some(&"super") => {
                let mut base: Vec<String> = parent.iter().map(|s| s.to_string()).collect();
                let mut rest = &segments[..];
                while rest.first() == Some(&"super") {
                    rest = &rest[1..];
                    if rest.first() == Some(&"super") {
                        base.pop();
                    }
                }
                base.extend(rest.iter().map(|s| s.to_string()));
                base
            }
            Some(&"self") => {
                let mut base: Vec<String> = own.iter().map(|s| s.to_string()).collect();
                base.extend(segments[1..].iter().map(|s| s.to_string()));
                base
            }
            _ => continue,
        };
        // The deepest module file the path names.
        let mut found = None;
        for n in 1..=absolute.len() {
            let candidate = absolute[..n].join("::");
            if known.contains(&candidate) {
                found = Some(candidate);
            }
        }
        if let Some(target) = found
            && target != module
        {
            out.insert(target);
        }
    }
    out
}

/// `use` tree text (`a::{b, c::{d}}`) into flat paths.
fn expand_tree(prefix: &str, tree: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head = &tree[..open];
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let mut depth = 0;
        let mut start = 0;
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand_tree(&format!("{prefix}{head}"), &inner[start..i], out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        expand_tree(&format!("{prefix}{head}"), &inner[start..], out);
    } else if !tree.is_empty() {
        let tree = tree.split(" as ").next().unwrap_or(tree);
        out.push(format!("{prefix}{tree}"));
    }
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules();
    let known: BTreeSet<String> = modules.keys().cloned().collect();
    modules
        .iter()
        .map(|(m, source)| (m.clone(), references(m, source, &known)))
        .collect()
}

#[test]
fn modules_import_only_from_their_layer_or_below() {
    let mut wrong = Vec::new();
    for (module, targets) in graph() {
        for target in targets {
            if layer_of(&target) > layer_of(&module) {
                wrong.push(format!(
                    "{module} ({}) imports {target} ({})",
                    LAYERS[layer_of(&module)].0,
                    LAYERS[layer_of(&target)].0
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports up the layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn modules_import_each_other_without_a_cycle() {
    let graph = graph();
    // Depth-first search for a back edge.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
        cycles: &mut Vec<String>,
    ) {
        state.insert(node.to_string(), 1);
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next.as_str()) {
                Some(1) => {
                    let from = stack.iter().position(|n| n == next).unwrap_or(0);
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(next.clone());
                    cycles.push(cycle.join(" -> "));
                }
                Some(_) => {}
                None => visit(next, graph, state, stack, cycles),
            }
        }
        stack.pop();
        state.insert(node.to_string(), 2);
    }
    let mut state = BTreeMap::new();
    let mut cycles = Vec::new();
    for node in graph.keys() {
        if !state.contains_key(node.as_str()) {
            visit(node, &graph, &mut state, &mut Vec::new(), &mut cycles);
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

/// SQL keywords that start or join a statement's clauses.
const KEYWORDS: &[&str] = &[
    "SELECT ",
    "INSERT ",
    "UPDATE ",
    "DELETE ",
    " FROM ",
    " WHERE ",
    " JOIN ",
    " SET ",
    " VALUES",
    "RETURNING",
    "CREATE ",
    "DROP ",
    "ALTER ",
    " ORDER BY",
    " GROUP BY",
    " LIMIT ",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    " EXISTS",
    "COUNT(",
    " IN (",
    " LIKE ",
    " ESCAPE ",
];

#[test]
fn sql_text_is_written_only_in_the_sql_layer() {
    let mut found = Vec::new();
    for (module, source) in modules() {
        if module == "sql" || module.starts_with("sql::") {
            continue;
        }
        // String literals of the code, not of comments or doc examples.
        let mut in_tests = false;
        for (n, line) in source.lines().enumerate() {
            let trimmed = line.trim_start();
            if trimmed.starts_with("#[cfg(test)]") {
                in_tests = true;
            }
            if in_tests || trimmed.starts_with("//") {
                continue;
            }
            let mut rest = line;
            while let Some(open) = rest.find('"') {
                let after = &rest[open + 1..];
                let Some(close) = after.find('"') else { break };
                let literal = &after[..close];
                if KEYWORDS.iter().any(|k| literal.contains(k))
                    && literal.chars().filter(|c| c.is_ascii_uppercase()).count() >= 4
                {
                    found.push(format!(
                        "src/{}.rs:{}: \"{literal}\"",
                        module.replace("::", "/"),
                        n + 1
                    ));
                }
                rest = &after[close + 1..];
            }
        }
    }
    assert!(
        found.is_empty(),
        "SQL text outside the sql layer:\n{}",
        found.join("\n")
    );
}
