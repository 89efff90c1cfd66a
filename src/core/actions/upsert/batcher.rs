//! Groups prepared contacts into request bodies of at most `max_contacts`
//! contacts and `max_bytes` bytes, measured on the exact body sent. Each
//! contact is serialised once ([`super::contact::Contact::json`]); a body is
//! assembled from those pieces. Records with different `list_ids` never
//! share a request.

use bytes::Bytes;

use crate::js;

/// SendGrid's limits for `PUT /v3/marketing/contacts`.
pub const MAX_CONTACTS_PER_REQUEST: usize = 30_000;
pub const MAX_BODY_BYTES: usize = 6_000_000;

/// At most this many `list_ids` groups are filled at once; a new group
/// beyond it flushes the oldest, so memory stays bounded.
const MAX_OPEN_GROUPS: usize = 8;

/// One contact in a chunk, with the input index it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Piece {
    pub index: usize,
    pub json: Vec<u8>,
}

/// Contacts bound for one request.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Chunk {
    pub list_ids: Vec<String>,
    pub pieces: Vec<Piece>,
}

impl Chunk {
    /// Size of [`Chunk::body`], without building it.
    #[cfg(test)]
    pub fn body_len(&self) -> usize {
        body_len(&self.list_ids, self.pieces.iter().map(|p| p.json.len()))
    }

    /// The request body: `{"list_ids":[…],"contacts":[…]}` (`list_ids`
    /// only when there are some).
    pub fn body(&self) -> Bytes {
        assemble(
            &self.list_ids,
            self.pieces.iter().map(|p| p.json.as_slice()),
        )
    }
}

/// The prefix up to and including `"contacts":[`.
fn prefix(list_ids: &[String]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + list_ids.len() * 40);
    out.push(b'{');
    if !list_ids.is_empty() {
        out.extend_from_slice(b"\"list_ids\":[");
        for (i, id) in list_ids.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            js::write_json_string(&mut out, id);
        }
        out.extend_from_slice(b"],");
    }
    out.extend_from_slice(b"\"contacts\":[");
    out
}

/// Size of the body holding contacts of the given sizes.
#[cfg(test)]
fn body_len(list_ids: &[String], sizes: impl Iterator<Item = usize>) -> usize {
    let (count, total) = sizes.fold((0usize, 0usize), |(n, sum), s| (n + 1, sum + s));
    prefix(list_ids).len() + total + count.saturating_sub(1) + 2
}

pub fn assemble<'a>(list_ids: &[String], pieces: impl Iterator<Item = &'a [u8]> + Clone) -> Bytes {
    let mut out = prefix(list_ids);
    let total: usize = pieces.clone().map(|p| p.len() + 1).sum();
    out.reserve_exact(total + 2);
    for (i, piece) in pieces.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(piece);
    }
    out.extend_from_slice(b"]}");
    Bytes::from(out)
}

/// Limits of one batch run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkLimits {
    pub max_contacts: usize,
    pub max_bytes: usize,
}

impl Default for ChunkLimits {
    fn default() -> Self {
        Self {
            max_contacts: MAX_CONTACTS_PER_REQUEST,
            max_bytes: MAX_BODY_BYTES,
        }
    }
}

impl ChunkLimits {
    /// Clamped to SendGrid's limits and to at least one contact.
    pub fn clamped(self) -> Self {
        Self {
            max_contacts: self.max_contacts.clamp(1, MAX_CONTACTS_PER_REQUEST),
            max_bytes: self.max_bytes.clamp(64, MAX_BODY_BYTES),
        }
    }
}

/// A chunk being filled, with its running size.
#[derive(Debug)]
struct OpenChunk {
    chunk: Chunk,
    prefix_len: usize,
    piece_bytes: usize,
}

impl OpenChunk {
    /// The body size once a piece of `extra` bytes is added (n pieces
    /// already in means n commas).
    fn body_len_with(&self, extra: usize) -> usize {
        self.prefix_len + self.piece_bytes + extra + self.chunk.pieces.len() + 2
    }

    fn take(&mut self) -> Chunk {
        self.piece_bytes = 0;
        Chunk {
            list_ids: self.chunk.list_ids.clone(),
            pieces: std::mem::take(&mut self.chunk.pieces),
        }
    }
}

/// Fills chunks as contacts arrive.
#[derive(Debug, Default)]
pub struct Batcher {
    limits: ChunkLimits,
    open: Vec<OpenChunk>,
}

/// What [`Batcher::push`] did with a contact.
#[derive(Debug, PartialEq)]
pub enum Pushed {
    /// Added; these chunks are full and ready to send.
    Added(Vec<Chunk>),
    /// The contact alone exceeds the byte limit: it can never be sent.
    TooLarge { body_len: usize },
}

impl Batcher {
    pub fn new(limits: ChunkLimits) -> Self {
        Self {
            limits: limits.clamped(),
            open: Vec::new(),
        }
    }

    pub fn limits(&self) -> ChunkLimits {
        self.limits
    }

    pub fn push(&mut self, list_ids: &[String], piece: Piece) -> Pushed {
        let len = piece.json.len();
        let existing = self.open.iter().position(|o| o.chunk.list_ids == list_ids);
        let prefix_len = match existing {
            Some(position) => self.open[position].prefix_len,
            None => prefix(list_ids).len(),
        };
        let alone = prefix_len + len + 2;
        if alone > self.limits.max_bytes {
            return Pushed::TooLarge { body_len: alone };
        }
        let mut ready = Vec::new();
        let position = match existing {
            Some(position) => position,
            None => {
                if self.open.len() >= MAX_OPEN_GROUPS {
                    let mut oldest = self.open.remove(0);
                    ready.push(oldest.take());
                }
                self.open.push(OpenChunk {
                    chunk: Chunk {
                        list_ids: list_ids.to_vec(),
                        pieces: Vec::new(),
                    },
                    prefix_len,
                    piece_bytes: 0,
                });
                self.open.len() - 1
            }
        };
        let open = &mut self.open[position];
        if !open.chunk.pieces.is_empty() && open.body_len_with(len) > self.limits.max_bytes {
            ready.push(open.take());
        }
        open.chunk.pieces.push(piece);
        open.piece_bytes += len;
        if open.chunk.pieces.len() >= self.limits.max_contacts {
            ready.push(open.take());
            self.open.remove(position);
        }
        Pushed::Added(ready)
    }

    /// The partly filled chunks, at the end of the input.
    pub fn finish(self) -> Vec<Chunk> {
        self.open
            .into_iter()
            .map(|o| o.chunk)
            .filter(|c| !c.pieces.is_empty())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(index: usize, size: usize) -> Piece {
        // A contact object of exactly `size` bytes.
        let filler = "x".repeat(size - 8);
        let json = format!("{{\"a\":\"{filler}\"}}").into_bytes();
        assert_eq!(json.len(), size);
        Piece { index, json }
    }

    fn added(pushed: Pushed) -> Vec<Chunk> {
        match pushed {
            Pushed::Added(chunks) => chunks,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn body_is_assembled_from_pieces_and_measured_exactly() {
        let chunk = Chunk {
            list_ids: vec!["l1".into(), "l2".into()],
            pieces: vec![piece(0, 10), piece(1, 12)],
        };
        let body = chunk.body();
        assert_eq!(body.len(), chunk.body_len());
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(value["list_ids"], serde_json::json!(["l1", "l2"]));
        assert_eq!(value["contacts"].as_array().unwrap().len(), 2);
        let plain = Chunk {
            list_ids: vec![],
            pieces: vec![piece(0, 10)],
        };
        assert_eq!(&plain.body()[..], br#"{"contacts":[{"a":"xx"}]}"#);
        assert_eq!(plain.body().len(), plain.body_len());
    }

    #[test]
    fn splits_on_the_byte_limit_exactly() {
        // `{"contacts":[` is 13 bytes, `]}` 2: 15 + 100 + 1 + 100 = 216.
        let mut batcher = Batcher::new(ChunkLimits {
            max_contacts: 100,
            max_bytes: 216,
        });
        assert!(added(batcher.push(&[], piece(0, 100))).is_empty());
        assert!(added(batcher.push(&[], piece(1, 100))).is_empty());
        let ready = added(batcher.push(&[], piece(2, 100)));
        assert_eq!(ready.len(), 1);
        assert_eq!(ready[0].body_len(), 216);
        assert_eq!(ready[0].body().len(), 216);
        assert_eq!(
            batcher.push(&[], piece(3, 202)),
            Pushed::TooLarge { body_len: 217 }
        );
        let rest = batcher.finish();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].pieces[0].index, 2);
    }

    #[test]
    fn splits_on_the_count_limit_and_by_list_ids() {
        let mut batcher = Batcher::new(ChunkLimits {
            max_contacts: 2,
            max_bytes: 10_000,
        });
        let a = vec!["a".to_owned()];
        assert!(added(batcher.push(&a, piece(0, 10))).is_empty());
        assert!(added(batcher.push(&[], piece(1, 10))).is_empty());
        let ready = added(batcher.push(&a, piece(2, 10)));
        assert_eq!(ready.len(), 1);
        assert_eq!(ready[0].list_ids, a);
        let indexes: Vec<usize> = ready[0].pieces.iter().map(|p| p.index).collect();
        assert_eq!(indexes, vec![0, 2]);
        let rest = batcher.finish();
        assert_eq!(rest.len(), 1);
        assert!(rest[0].list_ids.is_empty());
    }

    #[test]
    fn open_groups_are_bounded() {
        let mut batcher = Batcher::new(ChunkLimits::default());
        let mut flushed = 0;
        for i in 0..(MAX_OPEN_GROUPS + 3) {
            flushed += added(batcher.push(&[format!("list-{i}")], piece(i, 10))).len();
        }
        assert_eq!(flushed, 3);
        assert_eq!(batcher.finish().len(), MAX_OPEN_GROUPS);
    }
}
