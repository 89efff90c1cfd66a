//! Property tests ("fuzzing", on stable Rust) of what a server or a user
//! can hand the client: rate-limit headers, error bodies, endpoints and
//! durations. None may panic, and each bound must hold for any input. The
//! seeds are the hostile values seen so far; proptest adds generated ones
//! (`PROPTEST_CASES` sets how many; failures are kept in
//! `proptest-regressions/` beside this file and replayed first).

use std::time::Duration;

use proptest::prelude::*;
use reqwest::header::{HeaderMap, HeaderValue};
use segment_sendgrid_core::parse_error_details;
use segment_sendgrid_core::{redact_userinfo, seconds, Endpoint, MAX_SECONDS};
use segment_sendgrid_core::{RateLimitInfo, RateLimiter, MAX_HINTED_WAIT};

const HOSTILE_NUMBERS: &[&str] = &[
    "1e30", "1e308", "1e309", "inf", "-inf", "NaN", "-0", "-1", "0x10", "", " ",
];

fn check_headers(remaining: &str, reset: &str) {
    let mut headers = HeaderMap::new();
    for (name, value) in [
        ("x-ratelimit-remaining", remaining),
        ("x-ratelimit-reset", reset),
    ] {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    }
    let info = RateLimitInfo::from_headers(&headers);
    if let Some(wait) = info.wait_until_reset() {
        assert!(wait <= MAX_HINTED_WAIT, "{remaining:?} {reset:?}: {wait:?}");
    }
    let limiter = RateLimiter::default();
    limiter.observe("/v3/x", &info);
    if let Some(wait) = limiter.pending_wait("/v3/x") {
        assert!(wait <= MAX_HINTED_WAIT);
    }
}

#[test]
fn hostile_seeds() {
    let long = "9".repeat(400);
    for value in HOSTILE_NUMBERS.iter().copied().chain([long.as_str()]) {
        check_headers("0", value);
        check_headers(value, "5");
        let _ = parse_error_details(value);
        let _ = Endpoint::parse(value, false);
    }
    for body in [
        r#"{"errors": "x"}"#,
        r#"{"errors": [1, null, {"message": 5}, {"message": "m", "field": ["x"]}]}"#,
        r#"{"errors": {"message": "one", "field": null}}"#,
        "<html>",
        "",
    ] {
        let _ = parse_error_details(body);
    }
}

proptest! {
    #[test]
    fn rate_limit_headers_never_panic_nor_park(remaining in ".{0,40}", reset in "[-+0-9.eE a-zNI]{0,40}") {
        check_headers(&remaining, &reset);
    }

    #[test]
    fn numeric_resets_are_bounded(reset in any::<f64>()) {
        check_headers("0", &reset.to_string());
    }

    #[test]
    fn error_bodies_never_panic(body in ".{0,200}") {
        let _ = parse_error_details(&body);
    }

    #[test]
    fn json_error_bodies_keep_every_string_message(messages in prop::collection::vec(".{0,20}", 0..5)) {
        let body = serde_json::json!({"errors": messages.iter().map(|m| serde_json::json!({"message": m, "field": null})).collect::<Vec<_>>()});
        let details = parse_error_details(&body.to_string());
        prop_assert_eq!(details.len(), messages.len());
    }

    #[test]
    fn endpoints_never_panic_and_never_show_a_password(
        user in "[a-z]{1,8}",
        password in "[A-Za-z0-9]{6,12}",
        host in "[a-z0-9.-]{1,20}",
        tail in "[/a-z?#=&@:]{0,20}",
    ) {
        for scheme in ["http", "https"] {
            let url = format!("{scheme}://{user}:{password}@{host}{tail}");
            if let Err(error) = Endpoint::parse(&url, false) {
                prop_assert!(!error.to_string().contains(&format!(":{password}@")), "{}", error);
            }
            if let Ok(endpoint) = Endpoint::parse(&url, true) {
                prop_assert!(!endpoint.shown().contains(&password));
            }
            let redacted = redact_userinfo(&url);
            prop_assert!(!redacted.contains(&format!(":{password}@")), "{}", redacted);
        }
    }

    #[test]
    fn any_text_is_a_valid_endpoint_or_a_config_error(text in ".{0,60}") {
        let _ = Endpoint::parse(&text, false);
        let _ = Endpoint::parse(&text, true);
    }

    #[test]
    fn durations_are_bounded(value in any::<f64>(), zero_ok in any::<bool>()) {
        if let Ok(duration) = seconds("timeout", value, zero_ok) {
            prop_assert!(duration <= Duration::from_secs_f64(MAX_SECONDS));
        }
    }
}
