use serde_json::json;

use super::*;

const ADD: Taken = Taken::As(Membership::Add);

fn reason(payload: Value, taken: Taken, list_given: bool) -> String {
    member_of(&payload, taken, list_given)
        .unwrap_err()
        .to_string()
}

#[test]
fn an_added_member_carries_its_upsert_payload() {
    let payload = json!({
        "identifiers": {"email": "Ann@Example.com", "external_id": 42},
        "user_attributes": {"first_name": "Ann", "state_province_region": "IL", "postal_code": 62701, "city": null},
        "custom_text_fields": {"plan": "gold", "x": "a"},
        "custom_number_fields": {"x": 1},
        "custom_date_fields": {"d": "2024-03-05T23:30:00-05:00"},
    });
    let member = member_of(&payload, ADD, true).unwrap();
    assert_eq!(member.membership, Membership::Add);
    assert_eq!(member.list_id, None);
    assert_eq!(member.identifiers.0[0].as_deref(), Some("Ann@Example.com"));
    assert_eq!(member.identifiers.0[2].as_deref(), Some("42"));
    assert_eq!(
        Value::Object(member.upsert),
        json!({"primary_email": "Ann@Example.com", "external_id": "42", "first_name": "Ann",
               "state": "IL", "postal_code": 62701,
               "customFields": {"plan": "gold", "x": 1, "d": "03/06/2024"}})
    );
}

#[test]
fn a_leaving_member_has_no_upsert_payload() {
    let member = member_of(
        &json!({"identifiers": {"email": "a@b.co"}}),
        Taken::As(Membership::Remove),
        true,
    )
    .unwrap();
    assert_eq!(member.membership, Membership::Remove);
    assert!(member.upsert.is_empty());
}

#[test]
fn segment_audiences_say_join_only_with_a_true_flag() {
    let event = |flag: Value| {
        json!({"external_audience_id": "L1", "segment_audience_key": "vip",
               "segment_computation_action": "audience",
               "traits_or_props": {"vip": flag}, "identifiers": {"email": "a@b.co"}})
    };
    let taken = Taken::BySegmentAudience;
    let joined = member_of(&event(json!(true)), taken, false).unwrap();
    assert_eq!(
        (joined.membership, joined.list_id.as_deref()),
        (Membership::Add, Some("L1"))
    );
    for leaving in [json!(false), json!("true"), json!(1), Value::Null] {
        let member = member_of(&event(leaving), taken, false).unwrap();
        assert_eq!(member.membership, Membership::Remove);
    }
    let mut other = event(json!(true));
    other["segment_computation_action"] = json!("trait");
    assert_eq!(reason(other, taken, false), COMPUTATION_CLASS);
    let mut keyless = event(json!(true));
    keyless
        .as_object_mut()
        .unwrap()
        .remove("segment_audience_key");
    assert_eq!(
        reason(keyless, taken, false),
        "The root value is missing the required field 'segment_audience_key'."
    );
}

#[test]
fn a_record_needs_a_list_unless_the_run_names_one() {
    let payload = json!({"identifiers": {"email": "a@b.co"}});
    assert_eq!(
        reason(payload.clone(), ADD, false),
        "The root value is missing the required field 'external_audience_id'."
    );
    assert!(member_of(&payload, ADD, true).is_ok());
}

#[test]
fn segment_messages_for_bad_identifiers_and_fields() {
    let cases = [
        (
            json!({"identifiers": {"email": "bad"}}),
            "Email Address must be a valid email address string but it was not.",
        ),
        (
            json!({"identifiers": {"email": ""}}),
            "Email Address must be a valid email address string but it was not.",
        ),
        (json!({"identifiers": {}}), NO_IDENTIFIER),
        (json!({"identifiers": {"external_id": ""}}), NO_IDENTIFIER),
        (
            json!({"identifiers": {"phone_number_id": "14155550100"}}),
            "phone_number_id '14155550100' is not valid",
        ),
        (
            json!({"identifiers": {"phone_number_id": "+04155550100"}}),
            "phone_number_id '+04155550100' is not valid",
        ),
        (
            json!({"identifiers": {"phone_number_id": "+1234567890123456"}}),
            "phone_number_id '+1234567890123456' is not valid",
        ),
        (
            json!({"identifiers": {"email": "a@b.co"}, "user_attributes": {"phone_number": "(415) 555-0100"}}),
            "user_attributes.phone_number '(415) 555-0100' is not valid",
        ),
        (
            json!({"identifiers": {"email": "a@b.co"}, "custom_text_fields": {"plan": null}}),
            "custom_text_fields plan value null is not a string",
        ),
        (
            json!({"identifiers": {"email": "a@b.co"}, "custom_number_fields": {"Age": {"v": 1}}}),
            "custom_number_fields Age value [object Object] is not a number",
        ),
        (
            json!({"identifiers": {"email": "a@b.co"}, "custom_date_fields": {"d": "2024-13-01"}}),
            "custom_date_fields d value 2024-13-01 is not a valid date",
        ),
        (
            json!({"identifiers": {"email": "a@b.co"}, "custom_date_fields": {"d": 1_709_596_800_000_u64}}),
            "custom_date_fields d value 1709596800000 is not a valid date",
        ),
    ];
    for (payload, expected) in cases {
        assert_eq!(reason(payload, ADD, true), expected);
    }
    assert!(member_of(
        &json!({"identifiers": {"phone_number_id": "+123456789012345"}}),
        ADD,
        true
    )
    .is_ok());
}

#[test]
fn dates_in_the_forms_segment_reads() {
    for (text, expected) in [
        ("2024-03-05T23:30:00Z", Some("03/05/2024")),
        ("2024-12-31T00:00:00.000Z", Some("12/31/2024")),
        ("2024-03-05", Some("03/05/2024")),
        ("March 5, 2024", Some("03/05/2024")),
        ("03/05/2024", Some("03/05/2024")),
        ("2024", Some("01/01/2024")),
        ("not a date", None),
        ("2024-13-01", None),
    ] {
        assert_eq!(date_text(text).as_deref(), expected, "{text}");
    }
}
