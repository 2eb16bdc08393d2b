//! A hand-rolled JSON reader that builds the borrowed tree ([`Json`]) straight from bytes.
//!
//! serde_json reads a record twice in the tree path (once to split the body into records, once
//! into the tree) and goes through serde's visitor machinery for every token. This reader does one
//! pass over each record's bytes: strings without escapes are borrowed from the input, numbers are
//! kept as [`serde_json::Number`] exactly as serde_json makes them (integers as `u64` / `i64`, the
//! rest as `f64`), UTF-8 is checked string by string (outside strings JSON is ASCII, and anything
//! else is a syntax error there), and nesting is limited to 128 levels as serde_json's is, so a
//! hostile body cannot exhaust the stack.
//!
//! It reads one value at a time from a slice that may end in the middle of one: it then answers
//! [`Step::More`] and the caller reads more input and calls again from the same offset. That is
//! what lets a file be validated record by record from a buffered reader.

use std::borrow::Cow;

use serde_json::Number;

use super::json::{Json, Object};

/// Deeper nesting than this is refused (serde_json's own recursion limit).
const MAX_DEPTH: usize = 128;

/// Why the bytes are not JSON, at a byte offset of the slice read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    /// Offset of the offending byte in the slice given to the reader.
    pub at: usize,
    /// What was wrong, in English (as serde_json words it where it can).
    pub reason: &'static str,
}

/// The outcome of one read.
#[derive(Debug)]
pub(crate) enum Step<T> {
    /// A whole value, and the offset just after it.
    Done(T, usize),
    /// The slice ended first: read more and call again at the same offset (at the end of the
    /// input this is an "EOF while parsing" error).
    More,
}

/// The result of one read.
pub(crate) type Read<T> = Result<Step<T>, SyntaxError>;

fn err<T>(at: usize, reason: &'static str) -> Result<T, Fault> {
    Err(Fault::Syntax(SyntaxError { at, reason }))
}

/// Internal: a syntax error, or the end of the slice.
enum Fault {
    Syntax(SyntaxError),
    More,
}

fn lift<T>(r: Result<(T, usize), Fault>) -> Read<T> {
    match r {
        Ok((v, end)) => Ok(Step::Done(v, end)),
        Err(Fault::More) => Ok(Step::More),
        Err(Fault::Syntax(e)) => Err(e),
    }
}

/// Skips JSON white space from `at`; the offset of the next byte (may be `b.len()`).
#[inline]
pub(crate) fn skip_ws(b: &[u8], mut at: usize) -> usize {
    while let Some(c) = b.get(at) {
        if !matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
            break;
        }
        at += 1;
    }
    at
}

/// Reads one JSON value starting at `at` (white space before it skipped). `eof` says the slice
/// is the end of the input (a number may end with it).
pub(crate) fn value(t: &str, at: usize, eof: bool) -> Read<Json<'_>> {
    lift(Reader { t, b: t.as_bytes(), eof }.value(skip_ws(t.as_bytes(), at), 0))
}

/// Reads one string (the opening quote at `at`, white space before it skipped).
pub(crate) fn string(t: &str, at: usize) -> Read<Cow<'_, str>> {
    let b = t.as_bytes();
    let at = skip_ws(b, at);
    match b.get(at) {
        None => Ok(Step::More),
        Some(b'"') => lift(Reader { t, b, eof: false }.string(at + 1)),
        Some(_) => Err(SyntaxError { at, reason: "key must be a string" }),
    }
}

/// Skips one JSON value from `at`, checking it as [`value`] does without building it.
pub(crate) fn skip(t: &str, at: usize, eof: bool) -> Read<()> {
    // Building and dropping the tree is simple and checks exactly what `value` checks; values
    // skipped are the rare keys of a body besides `data`.
    match value(t, at, eof)? {
        Step::Done(_, end) => Ok(Step::Done((), end)),
        Step::More => Ok(Step::More),
    }
}

/// Reads text already known to be UTF-8 (checked once per body or per chunk read, not per
/// string): strings are slices of it.
struct Reader<'a> {
    t: &'a str,
    b: &'a [u8],
    eof: bool,
}

impl<'a> Reader<'a> {
    #[inline]
    fn byte(&self, at: usize) -> Result<u8, Fault> {
        self.b.get(at).copied().ok_or(Fault::More)
    }

    /// The byte at `at` inside a number: `None` at the end of the input.
    #[inline]
    fn num_byte(&self, at: usize) -> Result<Option<u8>, Fault> {
        match self.b.get(at) {
            Some(c) => Ok(Some(*c)),
            None if self.eof => Ok(None),
            None => Err(Fault::More),
        }
    }

    fn value(&self, at: usize, depth: usize) -> Result<(Json<'a>, usize), Fault> {
        match self.byte(at)? {
            b'"' => self.string(at + 1).map(|(s, end)| (Json::String(s), end)),
            b'{' => self.object(at, depth),
            b'[' => self.array(at, depth),
            b't' => self.literal(at, b"true", Json::Bool(true)),
            b'f' => self.literal(at, b"false", Json::Bool(false)),
            b'n' => self.literal(at, b"null", Json::Null),
            b'-' | b'0'..=b'9' => self.number(at),
            _ => err(at, "expected value"),
        }
    }

    fn literal(&self, at: usize, word: &'static [u8], v: Json<'a>) -> Result<(Json<'a>, usize), Fault> {
        for (k, want) in word.iter().enumerate() {
            if self.byte(at + k)? != *want {
                return err(at + k, "expected ident");
            }
        }
        Ok((v, at + word.len()))
    }

    fn object(&self, start: usize, depth: usize) -> Result<(Json<'a>, usize), Fault> {
        if depth >= MAX_DEPTH {
            return err(start, "recursion limit exceeded");
        }
        let mut members = Vec::with_capacity(12);
        let mut at = skip_ws(self.b, start + 1);
        if self.byte(at)? == b'}' {
            return Ok((Json::Object(Object::from_members(members)), at + 1));
        }
        loop {
            if self.byte(at)? != b'"' {
                return err(at, "key must be a string");
            }
            let (key, end) = self.string(at + 1)?;
            at = skip_ws(self.b, end);
            if self.byte(at)? != b':' {
                return err(at, "expected `:`");
            }
            at = skip_ws(self.b, at + 1);
            let (v, end) = self.value(at, depth + 1)?;
            members.push((key, v));
            at = skip_ws(self.b, end);
            match self.byte(at)? {
                b',' => at = skip_ws(self.b, at + 1),
                b'}' => return Ok((Json::Object(Object::from_members(members)), at + 1)),
                _ => return err(at, "expected `,` or `}`"),
            }
        }
    }

    fn array(&self, start: usize, depth: usize) -> Result<(Json<'a>, usize), Fault> {
        if depth >= MAX_DEPTH {
            return err(start, "recursion limit exceeded");
        }
        let mut items = Vec::new();
        let mut at = skip_ws(self.b, start + 1);
        if self.byte(at)? == b']' {
            return Ok((Json::Array(items), at + 1));
        }
        loop {
            let (v, end) = self.value(at, depth + 1)?;
            items.push(v);
            at = skip_ws(self.b, end);
            match self.byte(at)? {
                b',' => at = skip_ws(self.b, at + 1),
                b']' => return Ok((Json::Array(items), at + 1)),
                _ => return err(at, "expected `,` or `]`"),
            }
        }
    }

    /// A string whose opening quote is just before `at`.
    fn string(&self, at: usize) -> Result<(Cow<'a, str>, usize), Fault> {
        let b = self.b;
        // The common case: no escape, borrowed. One tight search for the byte that ends it.
        let Some(len) = b.get(at..).and_then(string_end) else {
            return Err(Fault::More);
        };
        let mut i = at + len;
        match b[i] {
            b'"' => {
                return match self.t.get(at..i) {
                    Some(text) => Ok((Cow::Borrowed(text), i + 1)),
                    None => err(at, "not UTF-8"),
                };
            }
            b'\\' => {}
            _ => return err(i, "control character (\\u0000-\\u001F) found while parsing a string"),
        }
        let mut owned: Vec<u8> = Vec::with_capacity(i - at + 16);
        owned.extend_from_slice(&b[at..i]);
        loop {
            let c = self.byte(i)?;
            match c {
                b'"' => {
                    return match String::from_utf8(owned) {
                        Ok(s) => Ok((Cow::Owned(s), i + 1)),
                        Err(e) => err(at + e.utf8_error().valid_up_to(), "not UTF-8"),
                    };
                }
                b'\\' => {
                    let e = self.byte(i + 1)?;
                    i += 2;
                    match e {
                        b'"' => owned.push(b'"'),
                        b'\\' => owned.push(b'\\'),
                        b'/' => owned.push(b'/'),
                        b'b' => owned.push(8),
                        b'f' => owned.push(12),
                        b'n' => owned.push(b'\n'),
                        b'r' => owned.push(b'\r'),
                        b't' => owned.push(b'\t'),
                        b'u' => {
                            let (ch, end) = self.unicode_escape(i)?;
                            i = end;
                            let mut buf = [0u8; 4];
                            owned.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => return err(i - 1, "invalid escape"),
                    }
                }
                0..=0x1f => return err(i, "control character (\\u0000-\\u001F) found while parsing a string"),
                _ => {
                    owned.push(c);
                    i += 1;
                }
            }
        }
    }

    /// Four hex digits at `at` (after `\u`), with the low half of a surrogate pair when needed.
    fn unicode_escape(&self, at: usize) -> Result<(char, usize), Fault> {
        let first = self.hex4(at)?;
        let mut end = at + 4;
        let code = if (0xD800..0xDC00).contains(&first) {
            if self.byte(end)? != b'\\' || self.byte(end + 1)? != b'u' {
                return err(end, "lone leading surrogate in hex escape");
            }
            let second = self.hex4(end + 2)?;
            if !(0xDC00..0xE000).contains(&second) {
                return err(end + 2, "lone leading surrogate in hex escape");
            }
            end += 6;
            0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        } else if (0xDC00..0xE000).contains(&first) {
            return err(at, "lone leading surrogate in hex escape");
        } else {
            first
        };
        match char::from_u32(code) {
            Some(c) => Ok((c, end)),
            None => err(at, "invalid unicode code point"),
        }
    }

    fn hex4(&self, at: usize) -> Result<u32, Fault> {
        let mut v = 0u32;
        for k in 0..4 {
            let c = self.byte(at + k)?;
            let d = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => return err(at + k, "invalid escape"),
            };
            v = v * 16 + u32::from(d);
        }
        Ok(v)
    }

    fn number(&self, start: usize) -> Result<(Json<'a>, usize), Fault> {
        let b = self.b;
        let mut i = start;
        let negative = b[i] == b'-';
        if negative {
            i += 1;
        }
        let digits = |i: usize| -> Result<usize, Fault> {
            let mut j = i;
            while self.num_byte(j)?.is_some_and(|c| c.is_ascii_digit()) {
                j += 1;
            }
            Ok(j)
        };
        let int_start = i;
        match self.num_byte(i)? {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => i = digits(i)?,
            _ => return err(i, "invalid number"),
        }
        let int_end = i;
        let mut float = false;
        if self.num_byte(i)? == Some(b'.') {
            float = true;
            let j = digits(i + 1)?;
            if j == i + 1 {
                return err(j, "invalid number");
            }
            i = j;
        }
        if matches!(self.num_byte(i)?, Some(b'e' | b'E')) {
            float = true;
            i += 1;
            if matches!(self.num_byte(i)?, Some(b'+' | b'-')) {
                i += 1;
            }
            let j = digits(i)?;
            if j == i {
                return err(j, "invalid number");
            }
            i = j;
        }
        // The number ends at a byte that is not part of it: the caller checks what follows.
        let Some(text) = self.t.get(start..i) else { return err(start, "invalid number") };
        if !float {
            let magnitude = &b[int_start..int_end];
            if magnitude.len() <= 19 {
                let mut v = 0u64;
                for c in magnitude {
                    v = v * 10 + u64::from(c - b'0');
                }
                if !negative {
                    return Ok((Json::Number(v.into()), i));
                }
                if v == 0 {
                    // -0 is the float -0.0, as serde_json reads it.
                    return match Number::from_f64(-0.0) {
                        Some(n) => Ok((Json::Number(n), i)),
                        None => err(start, "invalid number"),
                    };
                }
                if v <= i64::MAX as u64 + 1 {
                    let n = (v as i64).wrapping_neg();
                    return Ok((Json::Number(n.into()), i));
                }
            } else if !negative && let Ok(v) = text.parse::<u64>() {
                return Ok((Json::Number(v.into()), i));
            }
        }
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => match Number::from_f64(f) {
                Some(n) => Ok((Json::Number(n), i)),
                None => err(start, "number out of range"),
            },
            _ => err(start, "number out of range"),
        }
    }
}

/// The offset of the first byte that ends a string's plain run (`"`, `\\` or a control
/// character), eight bytes at a time: each test is the classic "has a zero byte" bit trick on the
/// word XORed with the byte sought, exact for the lowest byte that matches.
#[inline]
fn string_end(b: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut at = 0;
    while let Some(chunk) = b.get(at..at + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let v = u64::from_le_bytes(word);
        let quote = v ^ (ONES * u64::from(b'"'));
        let slash = v ^ (ONES * u64::from(b'\\'));
        let found = (quote.wrapping_sub(ONES) & !quote)
            | (slash.wrapping_sub(ONES) & !slash)
            | (v.wrapping_sub(ONES * 0x20) & !v);
        let found = found & HIGH;
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    b[at..].iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20).map(|k| at + k)
}

/// Line and column (1-based, column in bytes) of `offset` in `b`.
pub(crate) fn line_column(b: &[u8], offset: usize) -> (usize, usize) {
    let before = &b[..offset.min(b.len())];
    let line = before.iter().filter(|c| **c == b'\n').count() + 1;
    let column = before.len() - before.iter().rposition(|c| *c == b'\n').map_or(0, |at| at + 1) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Json<'_>, Option<SyntaxError>> {
        match value(text, 0, true) {
            Ok(Step::Done(v, end)) if skip_ws(text.as_bytes(), end) == text.len() => Ok(v),
            Ok(Step::Done(..)) => Err(Some(SyntaxError { at: 0, reason: "trailing characters" })),
            Ok(Step::More) => Err(None),
            Err(e) => Err(Some(e)),
        }
    }

    #[test]
    fn reads_what_serde_json_reads() {
        for text in [
            r#"{"a": null, "b": true, "c": 7, "d": -2, "e": 2.5, "f": "plain", "g": "esc\"aped\u0041\ud83d\ude00",
                "h": [1, "x", [], {}], "i": {"j": {}}, "a": 1, "k": -0, "l": 1e3, "m": 18446744073709551615,
                "n": 18446744073709551616, "o": -9223372036854775808, "p": -9223372036854775809, "q": "Запись"}"#,
            "[]",
            "  \"x\" ",
            "0",
            "-1.5E-3",
        ] {
            let ours = read(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
            let theirs: Json = serde_json::from_str(text).unwrap();
            assert_eq!(ours, theirs, "{text}");
        }
    }

    #[test]
    fn refuses_what_serde_json_refuses() {
        for text in [
            "{",
            "[1,]",
            r#"{"a" 1}"#,
            "nul",
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "\"\u{1}\"",
            r#""\x""#,
            r#""\ud800""#,
            "1e400",
            "[1 2]",
            r#"{"a":1,}"#,
            "{1:2}",
        ] {
            assert!(serde_json::from_str::<Json>(text).is_err(), "serde_json takes {text}");
            assert!(read(text).is_err(), "{text}");
        }
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(read(&deep).is_err());
    }

    #[test]
    fn a_cut_value_asks_for_more() {
        let text = r#"{"id": "abc", "n": [1, 2.5e1]}"#;
        for cut in 1..text.len() {
            assert!(matches!(value(&text[..cut], 0, false), Ok(Step::More)), "{cut}");
        }
        assert!(matches!(string("  \"k\\\"ey\": 1", 0), Ok(Step::Done(Cow::Owned(k), 9)) if k == "k\"ey"));
        assert_eq!(line_column(b"ab\ncd", 4), (2, 2));
    }

    #[test]
    fn the_end_of_a_plain_run_is_found_at_every_offset() {
        for len in 0..40 {
            for end in [b'"', b'\\', 0x1f, 0] {
                let mut b: Vec<u8> = (0..len).map(|k| b"ab\x7f\xc3\xa9 ~!"[k % 8]).collect();
                b.push(end);
                b.extend_from_slice(b"\"xx\\");
                assert_eq!(string_end(&b), Some(len), "{len} {end}");
            }
            let plain: Vec<u8> = (0..len).map(|k| b'a' + (k % 26) as u8).collect();
            assert_eq!(string_end(&plain), None);
        }
    }
}
