//! The shared shape of multi-packet replies: `ArraySize`, the records, then `CommandComplete`.

use crate::error::DecodeError;
use crate::fields::{lossy, number, Fields};
use crate::reply::{ARRAY_SIZE, COMMAND_COMPLETE};

/// Preallocation bound: an announced count is a claim, not a promise.
const MAX_PREALLOCATED: u64 = 1024;

/// How the record count is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CountEncoding {
    /// Decimal text (node info, process info).
    Text,
    /// A big-endian `i32` (pool status, the only binary integer in the protocol).
    Binary,
}

/// One packet of a multi-packet reply.
pub(crate) enum ArrayPart<'a> {
    /// The count was read.
    Size,
    /// A record; the fields after its marker.
    Record(Fields<'a>),
    /// The closing packet.
    Complete,
}

/// Tracks the count and checks that the records match it.
#[derive(Debug, Clone)]
pub(crate) struct ArrayFraming {
    marker: &'static str,
    count: CountEncoding,
    declared: Option<u64>,
    received: u64,
}

impl ArrayFraming {
    pub(crate) fn new(marker: &'static str, count: CountEncoding) -> Self {
        ArrayFraming {
            marker,
            count,
            declared: None,
            received: 0,
        }
    }

    /// Whether the `ArraySize` packet has been read.
    pub(crate) fn started(&self) -> bool {
        self.declared.is_some()
    }

    /// A capacity hint for the records vector.
    pub(crate) fn capacity_hint(&self) -> usize {
        self.declared
            .unwrap_or(0)
            .min(MAX_PREALLOCATED)
            .try_into()
            .unwrap_or(0)
    }

    pub(crate) fn next<'a>(&mut self, payload: &'a [u8]) -> Result<ArrayPart<'a>, DecodeError> {
        let mut f = Fields::new(payload);
        let marker = f.next_bytes("record marker")?;
        let Some(declared) = self.declared else {
            if marker != ARRAY_SIZE.as_bytes() {
                return Err(DecodeError::UnexpectedRecord {
                    expected: ARRAY_SIZE,
                    got: lossy(marker),
                });
            }
            let declared = match self.count {
                CountEncoding::Text => number::<u64>(f.next_bytes("array size")?, "array size")?,
                CountEncoding::Binary => {
                    let raw = f.next_raw(4, "array size")?;
                    let mut word = [0u8; 4];
                    word.copy_from_slice(raw);
                    let n = i32::from_be_bytes(word);
                    u64::try_from(n).map_err(|_| DecodeError::NumberOutOfRange {
                        field: "array size",
                        text: n.to_string(),
                    })?
                }
            };
            f.finish("array size")?;
            self.declared = Some(declared);
            return Ok(ArrayPart::Size);
        };
        if marker == COMMAND_COMPLETE.as_bytes() {
            f.finish(COMMAND_COMPLETE)?;
            if self.received != declared {
                return Err(DecodeError::CountMismatch {
                    record: self.marker,
                    declared,
                    received: self.received,
                });
            }
            return Ok(ArrayPart::Complete);
        }
        if marker != self.marker.as_bytes() {
            return Err(DecodeError::UnexpectedRecord {
                expected: self.marker,
                got: lossy(marker),
            });
        }
        self.received += 1;
        if self.received > declared {
            return Err(DecodeError::CountMismatch {
                record: self.marker,
                declared,
                received: self.received,
            });
        }
        Ok(ArrayPart::Record(f))
    }
}

/// Refuses fields that contain NUL, before anything is written.
pub(crate) fn check_fields(
    fields: &[String],
    field: &'static str,
) -> Result<(), crate::EncodeError> {
    if fields.iter().any(|f| f.as_bytes().contains(&0)) {
        Err(crate::EncodeError::EmbeddedNul { field })
    } else {
        Ok(())
    }
}

fn put_nul_terminated(b: &mut bytes::BytesMut, s: &str) {
    use bytes::BufMut;
    b.put_slice(s.as_bytes());
    b.put_u8(0);
}

/// Appends a multi-packet reply: `ArraySize`, one frame per record, `CommandComplete`.
pub(crate) fn encode_array(
    tag: u8,
    marker: &'static str,
    count: CountEncoding,
    records: &[Vec<String>],
    buf: &mut bytes::BytesMut,
) -> Result<(), crate::EncodeError> {
    use crate::frame::write_frame;
    use bytes::BufMut;

    for record in records {
        check_fields(record, marker)?;
    }
    let start = buf.len();
    let result = (|| {
        write_frame(tag, buf, |b| {
            put_nul_terminated(b, ARRAY_SIZE);
            match count {
                CountEncoding::Text => put_nul_terminated(b, &records.len().to_string()),
                CountEncoding::Binary => {
                    b.put_i32(i32::try_from(records.len()).unwrap_or(i32::MAX))
                }
            }
        })?;
        for record in records {
            write_frame(tag, buf, |b| {
                put_nul_terminated(b, marker);
                for field in record {
                    put_nul_terminated(b, field);
                }
            })?;
        }
        write_frame(tag, buf, |b| put_nul_terminated(b, COMMAND_COMPLETE))
    })();
    if result.is_err() {
        buf.truncate(start);
    }
    result
}

/// Appends a single `CommandComplete` frame followed by `fields`.
pub(crate) fn encode_complete_with(
    tag: u8,
    fields: &[String],
    buf: &mut bytes::BytesMut,
) -> Result<(), crate::EncodeError> {
    check_fields(fields, COMMAND_COMPLETE)?;
    crate::frame::write_frame(tag, buf, |b| {
        put_nul_terminated(b, COMMAND_COMPLETE);
        for field in fields {
            put_nul_terminated(b, field);
        }
    })
}
