//! Diagnostics of `#[derive(Model)]`, held by trybuild `.stderr` files,
//! grouped by category under `tests/ui/`.

#[test]
fn model_attribute_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/model/*.rs");
}

#[test]
fn relationship_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/relationships/*.rs");
}

#[test]
fn many_to_many_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/many_to_many/*.rs");
}

/// No held diagnostic shows what only generated code knows: the hidden
/// runtime module, or rustc's path of a nested anonymous const.
#[test]
fn diagnostics_name_no_internals() {
    let mut leaks = Vec::new();
    for dir in [
        "tests/ui/model",
        "tests/ui/relationships",
        "tests/ui/many_to_many",
    ] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "stderr") {
                let text = std::fs::read_to_string(&path).unwrap();
                for internal in ["__private", "_::_"] {
                    if text.contains(internal) {
                        leaks.push(format!("{}: {internal}", path.display()));
                    }
                }
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "internal names in diagnostics:\n{}",
        leaks.join("\n")
    );
}
