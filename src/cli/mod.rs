//! The command line: parsing, choosing the catalogue, and the subcommands, each a thin face over
//! the core with human output or `--json`.

pub mod action;
mod commands;
mod docs;
mod json;
pub mod scaffold;
pub mod scorecard;
mod status;
mod style;

use crate::config::{Config, ConfigError, Paths};
use crate::sources::{self, LoadOptions, Source, files::FileSource};
use clap::{CommandFactory, Parser, Subcommand};
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

pub use json::{print_json, write_json};
pub use style::Style;

#[derive(Debug, Parser)]
#[command(
    name = "greenroom",
    version,
    about = "A developer portal for the terminal: find a service, see who owns it, check its health",
    long_about = "A developer portal for the terminal. greenroom reads Backstage catalog-info.yaml \
        descriptors exactly as Backstage does. Without a subcommand it opens the terminal portal \
        (catalogue, ownership, on-call, live status, Software Templates); the subcommands do the \
        same work for scripts: validate, export, show and search the catalogue, read its TechDocs, print live \
        status and who is on call, run a Software Template, print the keymap, and show where \
        greenroom keeps its files. Every subcommand takes --json.\n\n\
        The catalogue is, in order: the paths given with -c, the sources in the config file, \
        else for the portal the bundled demo organisation (it says so), and for validate, \
        export, show and search the current directory (--demo picks the demo).\n\n\
        Options go before or after the subcommand. `greenroom help COMMAND` describes one.",
    after_help = "Exit status: 0 success, 1 failure (errors found, not found, a failed source or \
        step), 2 usage errors; 128+N when ended by signal N (SIGTERM 143, SIGINT 130, SIGHUP 129)."
)]
pub struct Cli {
    /// Catalogue to open: a descriptor file, or a directory walked for catalog-info.yaml
    /// (repeatable). Overrides the config file's sources.
    #[arg(short = 'c', long = "catalog", value_name = "PATH", global = true)]
    pub catalog: Vec<PathBuf>,

    /// Open the bundled demo organisation, whatever the config says.
    #[arg(long, global = true, conflicts_with = "catalog")]
    pub demo: bool,

    /// Config file to use instead of the default one.
    #[arg(long, value_name = "FILE", global = true, env = crate::config::CONFIG_ENV)]
    pub config: Option<PathBuf>,

    /// Use no network for the catalogue: remote sources (Backstage, Port) come from the cache
    /// alone (saying how old it is; an error when nothing is cached yet), files are read from
    /// disk, and $text/$json/$yaml URLs are not fetched.
    #[arg(long, global = true)]
    pub offline: bool,

    /// Colour depth: auto, truecolor, 256, 16 or none (NO_COLOR is honoured by auto).
    #[arg(long, value_name = "DEPTH", global = true)]
    pub color: Option<String>,

    /// Theme: dark, light, high-contrast, mono, or a file name in <config dir>/themes/.
    #[arg(long, value_name = "NAME", global = true)]
    pub theme: Option<String>,

    /// Keymap: default, vim or emacs (keymap.toml in the config dir overrides keys).
    #[arg(long, value_name = "NAME", global = true)]
    pub keymap: Option<String>,

    /// Capture the mouse (off by default so the terminal's own selection works).
    #[arg(long)]
    pub mouse: bool,

    /// Do not follow the disk: descriptor files are read again only on ctrl-r (the default
    /// watches the file sources' folders and reads changes as they are saved; also
    /// `[catalog] watch = false`).
    #[arg(long)]
    pub no_watch: bool,

    /// Do not emit OSC 8 hyperlinks.
    #[arg(long)]
    pub no_hyperlinks: bool,

    /// Open the portal straight into the watch workspace with a layout saved in the config
    /// file ([[layouts]], saved from the workspace with layout.save).
    #[arg(long, value_name = "NAME")]
    pub layout: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check descriptors with Backstage's rules, like a CI step. Exit status: 0 when there
    /// are no errors (warnings allowed), 1 when there are errors or no descriptors at all, 2 on
    /// usage errors.
    Validate {
        /// Files or directories to check (default: -c, else the configured sources, else the
        /// current directory).
        paths: Vec<PathBuf>,
        /// Print {"entities": N, "diagnostics": [...]} instead of file:line:col lines.
        #[arg(long)]
        json: bool,
    },
    /// Print the catalogue as JSON in the shape of Backstage's GET /api/catalog/entities.
    Export {
        /// JSON is the only format; accepted for symmetry with the other commands.
        #[arg(long)]
        json: bool,
        /// Also include entities a Backstage backend would reject.
        #[arg(long)]
        include_rejected: bool,
    },
    /// Show one entity: metadata, spec, relations and problems.
    Show {
        /// An entity ref: kind:namespace/name, kind:name, or a name unique across kinds.
        #[arg(value_name = "REF")]
        reference: String,
        /// Print the entity as Backstage serves it.
        #[arg(long)]
        json: bool,
    },
    /// Fuzzy-search the catalogue (same query language as the portal: kind:, owner:, tag:,
    /// type:, lifecycle:, system:, domain:, ns:, docs:, -negation, "phrases"). Options may come
    /// before, between or after the query words; after `--` every word is part of the query.
    Search {
        /// The query words. A word starting with `-` negates it, unless it is exactly one of
        /// the options (-c, -n, --json, ...); put such a word after `--`.
        #[arg(value_name = "QUERY", required = true, num_args = 1.., allow_hyphen_values = true)]
        query: Vec<String>,
        /// At most this many results.
        #[arg(long, short = 'n', default_value_t = 20)]
        limit: usize,
        /// Print {"query", "total", "items": [...]} with each match's ref and score.
        #[arg(long)]
        json: bool,
    },
    /// Print the keymap in force (built-in map plus keymap.toml), and any problems in it:
    /// unknown actions, bad keys, keys a terminal cannot send or tell apart. Exit status 1
    /// when there are problems.
    Keys {
        /// List every action instead.
        #[arg(long)]
        actions: bool,
        #[arg(long)]
        json: bool,
    },
    /// Run a Software Template without the form: values from a file, validated as the form
    /// does. Exit status: 0 done, 1 invalid values or a failed step, 2 usage errors.
    Scaffold(crate::cli::scaffold::ScaffoldArgs),
    /// Port's self-service actions: list them (those an entity offers), run one and follow it,
    /// list runs and the runs waiting for my approval, read a run's log, approve or decline.
    Action(crate::cli::action::ActionArgs),
    /// Grade entities against the scorecards: what fails, what was found and the fix. With
    /// --fail-below LEVEL a CI step: exit status 1 when any graded entity is below LEVEL (or a
    /// scorecard file has errors), 2 on usage errors. --offline grades from catalogue data
    /// alone and marks live rules unknown.
    Scorecard(crate::cli::scorecard::ScorecardArgs),
    /// Live status of one entity (CI, deployments, health, metrics, alerts, incidents,
    /// on-call), each source fetched once. Exit status 1 when a source failed.
    Status {
        #[arg(value_name = "REF")]
        reference: String,
        #[arg(long)]
        json: bool,
        /// Serve every source from the in-process fake upstream (demo data). Implied on the
        /// bundled demo.
        #[arg(long)]
        fake: bool,
    },
    /// Who is on call now: for a team's services, one service, or every team. Exit status 1
    /// when a source failed.
    Oncall {
        /// A team (Group) or a service; all teams when omitted.
        #[arg(value_name = "TEAM|REF")]
        scope: Option<String>,
        #[arg(long)]
        json: bool,
        /// Serve PagerDuty from the in-process fake upstream (demo data). Implied on the
        /// bundled demo.
        #[arg(long)]
        fake: bool,
    },
    /// Show or clear the catalogue cache (every source's last catalogue, kept so a start is
    /// instant and works offline).
    Cache {
        #[command(subcommand)]
        action: CacheAction,
    },
    /// An entity's TechDocs: a page rendered for the terminal (plain text when piped), the
    /// site's nav (--nav), or a search across every docs site (--search QUERY). Exit status 1
    /// when the entity has no docs (with the reason) or the page does not exist.
    Docs(crate::cli::docs::DocsArgs),
    /// Serve the portal over SSH: one process, one catalogue and one live-status scheduler
    /// for every session. Public keys only (an authorized_keys file; each key's comment or
    /// [serve.users] names its catalogue User); no shell, commands, sftp or forwarding.
    /// SIGTERM or ctrl-c stops it; SIGUSR1 writes the sessions to its stderr and log; SIGHUP
    /// re-reads the authorized_keys files.
    Serve {
        /// Address to listen on [default: [serve] listen, else 127.0.0.1:2222].
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// The server's private host key, generated (Ed25519, 0600) when missing [default:
        /// [serve] host_key, else ssh_host_ed25519_key in the state dir].
        #[arg(long, value_name = "FILE")]
        host_key: Option<PathBuf>,
        /// Who may connect, in OpenSSH's authorized_keys format (keys, and `cert-authority`
        /// lines for certificates); repeat for several files. Re-read when they change or on
        /// SIGHUP [default: [serve] authorized_keys, else authorized_keys beside the config
        /// file].
        #[arg(long, value_name = "FILE")]
        authorized_keys: Vec<PathBuf>,
        /// Print the running server's sessions (who, which key, from where, since when) and
        /// exit.
        #[arg(long)]
        status: bool,
        /// With --status: as JSON.
        #[arg(long, requires = "status")]
        json: bool,
    },
    /// Show where greenroom keeps its config, cache, state and log files, and the catalogue
    /// it would open.
    Info {
        /// Print the paths as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CacheAction {
    /// Per cached source: its file, entities, age, size and format version (and why a file
    /// would not be used).
    Info {
        #[arg(long)]
        json: bool,
    },
    /// Delete every cache file (the next start reads every source again).
    Clear,
}

/// A failure to report and the exit status it means.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub code: u8,
}

impl From<crate::tui::PortalError> for Failure {
    fn from(e: crate::tui::PortalError) -> Failure {
        if e.usage {
            Failure::usage(e.message)
        } else {
            Failure::failed(e.message)
        }
    }
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            code: 2,
        }
    }

    pub fn failed(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            code: 1,
        }
    }
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        Failure::usage(e.to_string())
    }
}

/// What the command line and config chose to open.
pub struct Chosen {
    pub sources: Vec<Box<dyn Source>>,
    pub options: LoadOptions,
    pub description: String,
    /// The bundled demo is (among) the catalogue.
    pub demo: bool,
}

/// Everything a command needs from the environment.
pub struct Context {
    pub cli: Cli,
    pub paths: Paths,
    pub config: Config,
}

impl Context {
    pub fn new(cli: Cli) -> Result<Context, Failure> {
        let paths = Paths::discover(cli.config.clone())?;
        let config = Config::load(&paths.config_file)?;
        Ok(Context { cli, paths, config })
    }

    /// The portal's catalogue: `paths` if given, else `-c`, else the config's sources, else
    /// the bundled demo (which the portal then says it is showing).
    pub fn choose(&self, paths: &[PathBuf]) -> Result<Chosen, Failure> {
        self.choose_with(paths, Fallback::Demo)
    }

    /// A command's catalogue (validate, export, show, search): as [`Context::choose`], but with
    /// nothing given or configured it is the current directory, never the demo, so that a CI
    /// step checks the repository it runs in. The demo only with `--demo` (or configured).
    pub fn choose_for_command(&self, paths: &[PathBuf]) -> Result<Chosen, Failure> {
        let chosen = self.choose_with(paths, Fallback::CurrentDir)?;
        if chosen.demo {
            eprintln!(
                "greenroom: reading the bundled demo catalogue (Encore), not your descriptors"
            );
        }
        Ok(chosen)
    }

    fn choose_with(&self, paths: &[PathBuf], fallback: Fallback) -> Result<Chosen, Failure> {
        let mut options = self.config.load_options();
        if self.cli.offline {
            options.online = false;
        }
        let explicit = if paths.is_empty() {
            &self.cli.catalog
        } else {
            paths
        };
        let disk = |paths: &[PathBuf]| -> Result<(Vec<Box<dyn Source>>, String), Failure> {
            let s = FileSource::disk(paths).map_err(|e| Failure::usage(e.to_string()))?;
            let d = s.describe();
            Ok((vec![Box::new(s)], d))
        };
        let mut demo = false;
        let (sources, description): (Vec<Box<dyn Source>>, String) = if self.cli.demo {
            demo = true;
            (
                vec![Box::new(sources::demo::source())],
                "the bundled demo".into(),
            )
        } else if !explicit.is_empty() {
            disk(explicit)?
        } else {
            let configured = self.config.sources()?;
            if !configured.is_empty() {
                demo = self
                    .config
                    .catalog
                    .sources
                    .iter()
                    .any(|s| matches!(s, crate::config::SourceConfig::Demo));
                let d = configured
                    .iter()
                    .map(|s| s.describe())
                    .collect::<Vec<_>>()
                    .join("; ");
                (configured, d)
            } else if fallback == Fallback::CurrentDir {
                disk(&[PathBuf::from(".")])?
            } else {
                demo = true;
                (
                    vec![Box::new(sources::demo::source())],
                    DEMO_FALLBACK.into(),
                )
            }
        };
        Ok(Chosen {
            sources,
            options,
            description,
            demo,
        })
    }
}

/// How the portal describes the demo it opened because nothing was configured.
pub const DEMO_FALLBACK: &str = "the bundled demo (no catalogue sources configured)";

/// What a command falls back to when no catalogue is given or configured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fallback {
    Demo,
    CurrentDir,
}

/// Parses the command line. `search` takes its query as trailing words that may start with `-`
/// (negations), which clap would otherwise read to the end; so the words are parsed again with
/// the options among them (any option of `search`, global ones included, written exactly)
/// moved before a `--`.
pub fn parse_from(argv: Vec<OsString>) -> Cli {
    let cli = Cli::parse_from(&argv);
    let Some(Command::Search { query, .. }) = &cli.command else {
        return cli;
    };
    let Some(split) = argv.len().checked_sub(query.len()) else {
        return cli;
    };
    let mut args: Vec<OsString> = argv[..split].to_vec();
    let (options, words) = if args.last().is_some_and(|a| a == "--") {
        args.pop();
        (Vec::new(), query.clone())
    } else {
        let mut command = Cli::command();
        command.build();
        match command.find_subcommand("search") {
            Some(search) => split_options(search, query),
            None => return cli,
        }
    };
    args.extend(options.into_iter().map(OsString::from));
    args.push("--".into());
    args.extend(words.into_iter().map(OsString::from));
    Cli::parse_from(args)
}

/// Picks out of `words` the ones that are exactly an option of `command` (with its value), up
/// to a `--`; the rest are query words.
fn split_options(command: &clap::Command, words: &[String]) -> (Vec<String>, Vec<String>) {
    let find = |word: &str| {
        command.get_arguments().find(|a| {
            if let Some(long) = word.strip_prefix("--") {
                let name = long.split_once('=').map_or(long, |(n, _)| n);
                a.get_long() == Some(name)
            } else {
                let mut chars = word.chars();
                chars.next() == Some('-')
                    && chars.next().is_some_and(|c| a.get_short() == Some(c))
                    && chars.next().is_none()
            }
        })
    };
    let (mut options, mut query) = (Vec::new(), Vec::new());
    let mut iter = words.iter();
    while let Some(word) = iter.next() {
        if word == "--" {
            query.extend(iter.by_ref().cloned());
            break;
        }
        match find(word) {
            Some(arg) => {
                options.push(word.clone());
                if arg.get_action().takes_values() && !word.contains('=') {
                    options.extend(iter.next().cloned());
                }
            }
            None => query.push(word.clone()),
        }
    }
    (options, query)
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// Parses the command line and runs it; an error is an eyre report.
pub fn try_main() -> color_eyre::Result<ExitCode> {
    let cli = parse_from(std::env::args_os().collect());
    let ctx = Context::new(cli)?;
    crate::report::set_log_file(&ctx.paths.log_file);
    crate::report::test_panic("cli");
    Ok(ExitCode::from(commands::run(&ctx)?))
}

/// Runs the command line and turns an error report into one sanitised line on stderr and its
/// exit status (2 for usage errors, 1 otherwise).
pub fn main() -> ExitCode {
    match try_main() {
        Ok(code) => code,
        Err(report) => {
            let code = report.downcast_ref::<Failure>().map_or(1, |f| f.code);
            print_diagnostic(&format!("greenroom: {report:#}"));
            ExitCode::from(code)
        }
    }
}

/// Every diagnostic and error the command line prints to the terminal goes through here:
/// messages quote config, keymap and theme files, descriptors, API answers and the user's own
/// arguments, any of which can hold escape sequences, so they are stripped first.
pub fn print_diagnostic(message: &str) {
    let mut err = std::io::stderr().lock();
    let _ = std::io::Write::write_all(&mut err, diagnostic_text(message).as_bytes());
}

/// The text [`print_diagnostic`] writes: sanitised, one message a line, ending in a newline.
pub fn diagnostic_text(message: &str) -> String {
    let mut text = crate::text::sanitize_block(message).into_owned();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Cli {
        parse_from(line.split(' ').map(OsString::from).collect())
    }

    fn search_of(cli: &Cli) -> (Vec<String>, usize, bool) {
        match &cli.command {
            Some(Command::Search { query, limit, json }) => (query.clone(), *limit, *json),
            other => panic!("not a search: {other:?}"),
        }
    }

    fn words(s: &str) -> Vec<String> {
        s.split(' ').map(String::from).collect()
    }

    #[test]
    fn options_after_search_words_are_options() {
        let cli = parse("greenroom search bill -c DIR -tag:x --limit 3 --json --offline");
        assert_eq!(cli.catalog, vec![PathBuf::from("DIR")]);
        assert!(cli.offline);
        assert_eq!(search_of(&cli), (words("bill -tag:x"), 3, true));
        let cli = parse("greenroom -c A search pay --limit=4 -lifecycle:x --offline");
        assert_eq!(cli.catalog, vec![PathBuf::from("A")]);
        assert!(cli.offline);
        assert_eq!(search_of(&cli), (words("pay -lifecycle:x"), 4, false));
        // A negated word that merely starts like a short option stays a word.
        assert_eq!(
            search_of(&parse("greenroom search -cart")).0,
            words("-cart")
        );
    }

    #[test]
    fn after_a_double_dash_every_word_is_the_query() {
        let cli = parse("greenroom search a -- -c --json");
        assert_eq!(search_of(&cli), (words("a -c --json"), 20, false));
        assert!(cli.catalog.is_empty());
        let cli = parse("greenroom search -- -n x");
        assert_eq!(search_of(&cli).0, words("-n x"));
    }
}
