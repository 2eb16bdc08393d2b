//! A table body read record by record: from bytes in memory ([`crate::validate_raw`]) or from any
//! [`std::io::Read`] through a bounded buffer ([`crate::validate_reader`]). The body's structure is read
//! step by step (`{"data": [` … `,` … `]}`, a bare array, or NDJSON lines), and each record is
//! read into the borrowed tree, checked and dropped before the next one is read.

use std::io;

use super::json::Json;
use super::scan::{self, Read, Step, SyntaxError};

/// The buffer of a body read from a reader: 1 MiB, a few thousand records.
pub(crate) const CHUNK: usize = 1 << 20;

/// How a body holds its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BodyForm {
    /// One JSON value: `{"data": [...]}` (pointers `/data/<i>/…`) or a bare array (`/<i>/…`).
    #[default]
    Json,
    /// One record per line (blank lines skipped), pointers `/data/<i>/…` with `i` counting records.
    Ndjson,
}

/// Why a body could not be read to its end.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// The body is not JSON (or a line of NDJSON is not).
    #[error("line {line}, column {column}: {reason}{}", record.map(|i| format!(" (record {i})")).unwrap_or_default())]
    Malformed {
        /// 1-based line of the offending byte.
        line: usize,
        /// 1-based column (in bytes) of the offending byte.
        column: usize,
        /// The index of the record being read, when the error is inside the list of records.
        record: Option<usize>,
        /// What is wrong.
        reason: String,
    },
    /// Reading failed.
    #[error("cannot read the body: {source}")]
    Io {
        /// Why.
        #[source]
        source: io::Error,
    },
}

/// Where the text comes from: a window onto the unread part of the body, checked to be UTF-8
/// once (per body in memory, per chunk read), so that the reader slices strings from it without
/// checking each again.
pub(crate) trait Source {
    /// The text read and not consumed yet.
    fn window(&self) -> &str;
    /// True when nothing is left to read beyond the window.
    fn at_eof(&self) -> bool;
    /// True when the window ends where the body stops being UTF-8.
    fn bad_utf8(&self) -> bool;
    /// Drops `n` bytes from the front of the window.
    fn consume(&mut self, n: usize);
    /// Reads more into the window; false when there was nothing more.
    fn fill(&mut self) -> io::Result<bool>;
    /// Line and column of the byte at `at` in the window.
    fn position(&self, at: usize) -> (usize, usize);
}

/// The longest prefix of `bytes` that is UTF-8, whether bytes that are not follow it (`Some(true)`),
/// or only the start of a character cut short (`Some(false)`), or nothing (`None`).
fn utf8_prefix(bytes: &[u8]) -> (&str, Option<bool>) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(e) => {
            let text = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
            (text, Some(e.error_len().is_some()))
        }
    }
}

/// A body in memory.
pub(crate) struct SliceSource<'b> {
    text: &'b str,
    bad: bool,
    pos: usize,
}

impl<'b> SliceSource<'b> {
    pub(crate) fn new(body: &'b [u8]) -> Self {
        let (text, rest) = utf8_prefix(body);
        SliceSource { text, bad: rest.is_some(), pos: 0 }
    }
}

impl Source for SliceSource<'_> {
    fn window(&self) -> &str {
        self.text.get(self.pos..).unwrap_or_default()
    }
    fn at_eof(&self) -> bool {
        true
    }
    fn bad_utf8(&self) -> bool {
        self.bad
    }
    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.text.len());
    }
    fn fill(&mut self) -> io::Result<bool> {
        Ok(false)
    }
    fn position(&self, at: usize) -> (usize, usize) {
        scan::line_column(self.text.as_bytes(), self.pos + at)
    }
}

/// A body read from a reader through a buffer that holds the unread part of the current chunk
/// (grown only for a single value larger than it).
pub(crate) struct ReaderSource<R> {
    reader: R,
    text: String,
    pos: usize,
    /// Bytes read and not yet text: a character cut by the end of a read.
    pending: Vec<u8>,
    scratch: Vec<u8>,
    eof: bool,
    bad: bool,
    chunk: usize,
    /// Lines consumed before the buffer, and bytes since the last newline consumed.
    lines: usize,
    column: usize,
}

impl<R: io::Read> ReaderSource<R> {
    pub(crate) fn new(reader: R, chunk: usize) -> Self {
        ReaderSource {
            reader,
            text: String::with_capacity(chunk),
            pos: 0,
            pending: Vec::new(),
            scratch: Vec::new(),
            eof: false,
            bad: false,
            chunk: chunk.max(1),
            lines: 0,
            column: 0,
        }
    }
}

impl<R: io::Read> Source for ReaderSource<R> {
    fn window(&self) -> &str {
        self.text.get(self.pos..).unwrap_or_default()
    }
    fn at_eof(&self) -> bool {
        self.eof
    }
    fn bad_utf8(&self) -> bool {
        self.bad
    }
    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.text.len());
    }
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 {
            let gone = &self.text.as_bytes()[..self.pos];
            match gone.iter().rposition(|c| *c == b'\n') {
                Some(last) => {
                    self.lines += gone.iter().filter(|c| **c == b'\n').count();
                    self.column = gone.len() - last - 1;
                }
                None => self.column += gone.len(),
            }
            // Consumed up to the end of a token: always a character boundary.
            if self.text.is_char_boundary(self.pos) {
                self.text.drain(..self.pos);
            } else {
                self.text = self.text.get(self.pos..).unwrap_or_default().to_owned();
            }
            self.pos = 0;
        }
        // A value larger than the chunk: read another chunk after it.
        let want = self.chunk.max(self.text.len());
        let mut bytes = std::mem::take(&mut self.scratch);
        bytes.clear();
        bytes.append(&mut self.pending);
        let start = bytes.len();
        bytes.resize(start + want, 0);
        let mut got = 0;
        while got < want {
            match self.reader.read(&mut bytes[start + got..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    bytes.truncate(start + got);
                    self.pending = bytes;
                    return Err(e);
                }
            }
        }
        bytes.truncate(start + got);
        let (text, rest) = utf8_prefix(&bytes);
        self.text.push_str(text);
        match rest {
            None => {}
            // Bytes that are not UTF-8: nothing after them is read.
            Some(true) => {
                self.bad = true;
                self.eof = true;
            }
            // A character cut short: kept for the next read, or not UTF-8 at the end.
            Some(false) if self.eof => self.bad = true,
            Some(false) => self.pending.extend_from_slice(&bytes[text.len()..]),
        }
        self.scratch = bytes;
        Ok(got > 0 || !self.eof)
    }
    fn position(&self, at: usize) -> (usize, usize) {
        let text = self.text.as_bytes();
        let before = &text[..(self.pos + at).min(text.len())];
        match before.iter().rposition(|c| *c == b'\n') {
            Some(last) => (self.lines + before.iter().filter(|c| **c == b'\n').count() + 1, before.len() - last),
            None => (self.lines + 1, self.column + before.len() + 1),
        }
    }
}

/// What receives the records of a body.
pub(crate) trait Records {
    /// Record `i`, at `<prefix>/<i>`.
    fn record(&mut self, prefix: &'static str, i: usize, item: &Json<'_>);
    /// Forget every record so far: a later `data` key replaces the earlier one (the last one
    /// counts, as in serde_json).
    fn reset(&mut self);
}

/// How the body turned out when it was read to its end.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// The records were read; `others` are the keys of the body besides `data`, in order.
    Records { others: Vec<String> },
    /// `data` is not an array (`others` as above).
    DataNotArray { others: Vec<String> },
    /// The body is neither an array nor an object with `data`.
    NotABatch,
}

struct Driver<'s, S> {
    src: &'s mut S,
    /// The record being read, for errors.
    record: Option<usize>,
}

impl<S: Source> Driver<'_, S> {
    fn malformed(&self, at: usize, reason: &str) -> StreamError {
        let (line, column) = self.src.position(at);
        StreamError::Malformed { line, column, record: self.record, reason: reason.to_owned() }
    }

    /// Runs one step on the window, reading more while it asks for more.
    fn step<T>(&mut self, mut f: impl FnMut(&str, bool) -> Read<T>) -> Result<T, StreamError> {
        loop {
            match f(self.src.window(), self.src.at_eof()) {
                Ok(Step::Done(v, n)) => {
                    self.src.consume(n);
                    return Ok(v);
                }
                Ok(Step::More) => {
                    let more = self.src.fill().map_err(|source| StreamError::Io { source })?;
                    if !more && self.src.at_eof() {
                        // Try once more with the end of input known (a number may end there).
                        match f(self.src.window(), true) {
                            Ok(Step::Done(v, n)) => {
                                self.src.consume(n);
                                return Ok(v);
                            }
                            Ok(Step::More) => return Err(self.end_of_text()),
                            Err(SyntaxError { at, reason }) => return Err(self.malformed(at, reason)),
                        }
                    }
                }
                Err(SyntaxError { at, reason }) => return Err(self.malformed(at, reason)),
            }
        }
    }

    /// The error where the text ends too early: the body is cut short, or not UTF-8 from there.
    fn end_of_text(&self) -> StreamError {
        let end = self.src.window().len();
        self.malformed(end, if self.src.bad_utf8() { "not UTF-8" } else { "EOF while parsing a value" })
    }

    /// The next byte after white space, not consumed (`None` at the end of the input).
    fn peek(&mut self) -> Result<Option<u8>, StreamError> {
        self.step(|t, eof| {
            let b = t.as_bytes();
            let at = scan::skip_ws(b, 0);
            match b.get(at) {
                Some(c) => Ok(Step::Done(Some(*c), at)),
                None if eof => Ok(Step::Done(None, at)),
                None => Ok(Step::More),
            }
        })
    }

    /// Consumes the byte `peek` gave.
    fn bump(&mut self) {
        self.src.consume(1);
    }

    fn expect_end(&mut self) -> Result<(), StreamError> {
        match self.peek()? {
            None if self.src.bad_utf8() => Err(self.end_of_text()),
            None => Ok(()),
            Some(_) => Err(self.malformed(0, "trailing characters")),
        }
    }
}

/// Reads a whole body of `form` from `src`, handing every record to `sink`.
pub(crate) fn read_body<S: Source>(
    src: &mut S,
    form: BodyForm,
    sink: &mut impl Records,
) -> Result<Outcome, StreamError> {
    let mut d = Driver { src, record: None };
    if form == BodyForm::Ndjson {
        ndjson(&mut d, sink)?;
        return Ok(Outcome::Records { others: Vec::new() });
    }
    match d.peek()? {
        Some(b'[') => {
            d.bump();
            records(&mut d, "", sink)?;
            d.expect_end()?;
            Ok(Outcome::Records { others: Vec::new() })
        }
        Some(b'{') => {
            d.bump();
            let (mut others, mut data) = (Vec::new(), None);
            if d.peek()? == Some(b'}') {
                d.bump();
            } else {
                loop {
                    let key = d.step(|b, _| match scan::string(b, 0)? {
                        Step::Done(k, n) => Ok(Step::Done(k.into_owned(), n)),
                        Step::More => Ok(Step::More),
                    })?;
                    if d.peek()? != Some(b':') {
                        return Err(d.malformed(0, "expected `:`"));
                    }
                    d.bump();
                    if key == "data" {
                        if data.is_some() {
                            sink.reset();
                        }
                        if d.peek()? == Some(b'[') {
                            d.bump();
                            records(&mut d, "/data", sink)?;
                            data = Some(true);
                        } else {
                            d.step(|b, eof| scan::skip(b, 0, eof))?;
                            data = Some(false);
                        }
                    } else {
                        d.step(|b, eof| scan::skip(b, 0, eof))?;
                        others.push(key);
                    }
                    match d.peek()? {
                        Some(b',') => d.bump(),
                        Some(b'}') => {
                            d.bump();
                            break;
                        }
                        _ => return Err(d.malformed(0, "expected `,` or `}`")),
                    }
                }
            }
            d.expect_end()?;
            Ok(match data {
                Some(true) => Outcome::Records { others },
                Some(false) => Outcome::DataNotArray { others },
                None => Outcome::NotABatch,
            })
        }
        Some(_) => {
            d.step(|b, eof| scan::skip(b, 0, eof))?;
            d.expect_end()?;
            Ok(Outcome::NotABatch)
        }
        None => Err(d.end_of_text()),
    }
}

/// The records of an array whose `[` was consumed.
fn records<S: Source>(d: &mut Driver<'_, S>, prefix: &'static str, sink: &mut impl Records) -> Result<(), StreamError> {
    if d.peek()? == Some(b']') {
        d.bump();
        return Ok(());
    }
    let mut i = 0;
    loop {
        d.record = Some(i);
        d.step(|b, eof| match scan::value(b, 0, eof)? {
            Step::Done(item, n) => {
                sink.record(prefix, i, &item);
                Ok(Step::Done((), n))
            }
            Step::More => Ok(Step::More),
        })?;
        i += 1;
        match d.peek()? {
            Some(b',') => d.bump(),
            Some(b']') => {
                d.bump();
                d.record = None;
                return Ok(());
            }
            _ => return Err(d.malformed(0, "expected `,` or `]`")),
        }
    }
}

/// One record per non-blank line.
fn ndjson<S: Source>(d: &mut Driver<'_, S>, sink: &mut impl Records) -> Result<(), StreamError> {
    let mut i = 0;
    loop {
        // The next line, whole.
        let line = d.step(|t, eof| match t.as_bytes().iter().position(|c| *c == b'\n') {
            Some(end) => Ok(Step::Done(Some(end), 0)),
            None if eof => Ok(Step::Done(if t.is_empty() { None } else { Some(t.len()) }, 0)),
            None => Ok(Step::More),
        })?;
        let Some(len) = line else {
            return if d.src.bad_utf8() { Err(d.end_of_text()) } else { Ok(()) };
        };
        let window = d.src.window();
        let text = window.get(..len).unwrap_or_default();
        let start = scan::skip_ws(text.as_bytes(), 0);
        if start == text.len() {
            d.src.consume((len + 1).min(window.len()));
            continue;
        }
        d.record = Some(i);
        match scan::value(text, start, true) {
            Ok(Step::Done(item, end)) => {
                let after = scan::skip_ws(text.as_bytes(), end);
                if after != text.len() {
                    return Err(d.malformed(after, "trailing characters"));
                }
                sink.record("/data", i, &item);
            }
            Ok(Step::More) if len == window.len() => return Err(d.end_of_text()),
            Ok(Step::More) => return Err(d.malformed(len, "EOF while parsing a value")),
            Err(SyntaxError { at, reason }) => return Err(d.malformed(at, reason)),
        }
        d.src.consume((len + 1).min(d.src.window().len()));
        i += 1;
    }
}
