//! Every resource limit greenroom enforces, in one place, so the promise "bounded memory and
//! time on any input" can be read (and audited) without hunting through the code. Each limit
//! has a test that hits it and sees a located error; the README's Security section lists them.
//!
//! Sections follow where input comes from. Code elsewhere refers to these constants instead of
//! repeating numbers.

use std::time::Duration;

// ---------------------------------------------------------------- files (catalogue, templates)

/// The largest descriptor file read (Backstage's reader refuses larger ones too).
pub const FILE_BYTES: u64 = 8 * 1024 * 1024;

// ---------------------------------------------------------------- YAML

// ---------------------------------------------------------------- templates (rendering, runs)

// ---------------------------------------------------------------- HTTP (status, remote sources)

/// How much of a status command's output is kept.
pub const COMMAND_OUTPUT_BYTES: u64 = 1 << 20;

/// Kept so `Duration` is in scope for the timeouts the sections above add.
#[allow(dead_code)]
const _DURATION: Duration = Duration::ZERO;
