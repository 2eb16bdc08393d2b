//! The start of a body, for an error message.

use fer_model::redact::{LONGEST_KEY, MASK, is_redacted_key};

/// The usual length of an excerpt, in characters.
pub const EXCERPT_CHARS: usize = 200;

/// The first `max_chars` characters of `body` for an error message or a log, `…` marking a cut.
///
/// Invalid UTF-8 becomes U+FFFD, the cut falls on a character boundary, runs of whitespace and
/// control characters outside strings become one space (one line in a log). Whether or not the
/// body is whole JSON (an excerpt is often of a body cut short, or of JSON inside an HTML page), the
/// value of every key [`fer_model::redact`] names is masked with `"***"` as in
/// [`redact_value`](fer_model::redact::redact_value): an object or array keeps its keys and
/// punctuation with every scalar masked; a value cut short is masked whole. Only the bytes needed
/// for the excerpt are looked at, so a huge body costs no more than a small one.
///
/// ```
/// use fer_http::excerpt;
/// let body = br#"{"id": "b1",
///     "patient_data_rrp": {"snils": "11147535028", "gender": 1}, "Value": "eyJ0", "note": null}"#;
/// assert_eq!(
///     excerpt(body, 200),
///     r#"{"id": "b1", "patient_data_rrp": {"snils": "***", "gender": "***"}, "Value": "***", "note": null}"#
/// );
/// assert_eq!(excerpt("яяя".as_bytes(), 2), "яя…");
/// assert_eq!(excerpt(br#"{"password":"cut sho"#, 200), r#"{"password":"***""#);
/// ```
pub fn excerpt(body: &[u8], max_chars: usize) -> String {
    let mut out = Excerpt { text: String::new(), chars: 0, max: max_chars, cut: false };
    // Bytes beyond this never reach the excerpt unless hidden by masks; a masked value of a longer
    // body is masked to the end, which is safe.
    let window = max_chars.saturating_mul(4).saturating_add(64 << 10).min(body.len());
    let text = String::from_utf8_lossy(&body[..window]);
    let mut lexer = Lexer::default();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if out.cut {
            break;
        }
        lexer.step(c, &mut out, chars.peek().copied());
    }
    lexer.end(&mut out);
    if window < body.len() && !out.cut && !lexer.masking() {
        out.cut = true;
    }
    if out.cut {
        out.text.push('…');
    }
    out.text
}

struct Excerpt {
    text: String,
    chars: usize,
    max: usize,
    cut: bool,
}

impl Excerpt {
    fn push(&mut self, c: char) {
        if self.chars == self.max {
            self.cut = true;
            return;
        }
        self.chars += 1;
        self.text.push(c);
    }

    fn push_str(&mut self, s: &str) {
        s.chars().for_each(|c| self.push(c));
    }
}

/// A forgiving JSON lexer: knows strings, object keys (by position, and a string followed by `:`
/// for matching), and the depth at which masking started.
#[derive(Default)]
struct Lexer {
    /// Inside a string: whether it is masked, and whether the last char was a backslash.
    string: Option<(bool, bool)>,
    /// The text of the last string, when it may be a key.
    last_string: Option<String>,
    /// Collecting a string's text for `last_string`.
    collecting: Option<String>,
    /// The next value is masked.
    mask_next: bool,
    /// Masking a container: its depth (1 = the container itself).
    mask_depth: usize,
    /// Inside a masked scalar (number, true, …): it was replaced already.
    in_masked_scalar: bool,
    /// The last output was a space (or nothing yet).
    spaced: bool,
    /// The open containers, `true` for an object.
    stack: Vec<bool>,
    /// The next string is an object key (after `{` or a `,` in an object).
    expect_key: bool,
}

impl Lexer {
    fn masking(&self) -> bool {
        self.mask_depth > 0 || self.mask_next || self.string.is_some_and(|(m, _)| m)
    }

    fn step(&mut self, c: char, out: &mut Excerpt, next: Option<char>) {
        if let Some((masked, escaped)) = self.string.as_mut() {
            let masked = *masked;
            if *escaped {
                *escaped = false;
            } else if c == '\\' {
                *escaped = true;
            } else if c == '"' {
                self.string = None;
                if masked {
                    out.push_str(MASK);
                    out.push('"');
                } else {
                    out.push('"');
                    self.last_string = self.collecting.take();
                }
                self.spaced = false;
                return;
            }
            if !masked {
                if let Some(s) = self.collecting.as_mut() {
                    if s.len() + c.len_utf8() <= LONGEST_KEY {
                        s.push(c);
                    } else {
                        self.collecting = None;
                    }
                }
                out.push(if c.is_control() { ' ' } else { c });
            }
            return;
        }
        if c.is_whitespace() || c.is_control() {
            self.in_masked_scalar = false;
            if !self.spaced {
                out.push(' ');
                self.spaced = true;
            }
            return;
        }
        self.spaced = false;
        let was_string = self.last_string.take();
        match c {
            '"' => {
                self.in_masked_scalar = false;
                let key = std::mem::take(&mut self.expect_key);
                let masked = !key && (self.mask_depth > 0 || std::mem::take(&mut self.mask_next));
                self.string = Some((masked, false));
                self.collecting = (!masked).then(String::new);
                out.push('"');
            }
            ':' => {
                self.in_masked_scalar = false;
                self.expect_key = false;
                if self.mask_depth == 0 && was_string.is_some_and(|k| is_redacted_key(&k)) {
                    self.mask_next = true;
                }
                out.push(':');
            }
            '{' | '[' => {
                self.in_masked_scalar = false;
                self.stack.push(c == '{');
                self.expect_key = c == '{';
                if self.mask_depth > 0 {
                    self.mask_depth += 1;
                } else if std::mem::take(&mut self.mask_next) {
                    self.mask_depth = 1;
                }
                out.push(c);
            }
            '}' | ']' => {
                self.in_masked_scalar = false;
                self.mask_next = false;
                self.expect_key = false;
                self.stack.pop();
                self.mask_depth = self.mask_depth.saturating_sub(1);
                out.push(c);
            }
            ',' => {
                self.in_masked_scalar = false;
                self.mask_next = false;
                self.expect_key = self.stack.last() == Some(&true);
                out.push(',');
            }
            _ => {
                // A scalar: null stays, anything else masked is replaced once.
                self.expect_key = false;
                if self.in_masked_scalar {
                    return;
                }
                if self.mask_depth > 0 || self.mask_next {
                    self.mask_next = false;
                    let null = c == 'n' && next == Some('u');
                    if null {
                        out.push(c);
                        return;
                    }
                    self.in_masked_scalar = true;
                    out.push('"');
                    out.push_str(MASK);
                    out.push('"');
                } else {
                    out.push(c);
                }
            }
        }
    }

    /// At the end of the input: a masked string cut short is closed with the mask.
    fn end(&mut self, out: &mut Excerpt) {
        if let Some((true, _)) = self.string {
            out.push_str(MASK);
            out.push('"');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_bodies_are_quoted_whole() {
        assert_eq!(excerpt(b"abc", 200), "abc");
        assert_eq!(excerpt(b"not json", 200), "not json");
        assert_eq!(excerpt(&[0xff, b'a'], 200), "\u{fffd}a");
        assert_eq!(excerpt(b"<html>\r\n  <body>503</body>\n</html>", 200), "<html> <body>503</body> </html>");
        assert_eq!(excerpt(b"", 200), "");
    }

    #[test]
    fn the_cut_is_on_a_char_boundary_and_marked() {
        let long = "я".repeat(EXCERPT_CHARS + 10);
        let e = excerpt(long.as_bytes(), EXCERPT_CHARS);
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
        assert!(e.ends_with('…'));
        assert_eq!(excerpt("яя".as_bytes(), 2), "яя");
        // A huge body: only a window is looked at, and the cut is still marked.
        let huge = "a".repeat(10 << 20);
        assert_eq!(excerpt(huge.as_bytes(), 3), "aaa…");
    }

    #[test]
    fn credentials_and_patient_data_are_masked_at_any_depth() {
        let body = br#"{"result":[{"id":"b1","patient_id":"953f8666-21ce-478f-8351-389f27ce8cde","Value":"eyJtoken",
            "patient_data_rrp":{"snils":"11223344595","birthdate":"1999-10-10","n":[1,{"a":2}]}, "phone": 79001234567,
            "email": null, "united_guids": ["g1", "g2"], "escaped": "a\"b", "Password": "p\"w"}],"statusCode":200}"#;
        let e = excerpt(body, 1000);
        for secret in ["953f8666", "eyJtoken", "11223344595", "1999-10-10", "79001234567", "g1", "p\\\"w", "w\""] {
            assert!(!e.contains(secret), "{secret} in {e}");
        }
        assert!(e.contains(r#""patient_id":"***""#) && e.contains(r#""id":"b1""#), "{e}");
        assert!(e.contains(r#""n":["***",{"a":"***"}]"#) && e.contains(r#""email": null"#), "{e}");
        assert!(e.contains(r#""escaped": "a\"b""#) && e.contains(r#""statusCode":200"#), "{e}");
        assert!(e.contains(r#""united_guids": ["***", "***"]"#), "{e}");
    }

    #[test]
    fn bodies_cut_short_never_leak() {
        assert_eq!(excerpt(br#"{"snils":"1122"#, 200), r#"{"snils":"***""#);
        assert_eq!(excerpt(br#"{"patient_data_rrp":{"snils":"1122"#, 200), r#"{"patient_data_rrp":{"snils":"***""#);
        assert_eq!(excerpt(br#"{"phone":7900"#, 200), r#"{"phone":"***""#);
        // A key split by the window is still found: the window is far beyond the excerpt.
        let mut body = format!(r#"{{"pad":"{}","password":"#, "x".repeat(300)).into_bytes();
        body.extend_from_slice(b"\"secret\"}");
        assert!(!excerpt(&body, 1000).contains("secret"));
    }

    /// The excerpt of a whole JSON body masks what `redact_value` masks.
    #[test]
    fn agrees_with_redact_value_on_the_spec_booking_request() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/spec/004/booking_request.json");
        let body = std::fs::read(path).unwrap();
        let mut value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        fer_model::redact::redact_value(&mut value);
        let compact = excerpt(value.to_string().as_bytes(), 10_000);
        let from_raw =
            excerpt(&serde_json::to_vec(&serde_json::from_slice::<serde_json::Value>(&body).unwrap()).unwrap(), 10_000);
        assert_eq!(from_raw, compact);
        assert!(!from_raw.contains("11147535028"), "{from_raw}");
    }
}
