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
