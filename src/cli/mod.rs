//! The command line: parsing, choosing the catalogue, and the subcommands, each a thin face over
//! the core with human output or `--json`.

mod commands;
mod status;
mod style;

use crate::config::{Config, ConfigError, Paths};
use crate::sources::{self, LoadOptions, Source, files::FileSource};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

pub use style::Style;

#[derive(Debug, Parser)]
#[command(
    name = "greenroom",
    version,
    about = "A developer portal for the terminal: find a service, see who owns it, check its health",
    long_about = "A developer portal for the terminal. greenroom reads Backstage catalog-info.yaml \
        descriptors exactly as Backstage does and lets you search, inspect and validate them.\n\n\
        Without a subcommand it opens the terminal portal. The catalogue is, in order: the paths \
        given with -c, the sources in the config file, or the bundled demo organisation."
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

    /// Do not fetch $text/$json/$yaml URLs over the network.
    #[arg(long, global = true)]
    pub offline: bool,

    /// Colour depth: auto, truecolor, 256, 16 or none (NO_COLOR is honoured by auto).
    #[arg(long, value_name = "DEPTH")]
    pub color: Option<String>,

    /// Theme: dark, light, high-contrast, mono, or a file name in <config dir>/themes/.
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,

    /// Keymap: default, vim or emacs (keymap.toml in the config dir overrides keys).
    #[arg(long, value_name = "NAME")]
    pub keymap: Option<String>,

    /// Capture the mouse (off by default so the terminal's own selection works).
    #[arg(long)]
    pub mouse: bool,

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
    /// are no errors (warnings allowed), 1 when there are errors, 2 on usage errors.
    Validate {
        /// Files or directories to check (default: the chosen catalogue).
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
    /// type:, lifecycle:, system:, domain:, ns:, -negation, "phrases").
    Search {
        /// The query words (a word may start with `-` to negate it).
        #[arg(value_name = "QUERY", required = true, num_args = 1.., allow_hyphen_values = true)]
        query: Vec<String>,
        /// At most this many results.
        #[arg(long, short = 'n', default_value_t = 20)]
        limit: usize,
        /// Print {"query", "total", "items": [...]} with each match's ref and score.
        #[arg(long)]
        json: bool,
    },
    /// Print the keymap in force (built-in map plus keymap.toml), and any problems in it.
    Keys {
        /// List every action instead.
        #[arg(long)]
        actions: bool,
        #[arg(long)]
        json: bool,
    },
    /// Run a Software Template without the form: values from a file, validated as the form
    /// does. Exit status: 0 done, 1 invalid values or a failed step, 2 usage errors.
    Scaffold(crate::scaffold::cli::ScaffoldArgs),
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
    /// Who is on call now: for a team's services, one service, or every team.
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
    /// Show where greenroom keeps its config, cache, state and log files, and the catalogue
    /// it would open.
    Info {
        /// Print the paths as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// A failure to report and the exit status it means.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub code: u8,
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

    /// The catalogue: `paths` if given, else `-c`, else the config's sources, else the demo.
    pub fn choose(&self, paths: &[PathBuf]) -> Result<Chosen, Failure> {
        let mut options = self.config.load_options();
        if self.cli.offline {
            options.online = false;
        }
        let explicit = if paths.is_empty() {
            &self.cli.catalog
        } else {
            paths
        };
        let (sources, description): (Vec<Box<dyn Source>>, String) = if self.cli.demo {
            (
                vec![Box::new(sources::demo::source())],
                "the bundled demo".into(),
            )
        } else if !explicit.is_empty() {
            let s = FileSource::disk(explicit).map_err(|e| Failure::usage(e.to_string()))?;
            let d = s.describe();
            (vec![Box::new(s)], d)
        } else {
            let configured = self.config.sources()?;
            if configured.is_empty() {
                (
                    vec![Box::new(sources::demo::source())],
                    "the bundled demo (no catalogue sources configured)".into(),
                )
            } else {
                let d = configured
                    .iter()
                    .map(|s| s.describe())
                    .collect::<Vec<_>>()
                    .join("; ");
                (configured, d)
            }
        };
        Ok(Chosen {
            sources,
            options,
            description,
        })
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// Parses the command line and runs it; an error is an eyre report.
pub fn try_main() -> color_eyre::Result<ExitCode> {
    let cli = Cli::parse();
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
            eprintln!(
                "greenroom: {}",
                crate::text::sanitize_block(&format!("{report:#}"))
            );
            ExitCode::from(code)
        }
    }
}
