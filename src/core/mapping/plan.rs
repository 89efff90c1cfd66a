//! A mapping reduced to field lookups, for callers that hold records in
//! another form (Python dicts) and can read a few fields faster than they
//! can convert a record to JSON. Only mappings made of raw values, record
//! `@path`s and `@if … exists` have a plan; anything else runs through
//! [`super::Mapping::apply`].

use serde_json::Value;

use super::node::{Condition, Node};
use super::path::{PathSegment, MAX_NESTED_PATH};

/// One node of a field plan. Semantics are exactly the engine's:
/// - `Path`: Segment's `get` from the record root (a falsy value met on the
///   way is the result; a missing key is `undefined`);
/// - `IfExists`: `test` is neither `undefined` nor `null` → `then` (or the
///   test's own value when `then_is_test`), else `otherwise`, else `undefined`;
/// - `Object`: members in output order, `undefined` members left out.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldPlan {
    Const(Value),
    Object(Vec<(String, FieldPlan)>),
    Path(Vec<PathSegment>),
    IfExists {
        test: Box<FieldPlan>,
        then_is_test: bool,
        then: Option<Box<FieldPlan>>,
        otherwise: Option<Box<FieldPlan>>,
    },
}

impl FieldPlan {
    /// The plan of a compiled root, when every node has one.
    pub(crate) fn of_root(root: &Node) -> Option<Self> {
        match root {
            Node::Object(_) => Self::of(root),
            _ => None, // non-object mappings are spread first: not a plain lookup
        }
    }

    fn of(node: &Node) -> Option<Self> {
        Some(match node {
            Node::Const(value) => Self::Const(value.clone()),
            Node::Object(members) => Self::Object(
                members
                    .iter()
                    .map(|(key, member)| Some((key.clone(), Self::of(member)?)))
                    .collect::<Option<_>>()?,
            ),
            // Callers may walk a plan's paths recursively: long ones stay with the engine.
            Node::RecordPath(path) if path.segments().len() <= MAX_NESTED_PATH => {
                Self::Path(path.segments().to_vec())
            }
            Node::If(node) if node.condition == Condition::Exists => Self::IfExists {
                test: Box::new(Self::of(&node.test)?),
                then_is_test: node.then_is_test,
                then: match &node.then {
                    Some(then) => Some(Box::new(Self::of(then)?)),
                    None => None,
                },
                otherwise: match &node.otherwise {
                    Some(otherwise) => Some(Box::new(Self::of(otherwise)?)),
                    None => None,
                },
            },
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::mapping::{default_mapping, Mapping};

    #[test]
    fn default_upsert_mapping_has_a_plan() {
        let mapping = Mapping::compile(&default_mapping("upsert_contact").unwrap()).unwrap();
        let Some(FieldPlan::Object(members)) = mapping.field_plan() else {
            panic!("no plan");
        };
        assert_eq!(
            members[0],
            ("enable_batching".to_owned(), FieldPlan::Const(json!(true)))
        );
        let (name, plan) = &members[1];
        assert_eq!(name, "first_name");
        let FieldPlan::IfExists {
            test,
            then_is_test,
            otherwise,
            ..
        } = plan
        else {
            panic!("not an @if: {plan:?}");
        };
        assert!(*then_is_test);
        let FieldPlan::Path(path) = test.as_ref() else {
            panic!()
        };
        let keys: Vec<&str> = path.iter().map(PathSegment::key).collect();
        assert_eq!(keys, ["traits", "first_name"]);
        assert!(otherwise.is_some());
    }

    #[test]
    fn other_directives_have_no_plan() {
        for mapping in [
            json!({"a": {"@template": "{{x}}"}}),
            json!({"a": {"@if": {"blank": {"@path": "$.x"}, "then": 1}}}),
            json!({"a": [{"@path": "$.x"}]}),
            json!("spread"),
            json!({"a": {"@path": format!("${}", ".k".repeat(MAX_NESTED_PATH + 1))}}),
        ] {
            assert!(
                Mapping::compile(&mapping).unwrap().field_plan().is_none(),
                "{mapping}"
            );
        }
    }
}
