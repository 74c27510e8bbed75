//! Escaping of text that comes from the server (host names, statements, error messages)
//! before it reaches a terminal: control characters could move the cursor, change colours or
//! hide text.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as is: C0/C1 controls, DEL, and the invisible
/// characters that reorder or hide text (bidirectional overrides, zero-width characters).
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}')
}

/// `text` with every character that needs it escaped: `\n`, `\r`, `\t`, `\\x1b`, `\u{202e}`.
/// A backslash is left alone, so ordinary text is unchanged.
pub(crate) fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !needs_escape(c) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    Cow::Owned(out)
}

/// Escapes a whole multi-line text but keeps its line breaks (for the pcp layout on a
/// terminal).
pub(crate) fn escape_keep_newlines(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c != '\n' && c != '\t' && needs_escape(c))
    {
        return Cow::Borrowed(text);
    }
    let lines: Vec<String> = text
        .split('\n')
        .map(|line| {
            line.split('\t')
                .map(|part| escape(part).into_owned())
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect();
    Cow::Owned(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_untouched() {
        assert!(matches!(escape("db1.example.com"), Cow::Borrowed(_)));
        assert_eq!(escape("a\\b"), "a\\b");
        assert_eq!(escape("héllo"), "héllo");
    }

    #[test]
    fn controls_are_escaped() {
        assert_eq!(escape("a\nb\tc\r"), "a\\nb\\tc\\r");
        assert_eq!(escape("\x1b[31mred"), "\\x1b[31mred");
        assert_eq!(escape("\u{7f}\u{85}"), "\\x7f\\x85");
        assert_eq!(escape("x\u{202e}y"), "x\\u{202e}y");
    }

    #[test]
    fn newlines_kept_when_asked() {
        assert_eq!(escape_keep_newlines("a\x1b\nb\tc\n"), "a\\x1b\nb\tc\n");
        assert!(matches!(escape_keep_newlines("a\nb\tc"), Cow::Borrowed(_)));
    }
}
