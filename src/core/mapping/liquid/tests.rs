//! Unit tests of the Liquid engine; the conformance vectors
//! (`tests/mapping_conformance.rs`, `tests/liquid_conformance.rs`) pin the
//! rest against liquidjs itself.

use serde_json::json;

use super::{LiquidTemplate, Mem};
use crate::json_doc::JsonRef;

fn render(template: &str, payload: serde_json::Value) -> Result<String, String> {
    let t = LiquidTemplate::compile(template).map_err(|e| e.0)?;
    t.render(JsonRef::from(&payload), &mut Mem::new(usize::MAX))
        .map_err(|e| e.0)
}

#[test]
fn whitespace_control_trims_all_whitespace_next_to_the_marker() {
    assert_eq!(
        render("a \n {{- x -}} \n b", json!({"x": 1})).unwrap(),
        "a1b"
    );
    assert_eq!(
        render("a {%- if true -%} b {%- endif %}", json!({})).unwrap(),
        "ab"
    );
}

#[test]
fn the_memory_limit_fails_the_render() {
    // Each assign doubles the text: 2^27 units pass 1e8.
    let mut t = String::from("{% assign s = \"xx\" %}");
    for _ in 0..27 {
        t.push_str("{% assign s = s | append: s %}");
    }
    let err = render(&t, json!({})).unwrap_err();
    assert!(
        err.starts_with("memory alloc limit exceeded, line:1, col:"),
        "{err}"
    );
    assert_eq!(
        render("{% assign r = (1..100000000) %}", json!({})).unwrap(),
        ""
    );
    assert!(render("{% assign r = (0..100000000) %}", json!({})).is_err());
}

#[test]
fn refused_and_unknown_names() {
    assert_eq!(
        render("x{% if a %}{{ a | sha256 }}{% endif %}", json!({})).unwrap_err(),
        "filter \"sha256\" is not supported yet, line:1, col:12"
    );
    assert_eq!(
        render("{% nope %}", json!({})).unwrap_err(),
        "tag \"nope\" not found, line:1, col:1"
    );
    assert_eq!(render("{{ a | nope: 1 }}", json!({"a": 2})).unwrap(), "2");
}

#[test]
fn values_print_and_compare_as_in_liquidjs() {
    let p = json!({"n": 0, "s": "", "z": null, "o": {"k": [1, null, [2, 3]]}});
    assert_eq!(
        render(
            "{% if n %}t{% endif %}{% if s %}t{% endif %}{% if z %}t{% endif %}",
            p.clone()
        )
        .unwrap(),
        "tt"
    );
    assert_eq!(
        render(
            "{{ o.k }}|{{ o.k | join: \"-\" }}|{{ o.k.size }}|{{ o.k[-1] | last }}",
            p.clone()
        )
        .unwrap(),
        "123|1--2,3|3|3"
    );
    assert_eq!(
        render(
            "{% if z == nil and q == nil and s == empty %}y{% endif %}",
            p.clone()
        )
        .unwrap(),
        "y"
    );
    assert_eq!(
        render(
            "{{ 10 | divided_by: 4 }} {{ 10 | divided_by: 4, true }} {{ -7 | modulo: 3 }}",
            p.clone()
        )
        .unwrap(),
        "2.5 2 2"
    );
    assert_eq!(
        render(
            "{{ 1.005 | round: 2 }} {{ -2.5 | round }} {{ 1e21 | plus: 0 }}",
            p
        )
        .unwrap(),
        "1.01 -3 0"
    );
}

#[test]
fn an_unclosed_marker_before_multibyte_text_is_an_error_not_a_panic() {
    // Found by the property tests: the close marker was looked for at byte
    // offsets inside a four-byte character.
    for template in ["{{𒒀", "ಷ{{\\^𒓪'ዄΌ1¥a", "{%𒒀 x", "{{ 'é' }}{{ é"] {
        let error = LiquidTemplate::compile(template).map(|_| ()).unwrap_err();
        assert!(error.0.contains("not closed"), "{template}: {}", error.0);
    }
    assert_eq!(render("{{ 'é𒒀' }}", json!({})).unwrap(), "é𒒀");
}
