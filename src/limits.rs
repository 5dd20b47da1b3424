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

/// Connecting to a remote catalogue.
pub const HTTP_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// One request to a remote catalogue (a page of entities), from sending to the last byte.
pub const HTTP_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Entities asked for per page of Backstage's `by-query` (it allows up to 1000 or more;
/// 500 keeps a page a few MB).
pub const BACKSTAGE_PAGE_SIZE: usize = 500;
/// The largest page read from Backstage.
pub const BACKSTAGE_PAGE_BYTES: u64 = 64 * 1024 * 1024;
/// Pages read from one Backstage before giving up (a backend that never stops sending
/// cursors): 10,000 pages of 500 is five million entities.
pub const BACKSTAGE_MAX_PAGES: usize = 10_000;
/// Entities asked for per page of Port's entity search (its maximum is 1000).
pub const PORT_PAGE_SIZE: usize = 1000;
/// The largest answer read from Port.
pub const PORT_PAGE_BYTES: u64 = 64 * 1024 * 1024;
/// Pages read from one blueprint before giving up.
pub const PORT_MAX_PAGES: usize = 10_000;
/// The longest one load waits out Port's rate limit (429) before it gives up.
pub const PORT_MAX_RATE_WAIT: Duration = Duration::from_secs(60);
/// A Port token (valid 3 h) is renewed this long before it expires.
pub const PORT_TOKEN_RENEW_BEFORE: Duration = Duration::from_secs(600);

/// How much of a status command's output is kept.
pub const COMMAND_OUTPUT_BYTES: u64 = 1 << 20;
