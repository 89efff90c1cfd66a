//! The DELETE requests of list removals and contact deletions. Their ids
//! ride in the query string (`?contact_ids=a,b` / `?ids=a,b`), so a request
//! holds at most [`IDS_PER_REQUEST`] ids (Segment's chunk for removals)
//! and at most [`MAX_QUERY_BYTES`] of query: servers refuse long request
//! lines (`414 Request-URI Too Large`, which RudderStack's SendGrid
//! destination ran into).

use futures::{stream, StreamExt};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::Method;
use tokio_util::sync::CancellationToken;

use crate::actions::upsert::isolate::job_id;
use crate::client::{Idempotency, SendGridClient};
use crate::error::Error;

/// Ids per DELETE request.
pub const IDS_PER_REQUEST: usize = 100;
/// Bytes of ids per query string, well below the 8 KiB request line most
/// servers accept (a request line also holds the method, path and version).
pub const MAX_QUERY_BYTES: usize = 6_000;

/// RFC 3986 unreserved characters stay as they are (ids are UUIDs).
const ID_CHARS: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

pub fn encoded(text: &str) -> String {
    utf8_percent_encode(text, ID_CHARS).to_string()
}

/// One kind of DELETE: the path and the query parameter carrying the ids.
#[derive(Debug, Clone)]
pub struct Deletion {
    pub path: String,
    pub param: &'static str,
}

impl Deletion {
    /// `DELETE /v3/marketing/lists/{id}/contacts?contact_ids=…`: membership only.
    pub fn from_list(list_id: &str) -> Self {
        Self {
            path: format!("/v3/marketing/lists/{}/contacts", encoded(list_id)),
            param: "contact_ids",
        }
    }

    /// `DELETE /v3/marketing/contacts?ids=…`: the contacts themselves (a job).
    pub fn contacts() -> Self {
        Self {
            path: "/v3/marketing/contacts".to_owned(),
            param: "ids",
        }
    }

    fn target(&self, ids: &[String]) -> String {
        let joined: Vec<String> = ids.iter().map(|id| encoded(id)).collect();
        format!("{}?{}={}", self.path, self.param, joined.join(","))
    }
}

/// The answer to one DELETE.
#[derive(Debug)]
pub struct Deleted {
    pub ids: Vec<String>,
    /// The job SendGrid queued (`None` in a dry run or when it named none).
    pub result: Result<Option<String>, Error>,
    /// Attempts repeated before the answer.
    pub retries: u32,
    /// Whether a request went out (not in a dry run).
    pub sent: bool,
}

/// `ids` cut into requests within both limits.
pub fn chunks(ids: Vec<String>) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut bytes = 0;
    for id in ids {
        let size = encoded(&id).len() + 1;
        let full = out
            .last()
            .is_none_or(|last| last.len() >= IDS_PER_REQUEST || bytes + size > MAX_QUERY_BYTES);
        if full {
            out.push(Vec::new());
            bytes = 0;
        }
        bytes += size;
        out.last_mut().expect("a chunk was just pushed").push(id);
    }
    out
}

/// Sends the DELETEs of `ids`, `concurrency` at a time, in the order of
/// their chunks; once `stop` is cancelled no request starts (those not
/// started fail as not sent). A dry run sends nothing and returns each
/// request line (`DELETE /v3/…?ids=…`) in `dry_lines`.
pub async fn delete_all(
    client: &SendGridClient,
    deletion: &Deletion,
    ids: Vec<String>,
    concurrency: usize,
    stop: &CancellationToken,
    dry_lines: Option<&mut Vec<String>>,
) -> Vec<Deleted> {
    let chunks = chunks(ids);
    if let Some(lines) = dry_lines {
        return chunks
            .into_iter()
            .map(|ids| {
                lines.push(format!("DELETE {}", deletion.target(&ids)));
                Deleted {
                    ids,
                    result: Ok(None),
                    retries: 0,
                    sent: false,
                }
            })
            .collect();
    }
    stream::iter(chunks)
        .map(|ids| async move {
            let target = deletion.target(&ids);
            let (answer, retries) = client
                .request_counted(
                    Method::DELETE,
                    &target,
                    None,
                    Idempotency::Idempotent,
                    Some(stop),
                )
                .await;
            let result = answer.map(|response| job_id(&response));
            Deleted {
                ids,
                result,
                retries,
                sent: true,
            }
        })
        .buffered(concurrency.max(1))
        .collect()
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_hold_at_most_100_ids_and_a_bounded_query() {
        let ids: Vec<String> = (0..250).map(|i| format!("{i:036}")).collect();
        let sizes: Vec<usize> = chunks(ids.clone()).iter().map(Vec::len).collect();
        assert_eq!(sizes, [100, 100, 50]);
        let long: Vec<String> = (0..100).map(|i| format!("{i:0200}")).collect();
        let cut = chunks(long);
        assert!(cut.len() > 3);
        for chunk in &cut {
            let query: usize = chunk.iter().map(|id| id.len() + 1).sum();
            assert!(query <= MAX_QUERY_BYTES);
        }
        assert_eq!(cut.iter().map(Vec::len).sum::<usize>(), 100);
        assert!(chunks(Vec::new()).is_empty());
    }

    #[test]
    fn targets_encode_what_is_not_unreserved() {
        let deletion = Deletion::from_list("l 1/x");
        assert_eq!(deletion.path, "/v3/marketing/lists/l%201%2Fx/contacts");
        let ids = ["a-1".to_owned(), "b,2".to_owned()];
        assert_eq!(
            Deletion::contacts().target(&ids),
            "/v3/marketing/contacts?ids=a-1,b%2C2"
        );
    }
}
