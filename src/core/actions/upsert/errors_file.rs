//! An import job's `errors_url` file. SendGrid does not document its
//! format, so only one format is read: the one our emulator writes
//! (`segment_sendgrid.testing.FakeSendGrid`, see README):
//!
//! ```json
//! {"job_id": "…", "errors": [{"index": 3, "message": "…",
//!   "contact": {"email": "…", "phone_number_id": "…"}}]}
//! ```
//!
//! `index` is the record's position in the request's `contacts`. A file in
//! any other shape, or one whose records disagree with what was sent, is
//! not used: the caller falls back to identifier look-ups, which need no
//! knowledge of the format.

use serde::Deserialize;

use super::lookup::normalize;
use super::sent::{SentRequest, IDENTIFIER_FIELDS};
use crate::client::SendGridClient;

/// Most bytes of an errors file read: 30,000 records with long messages fit
/// well below it.
pub const MAX_ERRORS_FILE_BYTES: usize = 32 * 1024 * 1024;

#[derive(Debug, Deserialize)]
struct ErrorsFile {
    errors: Vec<RecordError>,
}

#[derive(Debug, Deserialize)]
struct RecordError {
    index: usize,
    message: String,
    #[serde(default)]
    contact: serde_json::Map<String, serde_json::Value>,
}

/// `(position in the request, SendGrid's message)` for each record the file
/// names, or `None` when the file cannot be fetched or trusted.
pub async fn read_errors_file(
    client: &SendGridClient,
    url: &str,
    request: &SentRequest,
) -> Option<Vec<(usize, String)>> {
    let response = client.download(url, MAX_ERRORS_FILE_BYTES).await.ok()?;
    parse_errors_file(&response.body, request)
}

fn parse_errors_file(body: &[u8], request: &SentRequest) -> Option<Vec<(usize, String)>> {
    let file: ErrorsFile = serde_json::from_slice(body).ok()?;
    let mut named = Vec::with_capacity(file.errors.len());
    for error in file.errors {
        if error.index >= request.len() || !agrees(&error, request) {
            return None;
        }
        named.push((error.index, error.message));
    }
    named.sort_by_key(|(position, _)| *position);
    named.dedup_by_key(|(position, _)| *position);
    (!named.is_empty()).then_some(named)
}

/// Whether the identifiers the file shows for a record are those sent at
/// its position (a file of another request, or shifted, is refused).
fn agrees(error: &RecordError, request: &SentRequest) -> bool {
    let sent = request.identifiers(error.index);
    IDENTIFIER_FIELDS.iter().enumerate().all(|(kind, field)| {
        match error.contact.get(*field).and_then(|v| v.as_str()) {
            None => true,
            Some(shown) => sent[kind].map(|s| normalize(kind, s)) == Some(normalize(kind, shown)),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::upsert::batcher::Piece;

    fn request() -> SentRequest {
        let pieces: Vec<Piece> = ["a@x.io", "b@x.io", "c@x.io"]
            .iter()
            .enumerate()
            .map(|(i, email)| Piece {
                index: 10 + i,
                json: format!(r#"{{"email":"{email}","custom_fields":{{}}}}"#).into_bytes(),
            })
            .collect();
        SentRequest::new("job".into(), &pieces)
    }

    #[test]
    fn reads_the_emulator_format() {
        let body = br#"{"job_id":"job","errors":[
            {"index":2,"message":"conflict","contact":{"email":"C@x.io"}},
            {"index":0,"message":"bad"}]}"#;
        assert_eq!(
            parse_errors_file(body, &request()),
            Some(vec![(0, "bad".into()), (2, "conflict".into())])
        );
    }

    #[test]
    fn refuses_files_it_cannot_trust() {
        let r = request();
        // Another record's identifiers at that position.
        let shifted = br#"{"errors":[{"index":1,"message":"m","contact":{"email":"a@x.io"}}]}"#;
        assert_eq!(parse_errors_file(shifted, &r), None);
        assert_eq!(
            parse_errors_file(br#"{"errors":[{"index":3,"message":"m"}]}"#, &r),
            None
        );
        assert_eq!(parse_errors_file(b"email,error\na@x.io,bad\n", &r), None);
        assert_eq!(parse_errors_file(br#"{"errors":[]}"#, &r), None);
    }
}
