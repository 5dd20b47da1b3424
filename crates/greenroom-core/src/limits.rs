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

/// The largest settings file read (config.toml, keymap.toml, a theme, `--values`): they are
/// hand-written and small; anything larger is a mistake or a trick.
pub const SETTINGS_FILE_BYTES: u64 = 1024 * 1024;

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

/// The work one `${{ }}` render may do, in minijinja's fuel (about one unit per instruction:
/// a loop iteration costs a few). Generous for real skeleton files; a nested `range(100000)`
/// loop runs out within a fraction of a second instead of running forever.
pub const TEMPLATE_FUEL: u64 = 5_000_000;

/// The largest text one render may produce (a skeleton file, a path, a step input value),
/// and the largest value one `~`, `+` or `*` may build inside it (a string doubled in a loop
/// stops here instead of exhausting memory; a list item counts 8 bytes).
pub const TEMPLATE_OUTPUT_BYTES: usize = 8 * 1024 * 1024;

/// Everything one scaffolder run may write into its workspace (every file, rendered or
/// copied; a file written again counts once, at its last size). A step that would pass it
/// fails, naming the file, and nothing is moved into place.
pub const SCAFFOLD_RUN_BYTES: u64 = 128 * 1024 * 1024;

// ---------------------------------------------------------------- HTTP (status, remote sources)

/// The largest status API response body read (GitHub, GitLab, PagerDuty, Argo CD, Kubernetes,
/// Prometheus); reading stops as soon as a body passes it.
pub const STATUS_BODY_BYTES: u64 = 8 * 1024 * 1024;

/// The largest health-check body read (`greenroom.dev/health-url`, chosen by any descriptor
/// author): health bodies are small.
pub const HEALTH_BODY_BYTES: u64 = 1024 * 1024;

/// A health check's timeout when `[status.health] timeout` is not set.
pub const HEALTH_TIMEOUT: Duration = Duration::from_secs(5);

/// Connecting to a host for a `$text`/`$json`/`$yaml` URL while loading the catalogue.
pub const REMOTE_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A whole `$text`/`$json`/`$yaml` request (its body is capped by `FILE_BYTES`).
pub const REMOTE_REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

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
/// How often a followed Port action run (status and new log lines) is read.
pub const PORT_RUN_POLL: Duration = Duration::from_secs(2);
/// Reads of one run before greenroom stops following it (about 8 hours at `PORT_RUN_POLL`;
/// the run goes on in Port).
pub const PORT_RUN_MAX_POLLS: usize = 14_400;
/// Log lines asked for per read of a run's log.
pub const PORT_RUN_LOG_PAGE: usize = 500;
/// How often the portal reads Port's actions and approvals inbox again (the header's count).
pub const PORT_INBOX_REFRESH: Duration = Duration::from_secs(60);
/// Runs a runs list or the approvals inbox asks Port for.
pub const PORT_RUNS_LISTED: usize = 100;

/// How much of a status command's output is kept.
pub const COMMAND_OUTPUT_BYTES: u64 = 1 << 20;

/// Finished scaffolder runs the hub keeps (with their events, for re-attaching); the oldest
/// finished run is forgotten past this.
pub const FINISHED_RUNS_KEPT: usize = 32;

/// The largest answer read from a Backstage scaffolder call (a task, the task list, a dry
/// run's files).
pub const SCAFFOLDER_BODY_BYTES: u64 = 64 * 1024 * 1024;
/// The most template files sent to a backend's `POST /v2/dry-run`.
pub const SCAFFOLDER_DRY_RUN_UPLOAD_BYTES: u64 = 32 * 1024 * 1024;
/// The longest line of a task's event stream (one event's JSON); longer is an error.
pub const SSE_LINE_BYTES: usize = 4 * 1024 * 1024;
/// Reconnects of a task's event stream in a row that bring no new event before giving up.
pub const REMOTE_RUN_RECONNECTS: usize = 8;
/// The first wait before reconnecting a task's event stream (doubled each time, up to 8x).
pub const REMOTE_RUN_RECONNECT_DELAY: Duration = Duration::from_millis(500);
/// Remote tasks started from greenroom it remembers (`remote-runs.json` in the state dir).
pub const REMOTE_RUNS_KEPT: usize = 50;
/// Tasks asked for when listing recent runs on a backend.
pub const REMOTE_RUNS_LISTED: usize = 30;

/// Entities the command palette lists for what is typed (the best matches; typing more narrows
/// them).
pub const PALETTE_ENTITIES: usize = 50;

/// Themes from the config dir's `themes/` the palette offers (sorted by name).
pub const USER_THEMES: usize = 100;

// ---------------------------------------------------------------- the catalogue cache

/// The largest cache file read (a million entities take a few hundred MB); a larger file is
/// ignored with a warning and rebuilt.
pub const CACHE_FILE_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// Deepest nesting of maps and lists decoded from a cache file (as [`YAML_DEPTH`] for YAML):
/// a forged file cannot exhaust the stack.
pub const CACHE_VALUE_DEPTH: usize = 256;

/// How old a remote source's cached copy may be for a command (search, show, export,
/// validate) to use it without asking the server again, when `catalog.cache_max_age` is not
/// set. The portal always refreshes in the background.
pub const CACHE_MAX_AGE: Duration = Duration::from_secs(300);

// ---------------------------------------------------------------- TechDocs

/// The largest docs page read (a Markdown file, or a built HTML page from a TechDocs backend).
pub const DOCS_PAGE_BYTES: u64 = 2 * 1024 * 1024;

/// The most one docs site may read in total (every page, `mkdocs.yml`, the search index):
/// pages past it are listed but not opened, and the reader says why.
pub const DOCS_SITE_BYTES: u64 = 32 * 1024 * 1024;

/// The most pages one docs site may have (walked from `docs_dir`, or in its nav).
pub const DOCS_SITE_PAGES: usize = 5_000;

/// How deep blocks nest in a docs page (quotes in lists in admonitions ...); deeper content is
/// kept but flattened, so no page can make the layout recurse without bound.
pub const DOCS_NESTING: usize = 32;

/// Connecting to a TechDocs backend or a `url:` docs host.
pub const DOCS_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// One request for a docs page or the metadata of a site.
pub const DOCS_REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Page text kept in the cache for one remote docs site (`url:` or a TechDocs backend), so it
/// opens offline; pages read past it are shown but not kept.
pub const DOCS_CACHE_SITE_BYTES: u64 = 32 * 1024 * 1024;

/// Code given syntax colours per docs page (blocks past it are shown plain): highlighting
/// costs time in proportion to the text, and a page must open at once.
pub const HIGHLIGHT_BYTES: usize = 16 * 1024;

/// Every cached docs site together; past it the oldest sites are dropped from the cache.
pub const DOCS_CACHE_BYTES: u64 = 256 * 1024 * 1024;

// ---------------------------------------------------------------- API definitions (explorer)

/// The largest API definition the explorer reads into a tree (a larger one is shown as raw
/// text with a notice).
pub const APIDEF_BYTES: usize = 4 * 1024 * 1024;

/// Nodes one API tree may hold; past it the tree is cut and says so.
pub const APIDEF_NODES: usize = 50_000;

/// How deep schemas are expanded through properties, items and `$ref`s (a `$ref` cycle is cut
/// at its first repeat, whatever this says).
pub const APIDEF_SCHEMA_DEPTH: usize = 8;

/// Deepest nesting of brackets in a GraphQL or `.proto` text (deeper is refused before parsing,
/// so a recursive parser cannot exhaust the stack).
pub const APIDEF_NESTING: usize = 64;

/// Entities one relations graph draws; past it the graph says how many it left out.
pub const GRAPH_NODES: usize = 500;

// ---------------------------------------------------------------- `greenroom serve` (SSH)

/// Sessions the SSH server runs at once, from every key together (`[serve] max_sessions`
/// overrides it); one more is refused with a message.
pub const SERVE_SESSIONS: usize = 100;

/// Sessions one key (one identity) may run at once (`[serve] max_sessions_per_key`).
pub const SERVE_SESSIONS_PER_KEY: usize = 5;

/// A session with no input for this long is closed (`[serve] idle_timeout`, seconds).
pub const SERVE_IDLE_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// A rejected authentication is answered after this long, whatever was wrong, so a client
/// learns nothing from the timing and guessing is slow.
pub const SERVE_AUTH_REJECTION: Duration = Duration::from_millis(500);

/// Authentication attempts on one connection before it is closed.
pub const SERVE_AUTH_ATTEMPTS: usize = 6;

/// Output queued for one client and not yet taken by it: past this the client is too slow
/// and its session is closed (memory does not grow with a stalled client).
pub const SERVE_OUTPUT_BYTES: usize = 4 * 1024 * 1024;

/// Frames one session draws per second at most: input arriving faster is taken in and drawn
/// in the next frame.
pub const SERVE_FRAMES_PER_SECOND: u32 = 60;

/// Frames one session draws per second at most for changes nobody typed (live status
/// arriving, timers): fifty sessions watching the same services must not each redraw on
/// every fetch. A key's frame is not held back by it.
pub const SERVE_BACKGROUND_FRAMES_PER_SECOND: u32 = 2;

/// How long a lone Esc waits for the rest of an escape sequence before it counts as the key.
pub const SERVE_ESC_TIMEOUT: Duration = Duration::from_millis(30);

/// The longest bracketed paste kept from an SSH client (the rest is dropped).
pub const SERVE_PASTE_BYTES: usize = 64 * 1024;

/// The largest authorized_keys file read.
pub const SERVE_AUTHORIZED_KEYS_BYTES: u64 = 1024 * 1024;

/// The largest terminal a client may ask for (columns, rows); larger is clamped.
pub const SERVE_MAX_SIZE: (u16, u16) = (1000, 500);

/// How often the authorized_keys files are looked at (size, time, inode) for a change; a
/// changed file is read again (so is every file on SIGHUP). New logins follow at once;
/// sessions already open go on.
pub const SERVE_KEYS_POLL: Duration = Duration::from_secs(2);

/// Connections not yet authenticated, from every address together: one more is closed at
/// once, before any SSH is spoken (a flood of half-open handshakes cannot starve logins
/// for long, nor grow memory).
pub const SERVE_PREAUTH_CONNECTIONS: usize = 64;

/// Connections not yet authenticated from one IP address.
pub const SERVE_PREAUTH_PER_IP: usize = 8;

/// A connection that has not authenticated this long after it was accepted is closed
/// (OpenSSH's `LoginGraceTime` is 120 s; a person with a key needs far less).
pub const SERVE_AUTH_TIMEOUT: Duration = Duration::from_secs(30);
// ---------------------------------------------------------------- following the disk

/// How long the watched descriptor roots must be quiet after a change before the catalogue
/// is read again (an editor's save is several events; a `git checkout` hundreds).
pub const WATCH_QUIET: Duration = Duration::from_millis(300);

/// The longest a reload waits behind changes that never stop coming (a build writing into a
/// watched folder): it reads at least this often meanwhile.
pub const WATCH_MAX_DELAY: Duration = Duration::from_secs(2);

// ---------------------------------------------------------------- scorecards

/// The largest scorecard file read (hand-written YAML; a few KB is typical).
pub const SCORECARD_FILE_BYTES: u64 = 1024 * 1024;

/// Rules in one scorecard.
pub const SCORECARD_RULES: usize = 500;

/// How deep `all`/`any`/`not` may nest in one predicate.
pub const SCORECARD_PREDICATE_DEPTH: usize = 32;

/// The compiled size of one regular expression in a scorecard (`matches`, link `title`/`url`):
/// the regex crate runs in linear time, this bounds its memory.
pub const SCORECARD_REGEX_BYTES: usize = 1 << 20;

/// The largest repository file a `file:` rule reads (README, CODEOWNERS); larger ones are
/// reported unknown, not read.
pub const SCORECARD_REPO_FILE_BYTES: u64 = 1024 * 1024;

/// Live status targets the portal's scorecards overview (or a team's roll-up) asks to be
/// fetched at once; entities beyond it grade their live rules as unknown.
pub const SCORECARD_LIVE_TARGETS: usize = 2000;
