//! Line-oriented streaming: one reused buffer, malformed lines counted and the
//! first few quoted, never stopping the stream.

use std::io::{self, BufRead};

use crate::Normalizer;
use crate::audit::AuditJoiner;
use crate::error::ParseError;
use crate::event::Event;

/// How many malformed lines [`StreamStats`] quotes.
pub const QUOTED_ERRORS: usize = 5;

/// Longest quote kept for a malformed line, in bytes.
pub const QUOTE_LEN: usize = 200;

/// One quoted malformed line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    /// 1-based line number.
    pub line: u64,
    /// The error (offset into the line).
    pub error: ParseError,
    /// The start of the line (lossy UTF-8, at most [`QUOTE_LEN`] bytes).
    pub quote: String,
}

/// Counters of a [`normalize_reader`] run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamStats {
    /// Lines read (including blank ones).
    pub lines: u64,
    /// Events produced.
    pub events: u64,
    /// Malformed lines.
    pub errors: u64,
    /// The first [`QUOTED_ERRORS`] malformed lines.
    pub first_errors: Vec<BadLine>,
}

/// Reads `reader` line by line (`\\n`-terminated; blank lines skipped), normalizes
/// each with [`Normalizer::line_joining`] and hands events to `sink`; the
/// records of one audit event are joined (default [`crate::JoinConfig`]) and the
/// open ones emitted at the end. Malformed lines are counted, not fatal; only
/// I/O errors stop the stream. Memory is bounded by the longest line and the
/// joiner's limits.
pub fn normalize_reader<R: BufRead>(
    normalizer: &Normalizer,
    mut reader: R,
    mut sink: impl FnMut(Event),
) -> io::Result<StreamStats> {
    let mut stats = StreamStats::default();
    let mut buf = Vec::with_capacity(1024);
    let mut out = Vec::with_capacity(4);
    let mut joiner = AuditJoiner::default();
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            joiner.finish(&mut out);
            stats.events += out.len() as u64;
            out.drain(..).for_each(&mut sink);
            return Ok(stats);
        }
        stats.lines += 1;
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match normalizer.line_joining(&buf, &mut joiner, &mut out) {
            Ok(n) => {
                stats.events += n as u64;
                out.drain(..).for_each(&mut sink);
            }
            Err(error) => {
                stats.errors += 1;
                if stats.first_errors.len() < QUOTED_ERRORS {
                    let end = buf.len().min(QUOTE_LEN);
                    let quote = String::from_utf8_lossy(&buf[..end]).trim_end().to_owned();
                    stats.first_errors.push(BadLine {
                        line: stats.lines,
                        error,
                        quote,
                    });
                }
            }
        }
    }
}
