//! Reading the NUL-terminated strings that make up most payloads, and turning them into values.

use std::str::FromStr;

use crate::error::DecodeError;

/// A cursor over the NUL-terminated strings of a payload.
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    rest: &'a [u8],
}

impl<'a> Fields<'a> {
    /// Starts reading at the beginning of `payload`.
    pub fn new(payload: &'a [u8]) -> Self {
        Fields { rest: payload }
    }

    /// The bytes not read yet.
    pub fn remaining(&self) -> &'a [u8] {
        self.rest
    }

    /// True when every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The next string as raw bytes (without its NUL).
    pub fn next_bytes(&mut self, field: &'static str) -> Result<&'a [u8], DecodeError> {
        if self.rest.is_empty() {
            return Err(DecodeError::MissingField { field });
        }
        let Some(nul) = self.rest.iter().position(|&b| b == 0) else {
            return Err(DecodeError::MissingNul { field });
        };
        let (value, tail) = self.rest.split_at(nul);
        self.rest = tail.get(1..).unwrap_or_default();
        Ok(value)
    }

    /// The next string, which must be UTF-8.
    pub fn next_str(&mut self, field: &'static str) -> Result<&'a str, DecodeError> {
        let bytes = self.next_bytes(field)?;
        std::str::from_utf8(bytes).map_err(|_| DecodeError::InvalidUtf8 { field })
    }

    /// Takes `n` raw bytes (used for the salt and the binary `ArraySize` of pool status).
    pub fn next_raw(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], DecodeError> {
        if self.rest.len() < n {
            return Err(DecodeError::MissingField { field });
        }
        let (value, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(value)
    }

    /// Reads every remaining string. A last chunk without its NUL is an error.
    pub fn collect_all(&mut self, field: &'static str) -> Result<Vec<&'a [u8]>, DecodeError> {
        // One allocation of the right size instead of growing 4 → 8 → 16 → 32 (records have
        // 8 to 21 fields); counting NULs is far cheaper than the reallocations.
        let mut out = Vec::with_capacity(self.rest.iter().filter(|&&b| b == 0).count() + 1);
        while !self.is_empty() {
            out.push(self.next_bytes(field)?);
        }
        Ok(out)
    }

    /// Fails unless every byte has been read.
    pub fn finish(&self, context: &'static str) -> Result<(), DecodeError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes {
                context,
                count: self.rest.len(),
            })
        }
    }
}

/// Checks that a text field is UTF-8.
pub(crate) fn utf8<'a>(bytes: &'a [u8], field: &'static str) -> Result<&'a str, DecodeError> {
    std::str::from_utf8(bytes).map_err(|_| DecodeError::InvalidUtf8 { field })
}

/// Text for free-form fields (SQL statements, configuration values), where a byte that is not
/// UTF-8 must not make the whole reply unreadable: invalid sequences become U+FFFD.
pub(crate) fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Parses a decimal integer, telling "not a number" from "does not fit".
pub(crate) fn number<T>(bytes: &[u8], field: &'static str) -> Result<T, DecodeError>
where
    T: FromStr<Err = std::num::ParseIntError> + TryFrom<u64>,
{
    // Fast path for what servers send: up to 19 ASCII digits cannot overflow a u64 and need
    // neither UTF-8 validation nor the generic parser. Anything else (signs, other bytes,
    // longer or out-of-range values) takes the general path, which also builds the errors.
    if !bytes.is_empty() && bytes.len() <= 19 && bytes.iter().all(u8::is_ascii_digit) {
        let value = bytes
            .iter()
            .fold(0u64, |acc, &d| acc * 10 + u64::from(d - b'0'));
        if let Ok(value) = T::try_from(value) {
            return Ok(value);
        }
    }
    let text = utf8(bytes, field)?;
    text.parse::<T>().map_err(|e| {
        use std::num::IntErrorKind;
        match e.kind() {
            IntErrorKind::PosOverflow | IntErrorKind::NegOverflow => {
                DecodeError::NumberOutOfRange {
                    field,
                    text: text.to_owned(),
                }
            }
            _ => DecodeError::InvalidNumber {
                field,
                text: text.to_owned(),
            },
        }
    })
}

/// Parses a decimal floating-point value as printed by C's `%f` (`nan`/`inf` included).
pub(crate) fn float(bytes: &[u8], field: &'static str) -> Result<f64, DecodeError> {
    let text = utf8(bytes, field)?;
    text.trim()
        .parse::<f64>()
        .map_err(|_| DecodeError::InvalidNumber {
            field,
            text: text.to_owned(),
        })
}

/// Parses a `0`/`1` flag.
pub(crate) fn flag(bytes: &[u8], field: &'static str) -> Result<bool, DecodeError> {
    match bytes {
        b"0" => Ok(false),
        b"1" => Ok(true),
        other => Err(DecodeError::InvalidNumber {
            field,
            text: lossy(other),
        }),
    }
}

/// An empty string means "not reported".
pub(crate) fn non_empty(bytes: &[u8]) -> Option<&[u8]> {
    (!bytes.is_empty()).then_some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_strings_in_order() {
        let mut f = Fields::new(b"CommandComplete\x002\x00\x00");
        assert_eq!(f.next_str("tag").unwrap(), "CommandComplete");
        assert_eq!(f.next_str("n").unwrap(), "2");
        assert_eq!(f.next_str("empty").unwrap(), "");
        assert!(f.is_empty());
        assert_eq!(
            f.next_str("more"),
            Err(DecodeError::MissingField { field: "more" })
        );
    }

    #[test]
    fn missing_nul_is_an_error() {
        let mut f = Fields::new(b"abc");
        assert_eq!(
            f.next_bytes("x"),
            Err(DecodeError::MissingNul { field: "x" })
        );
    }

    #[test]
    fn number_fast_path_agrees_with_the_general_parser() {
        assert_eq!(number::<u64>(b"0", "n"), Ok(0));
        assert_eq!(number::<u64>(b"007", "n"), Ok(7));
        assert_eq!(
            number::<u64>(b"9999999999999999999", "n"),
            Ok(9_999_999_999_999_999_999)
        );
        assert_eq!(number::<u64>(b"18446744073709551615", "n"), Ok(u64::MAX));
        assert_eq!(
            number::<u64>(b"18446744073709551616", "n"),
            Err(DecodeError::NumberOutOfRange {
                field: "n",
                text: "18446744073709551616".into()
            })
        );
        assert_eq!(number::<u16>(b"65535", "port"), Ok(65535));
        assert_eq!(
            number::<u16>(b"65536", "port"),
            Err(DecodeError::NumberOutOfRange {
                field: "port",
                text: "65536".into()
            })
        );
        assert_eq!(number::<u32>(b"+5", "n"), Ok(5), "as str::parse accepts it");
        assert_eq!(
            number::<u32>(b"-5", "n"),
            Err(DecodeError::InvalidNumber {
                field: "n",
                text: "-5".into()
            })
        );
        assert_eq!(
            number::<u32>(b"1\xff", "n"),
            Err(DecodeError::InvalidUtf8 { field: "n" })
        );
    }

    #[test]
    fn collect_all_sizes_and_errors() {
        let mut f = Fields::new(b"a\0\0bc\0");
        let all = f.collect_all("x").unwrap();
        assert_eq!(all, vec![&b"a"[..], b"", b"bc"]);
        assert!(all.capacity() >= 3);
        assert!(f.is_empty());
        assert_eq!(Fields::new(b"").collect_all("x"), Ok(vec![]));
        assert_eq!(
            Fields::new(b"a\0b").collect_all("x"),
            Err(DecodeError::MissingNul { field: "x" })
        );
    }

    #[test]
    fn numbers_report_overflow_separately() {
        assert_eq!(number::<u16>(b"5433", "port"), Ok(5433));
        assert_eq!(
            number::<u16>(b"70000", "port"),
            Err(DecodeError::NumberOutOfRange {
                field: "port",
                text: "70000".into()
            })
        );
        assert_eq!(
            number::<u16>(b"x1", "port"),
            Err(DecodeError::InvalidNumber {
                field: "port",
                text: "x1".into()
            })
        );
        assert_eq!(
            number::<u64>(b"", "n"),
            Err(DecodeError::InvalidNumber {
                field: "n",
                text: "".into()
            })
        );
    }
}
