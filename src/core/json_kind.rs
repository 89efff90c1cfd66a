//! How error messages name a JSON value's type ("an object", "a string"),
//! in the wording of Segment's ajv-human-errors, shared by every module that
//! reports a value of the wrong type.

use crate::json_doc::{JsonRef, JsonView};

/// The type of `value` with its article, e.g. `"an array"`; `"null"` for null.
pub fn a_json_type<'a>(value: impl Into<JsonRef<'a>>) -> &'static str {
    match value.into().view() {
        JsonView::Null => "null",
        JsonView::Bool(_) => "a boolean",
        JsonView::Number(_) => "a number",
        JsonView::String(_) => "a string",
        JsonView::Array(_) => "an array",
        JsonView::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::a_json_type;

    #[test]
    fn names_each_type_with_its_article() {
        let names: Vec<&str> = [
            json!(null),
            json!(true),
            json!(1),
            json!("s"),
            json!([]),
            json!({}),
        ]
        .iter()
        .map(a_json_type)
        .collect();
        assert_eq!(
            names,
            [
                "null",
                "a boolean",
                "a number",
                "a string",
                "an array",
                "an object"
            ]
        );
    }
}
