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

/// Nodes that aliases may copy into one document, in total (an alias bomb is refused).
pub const YAML_ALIAS_NODES: usize = 10_000;

/// Deepest nesting of maps and lists in a YAML document.
pub const YAML_DEPTH: usize = 256;

/// Nodes one YAML document may materialise: every scalar and collection, every node an alias
/// copies, and each anchored node once more per anchor (with the length of its path), so nested
/// anchors (`&a0 [&a1 [&a2 [...]]]`) are refused in time linear in the file instead of costing
/// depth × size. A million nodes is far beyond any descriptor (an 8 MiB file of one-character
/// scalars holds about four million) and about 50 MB of tree.
pub const YAML_DOCUMENT_NODES: usize = 1_000_000;

// ---------------------------------------------------------------- templates (rendering, runs)

// ---------------------------------------------------------------- HTTP (status, remote sources)

/// How much of a status command's output is kept.
pub const COMMAND_OUTPUT_BYTES: u64 = 1 << 20;

/// Kept so `Duration` is in scope for the timeouts the sections above add.
#[allow(dead_code)]
const _DURATION: Duration = Duration::ZERO;
