//! Segment parity of Upsert Contact: every `updateUserProfile` case of
//! `tests/data/conformance/sendgrid-action-vectors.json`, replayed through the
//! mapping engine and `ContactsApi` against a loopback server that serves
//! the case's field definitions and replies (see `replay/upsert.rs`).
//!
//! Bodies are compared as JSON. Deviations applied (README D1–D17), and no
//! others: D4 (a `null` custom field value is left out, not sent as
//! `"null"`), D5 (batches drop top-level `""` values like single events),
//! D11 (a batch record that fails validation fails alone: here every record
//! of the one such case has the unknown field, so each fails with Segment's
//! message), D12 (endpoints normalised; no case needs it), D15 (field
//! definitions fetched once per client, only when a record has custom
//! fields: lookups are not compared, and the case that failed only on the
//! lookup's reply succeeds here).

mod replay;
mod send_support;

use replay::{cases_of, upsert::check, vectors};

#[tokio::test]
async fn every_update_user_profile_case_matches_segment() {
    let vectors = vectors("sendgrid-action-vectors.json");
    let cases = cases_of(&vectors, "updateUserProfile");
    assert_eq!(cases.len(), 60);
    let mut failures = Vec::new();
    let mut in_segment_order = 0;
    for case in &cases {
        match check(&vectors, case, None).await {
            Ok(ordered) => in_segment_order += usize::from(ordered),
            Err(why) => failures.push(format!("{}: {why}", case["name"])),
        }
    }
    println!(
        "upsert conformance: {}/{} passed, {in_segment_order} with Segment's key order",
        cases.len() - failures.len(),
        cases.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
