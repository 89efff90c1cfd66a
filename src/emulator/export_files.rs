//! The files of a contact export, rendered once when the export is created
//! and kept gzipped (SendGrid's export files are gzip: its users and
//! Airbyte's SendGrid source gunzip them), so an export holds compressed
//! bytes rather than copies of contacts.
//!
//! - `json`: newline-delimited JSON, one object per contact (SendGrid's
//!   sample in sendgrid-csharp issue #1024 is one object a line, not an
//!   array): `contact_id`, `created_at`, `updated_at`, the identifiers the
//!   contact has, its other reserved fields, `list_ids` and `custom_fields`
//!   (by field name).
//! - `csv`: a header row, then one row per contact. Columns: `CONTACT_ID`,
//!   the four identifiers, the reserved text fields and `ALTERNATE_EMAILS`
//!   upper-cased, `LIST_IDS`, the account's custom fields under their own
//!   names, `CREATED_AT`, `UPDATED_AT`. Lists are comma-joined in one cell;
//!   cells are quoted when they hold `,`, `"` or a line break.
//!
//! A file holds whole lines: once its uncompressed content would pass the
//! split size, the next line starts a new file (a line larger than the split
//! size gets a file of its own), and every CSV file repeats the header.

use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::{json, Map, Value};

use super::contacts::{Contact, IDENTIFIERS, SHOWN_FIELDS};
use super::fields::FieldStore;

/// `file_type` of an export request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Csv,
    Json,
}

impl FileType {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "csv" => Some(Self::Csv),
            "json" => Some(Self::Json),
            _ => None,
        }
    }

    /// The extension of the download links: `csv.gz` or `json.gz`.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv.gz",
            Self::Json => "json.gz",
        }
    }
}

/// The exported contacts as gzipped files, each at most `split_bytes`
/// uncompressed (whole lines); always at least one file.
pub fn render<'c>(
    contacts: impl Iterator<Item = &'c Contact>,
    fields: &FieldStore,
    file_type: FileType,
    split_bytes: u64,
) -> Vec<Vec<u8>> {
    let custom: Vec<(&str, &str)> = fields
        .custom
        .iter()
        .map(|f| (f.id.as_str(), f.name.as_str()))
        .collect();
    let header = match file_type {
        FileType::Json => None,
        FileType::Csv => Some(csv_header(&custom)),
    };
    let mut files = Splitter::new(split_bytes, header);
    for contact in contacts {
        let line = match file_type {
            FileType::Json => json_line(contact, &custom),
            FileType::Csv => csv_row(contact, &custom),
        };
        files.push(&line);
    }
    files.finish()
}

/// One contact as a JSON line (with its `\n`).
fn json_line(contact: &Contact, custom: &[(&str, &str)]) -> Vec<u8> {
    let mut out = Map::new();
    out.insert("contact_id".into(), json!(contact.id));
    out.insert("created_at".into(), json!(contact.created_at));
    out.insert("updated_at".into(), json!(contact.updated_at));
    for (name, value) in IDENTIFIERS.iter().zip(&contact.identifiers) {
        if let Some(value) = value {
            out.insert((*name).into(), json!(value));
        }
    }
    for (name, value) in &contact.fields {
        out.insert(name.clone(), value.clone());
    }
    out.insert("list_ids".into(), json!(contact.list_ids));
    let by_name: Map<String, Value> = custom
        .iter()
        .filter_map(|(id, name)| {
            Some(((*name).to_owned(), contact.custom_fields.get(*id)?.clone()))
        })
        .collect();
    out.insert("custom_fields".into(), Value::Object(by_name));
    let mut line = serde_json::to_vec(&Value::Object(out)).unwrap_or_default();
    line.push(b'\n');
    line
}

fn csv_header(custom: &[(&str, &str)]) -> Vec<u8> {
    let mut cells = vec!["CONTACT_ID".to_owned()];
    cells.extend(IDENTIFIERS.iter().map(|n| n.to_ascii_uppercase()));
    cells.extend(SHOWN_FIELDS.iter().map(|n| n.to_ascii_uppercase()));
    cells.extend(["ALTERNATE_EMAILS".to_owned(), "LIST_IDS".to_owned()]);
    cells.extend(custom.iter().map(|(_, name)| (*name).to_owned()));
    cells.extend(["CREATED_AT".to_owned(), "UPDATED_AT".to_owned()]);
    csv_line(&cells)
}

fn csv_row(contact: &Contact, custom: &[(&str, &str)]) -> Vec<u8> {
    let mut cells = vec![contact.id.clone()];
    cells.extend(
        contact
            .identifiers
            .iter()
            .map(|v| v.clone().unwrap_or_default()),
    );
    cells.extend(SHOWN_FIELDS.iter().map(|n| cell(contact.fields.get(*n))));
    cells.push(cell(contact.fields.get("alternate_emails")));
    cells.push(contact.list_ids.join(","));
    cells.extend(
        custom
            .iter()
            .map(|(id, _)| cell(contact.custom_fields.get(*id))),
    );
    cells.extend([contact.created_at.clone(), contact.updated_at.clone()]);
    csv_line(&cells)
}

/// A value as CSV cell text: strings as they are, arrays comma-joined.
fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(items)) => {
            let texts: Vec<String> = items.iter().map(|v| cell(Some(v))).collect();
            texts.join(",")
        }
        Some(other) => other.to_string(),
    }
}

/// RFC 4180 quoting: a cell with `,`, `"` or a line break is quoted, its
/// quotes doubled.
fn csv_line(cells: &[String]) -> Vec<u8> {
    let mut line = String::new();
    for (i, text) in cells.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        if text.contains([',', '"', '\n', '\r']) {
            line.push('"');
            line.push_str(&text.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(text);
        }
    }
    line.push('\n');
    line.into_bytes()
}

/// Gzips lines into files of at most `limit` uncompressed bytes each.
struct Splitter {
    limit: u64,
    header: Option<Vec<u8>>,
    /// The open file, its uncompressed size and whether it holds a line.
    current: Option<(GzEncoder<Vec<u8>>, u64, bool)>,
    done: Vec<Vec<u8>>,
}

impl Splitter {
    fn new(limit: u64, header: Option<Vec<u8>>) -> Self {
        Self {
            limit,
            header,
            current: None,
            done: Vec::new(),
        }
    }

    fn push(&mut self, line: &[u8]) {
        let full = self
            .current
            .as_ref()
            .is_some_and(|(_, size, has_line)| *has_line && size + line.len() as u64 > self.limit);
        if full {
            self.close();
        }
        let header = self.header.as_deref();
        let (encoder, size, has_line) = self.current.get_or_insert_with(|| {
            let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
            // Writes into a Vec cannot fail.
            let _ = encoder.write_all(header.unwrap_or_default());
            (encoder, header.map_or(0, |h| h.len() as u64), false)
        });
        let _ = encoder.write_all(line);
        *size += line.len() as u64;
        *has_line = true;
    }

    fn close(&mut self) {
        if let Some((encoder, _, _)) = self.current.take() {
            self.done.push(encoder.finish().unwrap_or_default());
        }
    }

    /// The files; an export of no contacts is one file (a CSV header only).
    fn finish(mut self) -> Vec<Vec<u8>> {
        if self.current.is_none() && self.done.is_empty() {
            self.push(b"");
        }
        self.close();
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contacts::{ContactInput, ContactStore};
    use std::io::Read;

    fn gunzip(bytes: &[u8]) -> String {
        let mut text = String::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    fn store(count: usize) -> (ContactStore, FieldStore) {
        let mut fields = FieldStore::default();
        let plan = fields.add_field("plan", "Text").unwrap();
        let mut contacts = ContactStore::default();
        for i in 0..count {
            let input = ContactInput {
                identifiers: [Some(format!("c{i}@x.io")), None, None, None],
                fields: vec![("first_name", json!("Ann, \"A\""))],
                custom_fields: vec![(plan.id.clone(), json!("pro"))],
            };
            contacts.upsert(input, &["l1".into()], "t").unwrap();
        }
        (contacts, fields)
    }

    #[test]
    fn json_lines_carry_names_not_field_ids() {
        let (contacts, fields) = store(2);
        let files = render(contacts.all().iter(), &fields, FileType::Json, 1 << 30);
        let text = gunzip(&files[0]);
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["email"], "c0@x.io");
        assert_eq!(lines[0]["custom_fields"], json!({"plan": "pro"}));
        assert_eq!(lines[0]["list_ids"], json!(["l1"]));
        assert!(lines[0].get("external_id").is_none());
    }

    #[test]
    fn csv_quotes_cells_and_repeats_the_header_in_every_file() {
        let (contacts, fields) = store(3);
        let files = render(contacts.all().iter(), &fields, FileType::Csv, 1);
        assert_eq!(files.len(), 3);
        for file in &files {
            let text = gunzip(file);
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len(), 2, "{text}");
            assert!(lines[0].starts_with("CONTACT_ID,EMAIL,PHONE_NUMBER_ID,"));
            assert!(lines[0].ends_with(",plan,CREATED_AT,UPDATED_AT"));
            assert!(lines[1].contains(",\"Ann, \"\"A\"\"\","), "{}", lines[1]);
        }
    }

    #[test]
    fn files_split_on_whole_lines_and_an_empty_export_is_one_file() {
        let (contacts, fields) = store(10);
        let one = render(contacts.all().iter(), &fields, FileType::Json, 1 << 30);
        let line_size = gunzip(&one[0]).lines().next().unwrap().len() as u64 + 1;
        let files = render(
            contacts.all().iter(),
            &fields,
            FileType::Json,
            3 * line_size,
        );
        let sizes: Vec<usize> = files.iter().map(|f| gunzip(f).lines().count()).collect();
        assert_eq!(sizes, [3, 3, 3, 1]);
        let empty = render(std::iter::empty(), &fields, FileType::Json, 1);
        assert_eq!((empty.len(), gunzip(&empty[0]).as_str()), (1, ""));
        let empty = render(std::iter::empty(), &fields, FileType::Csv, 1);
        assert_eq!(gunzip(&empty[0]).lines().count(), 1);
    }
}
