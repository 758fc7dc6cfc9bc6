//! Misuse of `#[derive(Model)]` is a compile error at the field, saying what to write
//! instead. The expected messages are the `.stderr` files beside each case; after a
//! deliberate change, regenerate them with `TRYBUILD=overwrite cargo test -p philtre-macros`.

#[test]
fn misuse_is_a_compile_error() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
