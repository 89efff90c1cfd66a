//! The SGQL subset: precedence, quoting, keywords, matching and errors.

use serde_json::{json, Map};

use super::*;

fn contact(email: &str, first: &str, lists: &[&str]) -> Contact {
    let mut fields = Map::new();
    fields.insert("first_name".into(), json!(first));
    Contact {
        id: "id".into(),
        identifiers: [Some(email.into()), None, Some(format!("x-{first}")), None],
        fields,
        custom_fields: Map::new(),
        list_ids: lists.iter().map(|l| (*l).to_owned()).collect(),
        created_at: "t".into(),
        updated_at: "t".into(),
        touched: 0,
    }
}

fn error(query: &str) -> String {
    parse(query).expect_err(query).0
}

#[test]
fn and_binds_tighter_than_or_and_parentheses_regroup() {
    let a = || Filter::Equals(Field::Identifier(0), vec!["a".into()]);
    let b = || Filter::Equals(Field::Identifier(0), vec!["b".into()]);
    let c = || Filter::InList("c".into());
    assert_eq!(
        parse("email = 'a' OR email = 'b' AND CONTAINS(list_ids, 'c')").unwrap(),
        Filter::Or(vec![a(), Filter::And(vec![b(), c()])])
    );
    assert_eq!(
        parse("(email = 'a' OR email = 'b') AND CONTAINS(list_ids, 'c')").unwrap(),
        Filter::And(vec![Filter::Or(vec![a(), b()]), c()])
    );
    assert_eq!(parse("((email = 'a'))").unwrap(), a());
}

#[test]
fn keywords_are_case_insensitive_and_quotes_double_inside_strings() {
    assert_eq!(
        parse("last_name like 'O''Brien%' and contains(list_ids,'l') Or city in ('Oslo','Bergen')")
            .unwrap(),
        Filter::Or(vec![
            Filter::And(vec![
                Filter::Like(Field::Text("last_name"), "O'Brien%".into()),
                Filter::InList("l".into()),
            ]),
            Filter::Equals(Field::Text("city"), vec!["Oslo".into(), "Bergen".into()]),
        ])
    );
    assert_eq!(
        parse("external_id = ''''").unwrap(),
        Filter::Equals(Field::Identifier(2), vec!["'".into()])
    );
}

#[test]
fn filters_match_contacts() {
    let ann = contact("ann@example.com", "Ann", &["vip"]);
    let bob = contact("bob@test.io", "Bob", &[]);
    let cases = [
        ("email = 'ann@example.com'", true, false),
        ("email = 'ANN@example.com'", false, false),
        ("email LIKE 'ann%'", true, false),
        ("email LIKE '%@test.io'", false, true),
        ("email LIKE '%@%.%'", true, true),
        ("email LIKE 'a%n%m'", true, false),
        ("email LIKE 'ann'", false, false),
        ("first_name IN ('Bob', 'Cy')", false, true),
        ("CONTAINS(list_ids, 'vip')", true, false),
        (
            "external_id = 'x-Bob' OR CONTAINS(list_ids, 'vip')",
            true,
            true,
        ),
        (
            "external_id = 'x-Bob' AND CONTAINS(list_ids, 'vip')",
            false,
            false,
        ),
        // Unset fields match nothing, not even LIKE '%'.
        ("phone_number_id LIKE '%'", false, false),
        ("city = ''", false, false),
    ];
    for (query, for_ann, for_bob) in cases {
        let filter = parse(query).unwrap();
        assert_eq!(
            (filter.matches(&ann), filter.matches(&bob)),
            (for_ann, for_bob),
            "{query}"
        );
    }
}

#[test]
fn like_handles_overlaps_and_multibyte_text() {
    assert!(like("aXa", "a%a"));
    assert!(!like("a", "a%a"));
    assert!(like("héllo", "h%o"));
    assert!(like("héllo", "%é%"));
    assert!(like("", "%"));
}

#[test]
fn queries_outside_the_subset_name_the_part() {
    let cases = [
        ("age = '3'", "unsupported field 'age'"),
        ("lower(email) = 'a'", "unsupported function 'lower'"),
        (
            "CONTAINS(alternate_emails, 'a')",
            "CONTAINS supports only list_ids",
        ),
        ("email = 'abc", "unterminated string starting at position 8"),
        ("email != 'a'", "unsupported operator '!='"),
        ("email <> 'a'", "unsupported operator '<>'"),
        ("email BETWEEN 'a'", "unsupported operator 'BETWEEN'"),
        ("NOT email = 'a'", "unsupported keyword 'NOT'"),
        ("email = \"a\"", "strings take single quotes"),
        ("email = 3", "values must be quoted strings"),
        (
            "email = 'a' email = 'b'",
            "unexpected 'email' at position 12",
        ),
        ("email = 'a' AND", "the query ends"),
        ("(email = 'a'", "expected ')'"),
        ("email IN ()", "expected a quoted string after IN ("),
        ("list_ids = 'x'", "unsupported field 'list_ids'"),
        ("email = 'a' ; DROP", "unsupported character ';'"),
        ("   ", "the query is empty"),
    ];
    for (query, part) in cases {
        let message = error(query);
        assert!(message.contains(part), "{query}: {message}");
    }
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    let deep = format!("{}email = 'a'{}", "(".repeat(100_000), ")".repeat(100_000));
    assert!(error(&deep).contains("deeper than 32"));
    let ok = format!("{}email = 'a'{}", "(".repeat(32), ")".repeat(32));
    assert!(parse(&ok).is_ok());
}
