//! Records a guarded run holds while it checks its guard: mirror and
//! delete runs read their whole input before the first change (the guard
//! counts what the input leaves out), so they keep it, in memory up to
//! [`MEMORY_BYTES`] and in an anonymous temporary file beyond, and read it
//! back in order once the guard has passed.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};

use crate::error::Error;

/// Bytes kept in memory before the spool moves to a file.
pub const MEMORY_BYTES: usize = 64 << 20;

/// `(input index, bytes)` entries, appended then read back in order.
#[derive(Debug, Default)]
pub struct Spool {
    memory: Vec<u8>,
    file: Option<BufWriter<File>>,
    entries: usize,
}

impl Spool {
    pub fn push(&mut self, index: usize, bytes: &[u8]) -> Result<(), Error> {
        let mut head = [0u8; 12];
        head[..8].copy_from_slice(&(index as u64).to_le_bytes());
        let len = u32::try_from(bytes.len()).map_err(|_| io_error("a record over 4 GiB"))?;
        head[8..].copy_from_slice(&len.to_le_bytes());
        if self.file.is_none() && self.memory.len() + bytes.len() + 12 > MEMORY_BYTES {
            let mut file =
                BufWriter::new(tempfile::tempfile().map_err(|e| io_error(&e.to_string()))?);
            file.write_all(&self.memory)
                .map_err(|e| io_error(&e.to_string()))?;
            self.memory = Vec::new();
            self.file = Some(file);
        }
        match &mut self.file {
            Some(file) => {
                file.write_all(&head)
                    .and_then(|()| file.write_all(bytes))
                    .map_err(|e| io_error(&e.to_string()))?;
            }
            None => {
                self.memory.extend_from_slice(&head);
                self.memory.extend_from_slice(bytes);
            }
        }
        self.entries += 1;
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.entries
    }

    /// The entries in the order they were pushed.
    pub fn into_entries(self) -> Result<SpoolEntries, Error> {
        let reader: Box<dyn Read + Send> = match self.file {
            None => Box::new(std::io::Cursor::new(self.memory)),
            Some(file) => {
                let mut file = file.into_inner().map_err(|e| io_error(&e.to_string()))?;
                file.seek(SeekFrom::Start(0))
                    .map_err(|e| io_error(&e.to_string()))?;
                Box::new(BufReader::new(file))
            }
        };
        Ok(SpoolEntries {
            reader,
            left: self.entries,
        })
    }
}

/// Reads a spool back.
pub struct SpoolEntries {
    reader: Box<dyn Read + Send>,
    left: usize,
}

impl Iterator for SpoolEntries {
    type Item = Result<(usize, Vec<u8>), Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let mut head = [0u8; 12];
        let read = self.reader.read_exact(&mut head).and_then(|()| {
            let len = u32::from_le_bytes(head[8..].try_into().expect("4 bytes")) as usize;
            let mut bytes = vec![0; len];
            self.reader.read_exact(&mut bytes)?;
            Ok(bytes)
        });
        Some(match read {
            Ok(bytes) => Ok((
                u64::from_le_bytes(head[..8].try_into().expect("8 bytes")) as usize,
                bytes,
            )),
            Err(e) => {
                self.left = 0;
                Err(io_error(&e.to_string()))
            }
        })
    }
}

fn io_error(detail: &str) -> Error {
    Error::config(format!(
        "could not keep the input in a temporary file: {detail}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_come_back_in_order_from_memory() {
        let mut spool = Spool::default();
        spool.push(3, b"three").unwrap();
        spool.push(9, b"").unwrap();
        assert_eq!(spool.len(), 2);
        let back: Vec<_> = spool.into_entries().unwrap().map(Result::unwrap).collect();
        assert_eq!(back, [(3, b"three".to_vec()), (9, Vec::new())]);
    }

    #[test]
    fn a_spool_past_its_memory_bound_moves_to_a_file() {
        let mut spool = Spool::default();
        let big = vec![7u8; MEMORY_BYTES / 3];
        for index in 0..5 {
            spool.push(index, &big).unwrap();
        }
        assert!(spool.file.is_some() && spool.memory.is_empty());
        let back: Vec<_> = spool.into_entries().unwrap().map(Result::unwrap).collect();
        assert_eq!(back.len(), 5);
        assert!(back
            .iter()
            .enumerate()
            .all(|(i, (index, bytes))| *index == i && *bytes == big));
    }
}
