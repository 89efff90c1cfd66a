//! Every member of a list, read through a contact export: `POST
//! /v3/marketing/contacts/exports` for the list (JSON files), its status
//! polled until `ready`, then each file downloaded and read line by line.
//! A search cannot do it: SendGrid's SGQL search answers the first 50
//! matches only.
//!
//! Memory stays bounded whatever the list's size: files are asked for at
//! most [`EXPORT_FILE_MB`] each, downloaded one at a time (refused past
//! [`MAX_FILE_BYTES`]), and their lines are handed to the caller as they
//! are decompressed. The files are newline-delimited JSON objects
//! (`{"contact_id": …, "email": …, …}`, one per line), gzip-compressed
//! (read plain too).

use std::io::{BufRead, BufReader, Read};
use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Map, Value};
use tokio::time::Instant;

use super::identity::Identifiers;
use crate::actions::upsert::PollTiming;
use crate::client::{Idempotency, SendGridClient};
use crate::error::Error;

/// Size SendGrid is asked to cut export files at (MB).
pub const EXPORT_FILE_MB: u64 = 32;
/// Largest export file downloaded (compressed files are smaller than
/// [`EXPORT_FILE_MB`]; this leaves room for a server that ignores it).
pub const MAX_FILE_BYTES: usize = 256 << 20;
/// Longest line of an export file (one contact).
const MAX_LINE_BYTES: u64 = 1 << 20;
/// Most bytes one file may decompress to: 8 times the size asked for, so a
/// hostile or broken file (a decompression bomb) cannot run for ever.
pub const MAX_TEXT_BYTES: u64 = 8 * EXPORT_FILE_MB * 1_000_000;

/// One member of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedContact {
    pub id: String,
    pub identifiers: Identifiers,
}

/// Calls `visit` for every member of `list_id`; returns how many there
/// were. Fails when the export fails, is not ready within `timeout`, or a
/// file is not what SendGrid writes.
pub async fn for_each_member(
    client: &SendGridClient,
    list_id: &str,
    timeout: Duration,
    poll: PollTiming,
    mut visit: impl FnMut(ExportedContact),
) -> Result<u64, Error> {
    let urls = export_urls(client, list_id, timeout, poll).await?;
    let mut members = 0;
    for (file, url) in urls.iter().enumerate() {
        let body = client.download(url, MAX_FILE_BYTES).await?.body;
        members += read_file(&body, file + 1, &mut visit)?;
    }
    log::info!(
        target: "segment_sendgrid::lists",
        "list {list_id}: {members} members read from {} export file(s)", urls.len()
    );
    Ok(members)
}

/// Starts the export and waits for its files.
async fn export_urls(
    client: &SendGridClient,
    list_id: &str,
    timeout: Duration,
    poll: PollTiming,
) -> Result<Vec<String>, Error> {
    let request =
        json!({"list_ids": [list_id], "file_type": "json", "max_file_size": EXPORT_FILE_MB});
    let started = client
        .request(
            Method::POST,
            "/v3/marketing/contacts/exports",
            Some(request.to_string().into()),
            Idempotency::Idempotent,
        )
        .await?
        .json()?;
    let id = started
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| unexpected("the export answer has no id"))?
        .to_owned();
    let path = format!(
        "/v3/marketing/contacts/exports/{}",
        super::removal::encoded(&id)
    );
    let deadline = Instant::now() + timeout;
    let mut wait = poll.first;
    loop {
        let status = client
            .request(Method::GET, &path, None, Idempotency::Idempotent)
            .await?
            .json()?;
        match status.get("status").and_then(Value::as_str) {
            Some("ready") => return Ok(urls_of(&status)),
            Some("failure") => {
                let why = status
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("no reason given");
                return Err(unexpected(&format!(
                    "the export of list {list_id} failed: {why}"
                )));
            }
            _ => {}
        }
        let now = Instant::now();
        if now >= deadline {
            let message = format!(
                "the export of list {list_id} was not ready after {} s (wait_timeout)",
                timeout.as_secs_f64()
            );
            return Err(unexpected(&message));
        }
        tokio::time::sleep(wait.min(deadline - now)).await;
        wait = (wait * 2).min(poll.cap);
    }
}

fn urls_of(status: &Value) -> Vec<String> {
    let urls = status.get("urls").and_then(Value::as_array);
    urls.into_iter()
        .flatten()
        .filter_map(|url| url.as_str().map(str::to_owned))
        .collect()
}

/// Reads one export file (gzip or plain), line by line.
pub fn read_file(
    body: &[u8],
    file: usize,
    visit: &mut impl FnMut(ExportedContact),
) -> Result<u64, Error> {
    let reader: Box<dyn Read + '_> = if body.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::read::MultiGzDecoder::new(body))
    } else {
        Box::new(body)
    };
    let mut reader = BufReader::new(reader.take(MAX_TEXT_BYTES + 1));
    let mut line = String::new();
    let (mut number, mut members, mut text) = (0, 0, 0u64);
    loop {
        line.clear();
        number += 1;
        let read = (&mut reader)
            .take(MAX_LINE_BYTES)
            .read_line(&mut line)
            .map_err(|e| unexpected(&format!("export file {file}: {e}")))?;
        if read == 0 {
            return Ok(members);
        }
        text += read as u64;
        if text > MAX_TEXT_BYTES {
            let message = format!("export file {file}: more than {MAX_TEXT_BYTES} bytes of text");
            return Err(unexpected(&message));
        }
        if !line.ends_with('\n') && read as u64 == MAX_LINE_BYTES {
            return Err(unexpected(&format!(
                "export file {file}, line {number}: longer than 1 MiB"
            )));
        }
        if line.trim().is_empty() {
            continue;
        }
        let contact = parse_line(&line).ok_or_else(|| {
            unexpected(&format!(
                "export file {file}, line {number}: not a contact with a contact_id"
            ))
        })?;
        members += 1;
        visit(contact);
    }
}

fn parse_line(line: &str) -> Option<ExportedContact> {
    let object: Map<String, Value> = serde_json::from_str(line).ok()?;
    let id = ["contact_id", "id"]
        .iter()
        .find_map(|key| object.get(*key).and_then(Value::as_str))
        .filter(|id| !id.is_empty())?
        .to_owned();
    Some(ExportedContact {
        id,
        identifiers: Identifiers::of_object(&object),
    })
}

fn unexpected(message: &str) -> Error {
    Error::Transport {
        message: message.to_owned(),
        maybe_sent: false,
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn members(body: &[u8]) -> Result<Vec<ExportedContact>, Error> {
        let mut out = Vec::new();
        read_file(body, 1, &mut |c| out.push(c))?;
        Ok(out)
    }

    #[test]
    fn reads_gzipped_and_plain_lines() {
        let text = "{\"contact_id\":\"c1\",\"email\":\"a@b.co\",\"custom_fields\":{}}\n\n{\"contact_id\":\"c2\",\"external_id\":\"x\"}";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text.as_bytes()).unwrap();
        for body in [gz.finish().unwrap(), text.as_bytes().to_vec()] {
            let found = members(&body).unwrap();
            assert_eq!(found.len(), 2);
            assert_eq!(found[0].id, "c1");
            assert_eq!(found[0].identifiers.0[0].as_deref(), Some("a@b.co"));
            assert_eq!(found[1].identifiers.0[2].as_deref(), Some("x"));
        }
    }

    #[test]
    fn a_line_without_an_id_names_its_file_and_line() {
        let error = members(b"{\"contact_id\":\"c1\"}\n{\"email\":\"a@b.co\"}\n").unwrap_err();
        assert!(
            error.to_string().contains("export file 1, line 2"),
            "{error}"
        );
        assert!(members(b"[1,2]\n").is_err());
    }
}
