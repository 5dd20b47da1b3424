//! The one config file, and where greenroom keeps its files.
//!
//! ```toml
//! [catalog]
//! pattern = "catalog-info.{yaml,yml}"   # names picked up when walking a directory
//! extra_kinds = ["AiResource"]           # kinds your Backstage has processors for
//! online = true                          # fetch $text/$json/$yaml URLs
//!
//! [[catalog.source]]
//! type = "files"
//! path = "~/src/platform"
//!
//! [[catalog.source]]
//! type = "backstage"
//! base_url = "https://backstage.example.com"
//! token_env = "BACKSTAGE_TOKEN"            # a static or service token; omit for guest
//! filter = ["kind=component", "kind=api"]  # optional, Backstage's filter syntax
//! namespace = "payments"                   # optional
//!
//! [[catalog.source]]
//! type = "port"
//! base_url = "https://api.port.io"         # or https://api.us.port.io
//! client_id_env = "PORT_CLIENT_ID"
//! client_secret_env = "PORT_CLIENT_SECRET"
//! blueprints = ["service", "system"]        # optional; default: every non-system blueprint
//! [catalog.source.mapping.microservice]     # optional, per blueprint
//! kind = "Component"
//! type = "service"
//! annotations = { "pagerduty.com/service-id" = "pd_service" }
//! relations = { usedBy = "dependencyOf" }
//! ```

use crate::catalog::validate::CheckOptions;
use crate::sources::{self, LoadOptions, Source, files::FileSource};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const CONFIG_ENV: &str = "GREENROOM_CONFIG";

/// Where greenroom's files live.
#[derive(Clone, Debug)]
pub struct Paths {
    pub config_file: PathBuf,
    pub cache_dir: PathBuf,
    pub state_dir: PathBuf,
    pub log_file: PathBuf,
}

impl Paths {
    /// The platform's directories (XDG on Linux); `config_override` (from `--config` or
    /// `GREENROOM_CONFIG`) replaces the config file's location.
    pub fn discover(config_override: Option<PathBuf>) -> Result<Paths, ConfigError> {
        let dirs = directories::ProjectDirs::from("dev", "greenroom", "greenroom");
        let config_file = match (config_override, &dirs) {
            (Some(p), _) => p,
            (None, Some(d)) => d.config_dir().join("config.toml"),
            (None, None) => return Err(ConfigError::NoHome),
        };
        let (cache_dir, state_dir) = match &dirs {
            Some(d) => (
                d.cache_dir().to_path_buf(),
                d.state_dir()
                    .unwrap_or_else(|| d.data_local_dir())
                    .to_path_buf(),
            ),
            None => {
                let base = std::env::temp_dir().join("greenroom");
                (base.join("cache"), base.join("state"))
            }
        };
        Ok(Paths {
            config_file,
            log_file: state_dir.join("greenroom.log"),
            cache_dir,
            state_dir,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot tell where your home directory is; set {CONFIG_ENV} to a config file path")]
    NoHome,
    #[error("{file}: {message}")]
    Io { file: String, message: String },
    /// `file:line:col: message`, as editors jump to.
    #[error("{file}:{line}:{column}: {message}")]
    Invalid {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub catalog: CatalogConfig,
    #[serde(default)]
    pub ui: UiConfig,
    /// Live status sources (`[status]`, see `status::config`).
    #[serde(default)]
    pub status: crate::status::config::StatusConfig,
    /// The scaffolder (`[scaffold]`, see `scaffold::config`).
    #[serde(default)]
    pub scaffold: crate::scaffold::config::ScaffoldConfig,
    /// Named watch layouts (`[[layouts]]`, see `tui::layouts`).
    #[serde(default)]
    pub layouts: Vec<LayoutSpec>,
    /// `greenroom serve`, the portal over SSH (`[serve]`).
    #[serde(default)]
    pub serve: ServeConfig,
    /// Scorecard files (`[[scorecards]] path = ...`, see `scorecard`).
    #[serde(default)]
    pub scorecards: Vec<ScorecardFile>,
    /// The config file this came from (None for defaults).
    #[serde(skip)]
    pub file: Option<PathBuf>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogConfig {
    #[serde(default = "default_pattern")]
    pub pattern: String,
    #[serde(default)]
    pub extra_kinds: Vec<String>,
    #[serde(default = "default_true")]
    pub online: bool,
    #[serde(default = "default_max_file_bytes")]
    pub max_file_bytes: u64,
    #[serde(default, rename = "source")]
    pub sources: Vec<SourceConfig>,
    /// Backstage's `catalog.rules`: which kinds may come from which files.
    #[serde(default)]
    pub rules: Vec<crate::sources::rules::CatalogRule>,
    /// Keep every source's catalogue in the cache dir (see `sources::cache`).
    #[serde(default = "default_true")]
    pub cache: bool,
    /// Seconds a remote source's cached copy serves commands without asking the server again
    /// (default `limits::CACHE_MAX_AGE`); 0 always asks.
    #[serde(default)]
    pub cache_max_age: Option<u64>,
    /// The portal follows the disk: file sources' folders are watched and read again when a
    /// file changes (`--no-watch` turns it off for one run).
    #[serde(default = "default_true")]
    pub watch: bool,
}

impl Default for CatalogConfig {
    fn default() -> Self {
        CatalogConfig {
            pattern: default_pattern(),
            extra_kinds: Vec::new(),
            online: true,
            max_file_bytes: default_max_file_bytes(),
            sources: Vec::new(),
            rules: Vec::new(),
            cache: true,
            cache_max_age: None,
            watch: true,
        }
    }
}

/// `greenroom serve`: the portal as an SSH server.
///
/// ```toml
/// [serve]
/// listen = "0.0.0.0:2222"
/// host_key = "/var/lib/greenroom/host_key"        # default: ssh_host_ed25519_key in the state dir
/// authorized_keys = "/etc/greenroom/authorized_keys" # or a list; default: authorized_keys in the config dir
/// allow_local_scaffold = false   # template runs writing on the server's disk
/// max_sessions = 100
/// max_sessions_per_key = 5
/// idle_timeout = 1800            # seconds
/// [serve.users]                  # key fingerprint or comment -> catalogue User
/// "SHA256:Xx..." = "user:default/alice"
/// "bob@laptop" = "bob"
/// ```
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeConfig {
    #[serde(default)]
    pub listen: Option<String>,
    #[serde(default)]
    pub host_key: Option<PathBuf>,
    /// One file or a list (`["/etc/greenroom/authorized_keys", "/etc/greenroom/team.keys"]`).
    #[serde(default, deserialize_with = "one_or_many_paths")]
    pub authorized_keys: Vec<PathBuf>,
    #[serde(default)]
    pub allow_local_scaffold: bool,
    #[serde(default)]
    pub max_sessions: Option<usize>,
    #[serde(default)]
    pub max_sessions_per_key: Option<usize>,
    /// Seconds.
    #[serde(default)]
    pub idle_timeout: Option<u64>,
    /// A key's identity, by its `SHA256:` fingerprint or its comment.
    #[serde(default)]
    pub users: std::collections::BTreeMap<String, String>,
}

/// A path or a list of paths.
fn one_or_many_paths<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<PathBuf>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        One(PathBuf),
        Many(Vec<PathBuf>),
    }
    Ok(match Raw::deserialize(d)? {
        Raw::One(p) => vec![p],
        Raw::Many(v) => v,
    })
}

/// How the portal looks and behaves.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UiConfig {
    /// dark, light, high-contrast, mono, or the name of a file in `<config dir>/themes/`.
    #[serde(default = "default_theme")]
    pub theme: String,
    /// default, vim or emacs; `keymap.toml` in the config dir overrides keys on top.
    #[serde(default = "default_keymap")]
    pub keymap: String,
    /// auto, truecolor, 256, 16 or none.
    #[serde(default = "default_color")]
    pub color: String,
    #[serde(default)]
    pub mouse: bool,
    /// OSC 8 links (turn off where a terminal or multiplexer shows them badly).
    #[serde(default = "default_true")]
    pub hyperlinks: bool,
    /// The preview pane beside the list on wide terminals.
    #[serde(default = "default_true")]
    pub preview: bool,
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            theme: default_theme(),
            keymap: default_keymap(),
            color: default_color(),
            mouse: false,
            hyperlinks: true,
            preview: true,
        }
    }
}

fn default_theme() -> String {
    "dark".into()
}

fn default_keymap() -> String {
    "default".into()
}

fn default_color() -> String {
    "auto".into()
}

fn default_pattern() -> String {
    sources::DEFAULT_PATTERN.into()
}

fn default_true() -> bool {
    true
}

fn default_max_file_bytes() -> u64 {
    sources::DEFAULT_MAX_FILE_BYTES
}

/// One catalogue source.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum SourceConfig {
    /// Descriptor files: each path a file or a directory to walk.
    Files {
        #[serde(default)]
        path: Option<PathBuf>,
        #[serde(default)]
        paths: Vec<PathBuf>,
        /// Kinds these files may hold besides `catalog.rules` (Backstage's
        /// `catalog.locations[].rules`).
        #[serde(default)]
        rules: Vec<crate::sources::rules::CatalogRule>,
    },
    /// The bundled demo organisation.
    Demo,
    /// A Backstage backend's catalog, read over its REST API.
    #[serde(rename_all = "snake_case")]
    Backstage {
        base_url: String,
        #[serde(default)]
        token_env: Option<String>,
        #[serde(default)]
        filter: Vec<String>,
        #[serde(default)]
        namespace: Option<String>,
        #[serde(default)]
        page_size: Option<usize>,
    },
    /// Port's catalogue (teams, users, blueprint entities), read over its REST API.
    #[serde(rename_all = "snake_case")]
    Port {
        #[serde(default = "default_port_url")]
        base_url: String,
        #[serde(default = "default_port_id_env")]
        client_id_env: String,
        #[serde(default = "default_port_secret_env")]
        client_secret_env: String,
        #[serde(default)]
        blueprints: Vec<String>,
        #[serde(default)]
        mapping:
            std::collections::BTreeMap<String, crate::sources::port::mapping::BlueprintMapping>,
    },
}

fn port_source(s: &SourceConfig) -> Option<sources::port::PortSource> {
    let SourceConfig::Port {
        base_url,
        client_id_env,
        client_secret_env,
        blueprints,
        mapping,
    } = s
    else {
        return None;
    };
    let mut source = sources::port::PortSource::new(base_url.clone());
    source.client_id_env.clone_from(client_id_env);
    source.client_secret_env.clone_from(client_secret_env);
    source.blueprints.clone_from(blueprints);
    source.mapping.clone_from(mapping);
    Some(source)
}

fn default_port_url() -> String {
    "https://api.port.io".into()
}

fn default_port_id_env() -> String {
    "PORT_CLIENT_ID".into()
}

fn default_port_secret_env() -> String {
    "PORT_CLIENT_SECRET".into()
}

/// The Backstage source a `[[catalog.source]] type = "backstage"` entry describes.
fn backstage_source(s: &SourceConfig) -> Option<sources::backstage::BackstageSource> {
    let SourceConfig::Backstage {
        base_url,
        token_env,
        filter,
        namespace,
        page_size,
    } = s
    else {
        return None;
    };
    let mut source = sources::backstage::BackstageSource::new(base_url.clone());
    source.token_env.clone_from(token_env);
    source.filter.clone_from(filter);
    source.namespace.clone_from(namespace);
    if let Some(n) = page_size {
        source.page_size = *n;
    }
    Some(source)
}

impl Config {
    /// Reads the config file; a missing file means defaults.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text =
            match crate::fsread::read_regular_string(path, crate::limits::SETTINGS_FILE_BYTES) {
                Ok(t) => t,
                Err(e) if e.is_not_found() => return Ok(Config::default()),
                Err(e) => {
                    return Err(ConfigError::Io {
                        file: path.display().to_string(),
                        message: e.to_string(),
                    });
                }
            };
        let mut config = Config::parse(&text, path)?;
        config.file = Some(path.to_path_buf());
        Ok(config)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let located = |span: Option<std::ops::Range<usize>>, message: String| {
            let (line, column) = span.map_or((1, 1), |s| line_col(text, s.start));
            ConfigError::Invalid {
                file: path.display().to_string(),
                line,
                column,
                message,
            }
        };
        let config: Config =
            toml::from_str(text).map_err(|e| located(e.span(), e.message().to_owned()))?;
        for (i, s) in config.catalog.sources.iter().enumerate() {
            if let SourceConfig::Files {
                path: None, paths, ..
            } = s
                && paths.is_empty()
            {
                let span = find_nth_table(text, "[[catalog.source]]", i);
                return Err(located(
                    span,
                    "a files source needs `path` or `paths`".into(),
                ));
            }
            if let SourceConfig::Port { base_url, .. } = s
                && !url::Url::parse(base_url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
            {
                let span = find_nth_table(text, "[[catalog.source]]", i);
                return Err(located(
                    span,
                    format!(
                        "base_url must be Port's API URL such as https://api.port.io, not {:?}",
                        crate::text::sanitize_line(base_url)
                    ),
                ));
            }
            if let SourceConfig::Backstage {
                base_url,
                page_size,
                ..
            } = s
            {
                let span = find_nth_table(text, "[[catalog.source]]", i);
                match url::Url::parse(base_url) {
                    Ok(u) if matches!(u.scheme(), "http" | "https") => {}
                    _ => {
                        return Err(located(
                            span,
                            format!(
                                "base_url must be an http(s) URL such as https://backstage.example.com, not {:?}",
                                crate::text::sanitize_line(base_url)
                            ),
                        ));
                    }
                }
                if page_size.is_some_and(|n| n == 0 || n > 10_000) {
                    return Err(located(
                        span,
                        "page_size must be between 1 and 10000".into(),
                    ));
                }
            }
        }
        if let Err(e) = crate::sources::vfs::glob_matcher(&config.catalog.pattern) {
            let span = text.find("pattern").map(|s| s..s);
            return Err(located(
                span,
                format!("catalog.pattern is not a valid glob: {e}"),
            ));
        }
        Ok(config)
    }

    /// The Port sources the config names (their self-service actions are offered), in order.
    pub fn port_sources(&self) -> Vec<sources::port::PortSource> {
        self.catalog
            .sources
            .iter()
            .filter_map(port_source)
            .collect()
    }

    /// The catalogue sources the config names, paths resolved (`~` and relative to the file).
    pub fn sources(&self) -> Result<Vec<Box<dyn Source>>, ConfigError> {
        let base = self
            .file
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let mut out: Vec<Box<dyn Source>> = Vec::new();
        for s in &self.catalog.sources {
            match s {
                SourceConfig::Demo => out.push(Box::new(sources::demo::source())),
                SourceConfig::Files { path, paths, rules } => {
                    let all: Vec<PathBuf> = path
                        .iter()
                        .chain(paths)
                        .map(|p| resolve_path(p, &base))
                        .collect();
                    let source = FileSource::disk(&all).map_err(|e| ConfigError::Io {
                        file: self
                            .file
                            .as_ref()
                            .map_or_else(String::new, |f| f.display().to_string()),
                        message: format!("catalog source {e}"),
                    })?;
                    let mut source = source;
                    source.rules.clone_from(rules);
                    out.push(Box::new(source));
                }
                SourceConfig::Backstage { .. } => {
                    out.extend(backstage_source(s).map(|b| Box::new(b) as Box<dyn Source>));
                }
                SourceConfig::Port { .. } => {
                    if let Some(source) = port_source(s) {
                        out.push(Box::new(source));
                    }
                }
            }
        }
        Ok(out)
    }

    /// The configured Backstage sources (where remote template runs go).
    pub fn backstage_sources(&self) -> Vec<sources::backstage::BackstageSource> {
        self.catalog
            .sources
            .iter()
            .filter_map(backstage_source)
            .collect()
    }

    /// How old a remote source's cached copy may be for a command to use it.
    pub fn cache_max_age(&self) -> std::time::Duration {
        self.catalog
            .cache_max_age
            .map_or(crate::limits::CACHE_MAX_AGE, std::time::Duration::from_secs)
    }

    /// `catalog.rules` with relative file targets resolved from the config file's folder, or
    /// `None` when no rules are configured anywhere.
    pub fn catalog_rules(&self) -> Option<crate::sources::rules::CatalogRules> {
        let base = self
            .file
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let mut global = self.catalog.rules.clone();
        for rule in &mut global {
            for l in &mut rule.locations {
                if l.location_type == "file"
                    && let Some(t) = &mut l.target
                {
                    *t = resolve_path(Path::new(t.as_str()), &base)
                        .display()
                        .to_string();
                }
            }
        }
        let any_source_rules = self
            .catalog
            .sources
            .iter()
            .any(|s| matches!(s, SourceConfig::Files { rules, .. } if !rules.is_empty()));
        crate::sources::rules::CatalogRules::from_config(&global, any_source_rules)
    }

    pub fn load_options(&self) -> LoadOptions {
        LoadOptions {
            pattern: self.catalog.pattern.clone(),
            check: CheckOptions {
                extra_kinds: self.catalog.extra_kinds.clone(),
            },
            online: self.catalog.online,
            max_file_bytes: self.catalog.max_file_bytes,
            rules: self.catalog_rules().map(std::sync::Arc::new),
            ..LoadOptions::default()
        }
    }
}

/// `~/x` → home; relative paths are relative to the config file's folder.
pub fn resolve_path(p: &Path, base: &Path) -> PathBuf {
    if let Ok(rest) = p.strip_prefix("~")
        && let Some(home) = directories::BaseDirs::new()
    {
        return home.home_dir().join(rest);
    }
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn find_nth_table(text: &str, header: &str, n: usize) -> Option<std::ops::Range<usize>> {
    text.match_indices(header).nth(n).map(|(i, _)| i..i)
}

/// A scorecard file or a directory of them (`[[scorecards]]`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ScorecardFile {
    /// Relative to the config file; `~` is the home directory.
    pub path: PathBuf,
}

impl Config {
    /// The configured scorecard paths, resolved (`~` and relative to the config file).
    pub fn scorecard_paths(&self) -> Vec<PathBuf> {
        let base = self
            .file
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        self.scorecards
            .iter()
            .map(|s| resolve_path(&s.path, &base))
            .collect()
    }
}

/// A named watch layout (`[[layouts]]`): panes placed in percent of the workspace. The
/// terminal portal turns it into a workspace and saves it back.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LayoutSpec {
    pub name: String,
    /// The focused pane, counted from 1.
    #[serde(default = "first")]
    pub focus: usize,
    #[serde(default)]
    pub zoom: bool,
    #[serde(default)]
    pub panes: Vec<PaneSpec>,
}

fn first() -> usize {
    1
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PaneSpec {
    /// The pinned entity's ref; none for an empty pane.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
    /// Only this widget of the entity (`builds`, `metric`, `oncall`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub widget: Option<String>,
    /// Which one, when the entity has several of that widget (a metric's query).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// `[x, y, width, height]` in percent of the workspace.
    pub at: [u16; 4],
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("config.toml"))
    }

    #[test]
    fn scorecard_paths_are_relative_to_the_config_file() {
        let mut c = Config::parse(
            "[[scorecards]]\npath = \"cards\"\n[[scorecards]]\npath = \"/abs/x.yaml\"\n",
            Path::new("/etc/greenroom/config.toml"),
        )
        .unwrap();
        c.file = Some(PathBuf::from("/etc/greenroom/config.toml"));
        assert_eq!(
            c.scorecard_paths(),
            [
                PathBuf::from("/etc/greenroom/cards"),
                PathBuf::from("/abs/x.yaml")
            ]
        );
        let e = parse("[[scorecards]]\nfile = \"x\"\n").unwrap_err();
        assert!(e.to_string().contains("unknown field `file`"), "{e}");
    }

    #[test]
    fn serve_authorized_keys_is_one_path_or_a_list() {
        let c = parse("[serve]\nauthorized_keys = \"/etc/k\"\n").unwrap();
        assert_eq!(c.serve.authorized_keys, [PathBuf::from("/etc/k")]);
        let c = parse("[serve]\nauthorized_keys = [\"/etc/a\", \"/etc/b\"]\n").unwrap();
        assert_eq!(
            c.serve.authorized_keys,
            [PathBuf::from("/etc/a"), PathBuf::from("/etc/b")]
        );
        assert!(parse("").unwrap().serve.authorized_keys.is_empty());
        assert!(parse("[serve]\nauthorized_keys = 3\n").is_err());
    }

    #[test]
    fn empty_config_is_defaults() {
        let c = parse("").unwrap();
        assert_eq!(c.catalog.pattern, "catalog-info.{yaml,yml}");
        assert!(c.catalog.sources.is_empty());
        assert!(c.catalog.online);
    }

    #[test]
    fn a_backstage_source_parses_and_bad_urls_are_located() {
        let c = parse(
            "[[catalog.source]]\ntype = \"backstage\"\nbase_url = \"https://bs.example.com\"\ntoken_env = \"BS_TOKEN\"\nfilter = [\"kind=component\"]\n",
        )
        .unwrap();
        assert!(matches!(
            &c.catalog.sources[0],
            SourceConfig::Backstage { base_url, token_env: Some(t), filter, .. }
                if base_url == "https://bs.example.com" && t == "BS_TOKEN" && filter.len() == 1
        ));
        assert_eq!(
            c.sources().unwrap()[0].describe(),
            "Backstage at https://bs.example.com"
        );
        let e = parse("\n[[catalog.source]]\ntype = \"backstage\"\nbase_url = \"file:///etc\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("config.toml:2:1: base_url must be an http(s) URL"),
            "{e}"
        );
        let e = parse("[[catalog.source]]\ntype = \"backstage\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("base_url"), "{e}");
    }

    #[test]
    fn a_port_source_parses_with_defaults_and_mappings() {
        let c = parse(
            "[[catalog.source]]\ntype = \"port\"\nblueprints = [\"service\"]\n[catalog.source.mapping.service]\nkind = \"Component\"\nannotations = { \"pagerduty.com/service-id\" = \"pd\" }\n",
        )
        .unwrap();
        let SourceConfig::Port {
            base_url,
            client_id_env,
            mapping,
            ..
        } = &c.catalog.sources[0]
        else {
            panic!("{:?}", c.catalog.sources);
        };
        assert_eq!(base_url, "https://api.port.io");
        assert_eq!(client_id_env, "PORT_CLIENT_ID");
        assert_eq!(mapping["service"].kind.as_deref(), Some("Component"));
        assert_eq!(
            mapping["service"].annotations["pagerduty.com/service-id"],
            "pd"
        );
        let e = parse("[[catalog.source]]\ntype = \"port\"\n[catalog.source.mapping.service]\nkinds = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("kinds"), "{e}");
    }

    #[test]
    fn sources_parse() {
        let c = parse(
            "[catalog]\nextra_kinds = [\"AiResource\"]\n\n[[catalog.source]]\ntype = \"files\"\npath = \"~/src\"\n\n[[catalog.source]]\ntype = \"demo\"\n",
        )
        .unwrap();
        assert_eq!(c.catalog.sources.len(), 2);
        assert!(matches!(c.catalog.sources[1], SourceConfig::Demo));
    }

    #[test]
    fn errors_are_located() {
        let e = parse("[catalog]\npatern = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("config.toml:2:1: unknown field `patern`"),
            "{e}"
        );
        let e = parse("[catalog]\nonline = \"yes\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("config.toml:2:10:"), "{e}");
        let e = parse("[[catalog.source]]\ntype = \"files\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("config.toml:1:1: a files source needs"),
            "{e}"
        );
        let e = parse("[[catalog.source]]\ntype = \"ftp\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown variant `ftp`"), "{e}");
        let e = parse("[catalog\n").unwrap_err().to_string();
        assert!(e.starts_with("config.toml:1:"), "{e}");
    }

    #[test]
    fn paths_resolve_relative_to_the_config() {
        assert_eq!(
            resolve_path(Path::new("cat"), Path::new("/etc/gr")),
            PathBuf::from("/etc/gr/cat")
        );
        assert_eq!(
            resolve_path(Path::new("/x"), Path::new("/etc")),
            PathBuf::from("/x")
        );
    }
}
