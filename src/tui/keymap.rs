//! Keymaps: per context, key sequences → actions. The built-in maps live in `keymaps/` (compiled
//! in); a user's `keymap.toml` in the config dir inherits one of them and overrides or unbinds
//! keys. Problems (unknown actions, bad keys, conflicts) are reported with file and line, and the
//! offending entries are skipped rather than stopping the app.

use super::action::Action;
use super::keys::{Chord, Keys, keys_to_string, parse_keys};
use indexmap::IndexMap;
use std::fmt;
use std::path::Path;

/// Where a binding applies. Lookups try the most specific context first, then `global`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Global,
    Catalog,
    Search,
    Entity,
    Tree,
    Problems,
    Palette,
    Help,
    Templates,
    Form,
    Choice,
    Picker,
    Confirm,
    Prompt,
    Review,
    Preview,
    Progress,
    OnCall,
    Watch,
    Input,
    Docs,
    Port,
}

impl Context {
    pub const ALL: [Context; 22] = [
        Context::Global,
        Context::Catalog,
        Context::Search,
        Context::Entity,
        Context::Tree,
        Context::Problems,
        Context::Palette,
        Context::Help,
        Context::Templates,
        Context::Form,
        Context::Choice,
        Context::Picker,
        Context::Confirm,
        Context::Prompt,
        Context::Review,
        Context::Preview,
        Context::Progress,
        Context::OnCall,
        Context::Watch,
        Context::Input,
        Context::Docs,
        Context::Port,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Catalog => "catalog",
            Context::Search => "search",
            Context::Entity => "entity",
            Context::Tree => "tree",
            Context::Problems => "problems",
            Context::Palette => "palette",
            Context::Help => "help",
            Context::Templates => "templates",
            Context::Form => "form",
            Context::Choice => "choice",
            Context::Picker => "picker",
            Context::Confirm => "confirm",
            Context::Prompt => "prompt",
            Context::Review => "review",
            Context::Preview => "preview",
            Context::Progress => "progress",
            Context::OnCall => "oncall",
            Context::Watch => "watch",
            Context::Input => "input",
            Context::Docs => "docs",
            Context::Port => "port",
        }
    }

    pub fn parse(s: &str) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.name() == s)
    }

    pub fn description(self) -> &'static str {
        match self {
            Context::Global => "everywhere",
            Context::Catalog => "the catalogue list",
            Context::Search => "typing a search query",
            Context::Entity => "an entity",
            Context::Tree => "relations and ownership trees",
            Context::Problems => "the problems pane",
            Context::Palette => "the command palette",
            Context::Help => "this help",
            Context::Templates => "the templates list (typing filters it)",
            Context::Form => "a template's form (typing goes into the field)",
            Context::Choice => "a form field that is not text: checkbox, choice, picker, list",
            Context::Picker => "choosing from a list (typing filters it)",
            Context::Confirm => "a yes/no question",
            Context::Prompt => "typing an answer (the folder to create in)",
            Context::Review => "the review of a form's values",
            Context::Preview => "a dry run's files and log",
            Context::Progress => "a run's steps, log and output",
            Context::OnCall => "the on-call view",
            Context::Watch => "the watch workspace",
            Context::Input => "typing a name",
            Context::Docs => "the Docs tab (a TechDocs page)",
            Context::Port => "a Port list: the approvals inbox, recent runs",
        }
    }
}

pub const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../../keymaps/default.toml")),
    ("vim", include_str!("../../keymaps/vim.toml")),
    ("emacs", include_str!("../../keymaps/emacs.toml")),
];

/// A problem in a keymap file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeymapIssue {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// Errors skip the entry; warnings keep it.
    pub error: bool,
}

impl fmt::Display for KeymapIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = if self.error { "error" } else { "warning" };
        write!(
            f,
            "{}:{}:{}: {level}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

#[derive(Clone, Debug)]
struct Binding {
    action: Action,
    file: String,
    line: usize,
    column: usize,
}

#[derive(Clone, Debug, Default)]
pub struct Keymap {
    /// The built-in map this one starts from.
    pub base: String,
    contexts: IndexMap<Context, IndexMap<Keys, Binding>>,
}

/// The outcome of one key press.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    Action(Action),
    /// The keys so far start a longer sequence; wait for the next key.
    Pending,
    None,
}

fn located(
    file: &str,
    text: &str,
    span: std::ops::Range<usize>,
    message: String,
    error: bool,
) -> KeymapIssue {
    let (line, column) = crate::config::line_col(text, span.start);
    KeymapIssue {
        file: file.to_owned(),
        line,
        column,
        message,
        error,
    }
}

impl Keymap {
    /// A built-in map by name.
    pub fn builtin(name: &str) -> Option<Keymap> {
        let mut issues = Vec::new();
        let text = BUILTIN.iter().find(|(n, _)| *n == name)?.1;
        let mut map = Keymap::default();
        map.apply(&format!("keymaps/{name}.toml"), text, &mut issues, 0);
        map.base = name.to_owned();
        Some(map)
    }

    /// The keymap in force: `base` (a built-in name), then the user's file when it exists.
    pub fn load(base: &str, user_file: Option<&Path>) -> (Keymap, Vec<KeymapIssue>) {
        let mut issues = Vec::new();
        let mut map = Keymap::default();
        let user_text = user_file.and_then(|p| {
            match crate::fsread::read_regular_string(p, crate::limits::SETTINGS_FILE_BYTES) {
                Ok(text) => Some(text),
                Err(e) => {
                    issues.push(KeymapIssue {
                        file: p.display().to_string(),
                        line: 1,
                        column: 1,
                        message: format!("not read: {e}"),
                        error: true,
                    });
                    None
                }
            }
        });
        let mut base_name = base.to_owned();
        if let (Some(path), Some(text)) = (user_file, &user_text)
            && let Ok(doc) = toml_edit::ImDocument::parse(text.as_str())
            && let Some(item) = doc.get("inherits")
        {
            let span = item.span().unwrap_or(0..0);
            match item.as_str() {
                Some(name) if BUILTIN.iter().any(|(n, _)| *n == name) => {
                    base_name = name.to_owned()
                }
                other => issues.push(located(
                    &path.display().to_string(),
                    text,
                    span,
                    format!(
                        "inherits = {}: no such keymap (built in: default, vim, emacs)",
                        other.map_or_else(|| item.to_string(), |n| format!("\"{n}\""))
                    ),
                    true,
                )),
            }
        }
        let builtin_text = BUILTIN
            .iter()
            .find(|(n, _)| *n == base_name)
            .map_or(BUILTIN[0].1, |(_, t)| t);
        map.apply(
            &format!("keymaps/{base_name}.toml"),
            builtin_text,
            &mut issues,
            0,
        );
        map.base = base_name;
        if let (Some(path), Some(text)) = (user_file, &user_text) {
            map.apply(&path.display().to_string(), text, &mut issues, 0);
        }
        map.check(&mut issues);
        (map, issues)
    }

    /// Applies one file (after the files it inherits from).
    fn apply(&mut self, file_name: &str, text: &str, issues: &mut Vec<KeymapIssue>, depth: usize) {
        let doc = match toml_edit::ImDocument::parse(text) {
            Ok(d) => d,
            Err(e) => {
                let span = e.span().unwrap_or(0..0);
                issues.push(located(file_name, text, span, e.message().to_owned(), true));
                return;
            }
        };
        if let Some(parent) = doc.get("inherits").and_then(|i| i.as_str())
            && depth < 4
            && file_name.starts_with("keymaps/")
            && let Some((name, parent_text)) = BUILTIN.iter().find(|(n, _)| *n == parent)
        {
            self.apply(
                &format!("keymaps/{name}.toml"),
                parent_text,
                issues,
                depth + 1,
            );
        }
        for (context_name, item) in doc.iter() {
            if context_name == "inherits" {
                continue;
            }
            let span = item.span().unwrap_or(0..0);
            let (Some(context), Some(table)) = (Context::parse(context_name), item.as_table_like())
            else {
                let names: Vec<&str> = Context::ALL.iter().map(|c| c.name()).collect();
                issues.push(located(
                    file_name,
                    text,
                    span,
                    format!(
                        "[{context_name}] is not a context (contexts: {})",
                        names.join(", ")
                    ),
                    true,
                ));
                continue;
            };
            for (key_text, value) in table.iter() {
                let span = value.span().unwrap_or(0..0);
                let keys = match parse_keys(key_text) {
                    Ok(k) => k,
                    Err(e) => {
                        issues.push(located(file_name, text, span.clone(), e, true));
                        continue;
                    }
                };
                let Some(name) = value.as_str() else {
                    issues.push(located(
                        file_name,
                        text,
                        span,
                        format!("{key_text}: the action must be a string"),
                        true,
                    ));
                    continue;
                };
                let bindings = self.contexts.entry(context).or_default();
                if name == "none" {
                    bindings.shift_remove(&keys);
                    continue;
                }
                let Some(action) = Action::from_name(name) else {
                    issues.push(located(
                        file_name,
                        text,
                        span,
                        format!("\"{name}\" is not an action (greenroom keys --actions lists them; \"none\" unbinds)"),
                        true,
                    ));
                    continue;
                };
                if let Some((chord, why)) =
                    keys.iter().find_map(|c| c.untypeable().map(|why| (c, why)))
                {
                    issues.push(located(
                        file_name,
                        text,
                        span,
                        format!("{key_text} can never be typed: {why} ({chord} is skipped)"),
                        true,
                    ));
                    continue;
                }
                if let Some(twin) = keys.iter().find_map(Chord::legacy_twin) {
                    issues.push(located(
                        file_name,
                        text,
                        span.clone(),
                        format!("{key_text} is sent as {twin} by most terminals, so the two cannot be told apart"),
                        false,
                    ));
                }
                let (line, column) = crate::config::line_col(text, span.start);
                bindings.insert(
                    keys,
                    Binding {
                        action,
                        file: file_name.to_owned(),
                        line,
                        column,
                    },
                );
            }
        }
    }

    /// Sequences that can never complete: `g` bound alone and `g g` bound too in one context.
    fn check(&mut self, issues: &mut Vec<KeymapIssue>) {
        for (context, bindings) in &mut self.contexts {
            let keys: Vec<Keys> = bindings.keys().cloned().collect();
            let mut drop = Vec::new();
            for long in &keys {
                for short in &keys {
                    if short.len() < long.len() && long.starts_with(short) {
                        let (s, l) = (&bindings[short], &bindings[long]);
                        issues.push(KeymapIssue {
                            file: l.file.clone(),
                            line: l.line,
                            column: l.column,
                            message: format!(
                                "[{}] \"{}\" ({}) can never be typed: \"{}\" is bound to {} at {}:{}",
                                context.name(),
                                keys_to_string(long),
                                l.action.name(),
                                keys_to_string(short),
                                s.action.name(),
                                s.file,
                                s.line
                            ),
                            error: true,
                        });
                        drop.push(long.clone());
                    }
                }
            }
            for k in drop {
                bindings.shift_remove(&k);
            }
        }
    }

    /// Resolves `pending` + `key` in the given contexts (most specific first).
    pub fn lookup(&self, contexts: &[Context], pending: &[Chord], key: Chord) -> Lookup {
        let mut seq: Keys = pending.to_vec();
        seq.push(key);
        for c in contexts {
            let Some(bindings) = self.contexts.get(c) else {
                continue;
            };
            if let Some(b) = bindings.get(&seq) {
                return Lookup::Action(b.action);
            }
            if bindings
                .keys()
                .any(|k| k.len() > seq.len() && k.starts_with(&seq))
            {
                return Lookup::Pending;
            }
        }
        Lookup::None
    }

    /// The keys bound to `action` in the first of `contexts` that binds it, as text.
    pub fn keys_for(&self, contexts: &[Context], action: Action) -> Vec<String> {
        for c in contexts {
            let found: Vec<String> = self
                .contexts
                .get(c)
                .into_iter()
                .flatten()
                .filter(|(k, b)| {
                    b.action == action
                        && self.lookup(contexts, &k[..k.len() - 1], k[k.len() - 1])
                            == Lookup::Action(action)
                })
                .map(|(k, _)| keys_to_string(k))
                .collect();
            if !found.is_empty() {
                return found;
            }
        }
        Vec::new()
    }

    /// Every binding of a context, in file order: (keys, action).
    pub fn bindings(&self, context: Context) -> Vec<(String, Action)> {
        self.contexts
            .get(&context)
            .into_iter()
            .flatten()
            .map(|(k, b)| (keys_to_string(k), b.action))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chord(s: &str) -> Chord {
        Chord::parse(s).unwrap()
    }

    #[test]
    fn builtin_maps_load_without_issues() {
        for (name, _) in BUILTIN {
            let (map, issues) = Keymap::load(name, None);
            assert!(issues.is_empty(), "{name}: {issues:#?}");
            assert_eq!(map.base, *name);
            assert_eq!(
                map.lookup(&[Context::Global], &[], chord("?")),
                Lookup::Action(Action::Help)
            );
        }
    }

    #[test]
    fn vim_sequences() {
        let map = Keymap::builtin("vim").unwrap();
        let ctx = [Context::Catalog, Context::Global];
        assert_eq!(map.lookup(&ctx, &[], chord("g")), Lookup::Pending);
        assert_eq!(
            map.lookup(&ctx, &[chord("g")], chord("g")),
            Lookup::Action(Action::Top)
        );
        assert_eq!(
            map.lookup(&ctx, &[], chord("j")),
            Lookup::Action(Action::Down)
        );
        assert_eq!(
            map.lookup(&ctx, &[], chord("G")),
            Lookup::Action(Action::Bottom)
        );
    }

    #[test]
    fn user_file_overrides_unbinds_and_reports_with_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keymap.toml");
        std::fs::write(
            &path,
            "inherits = \"vim\"\n\n[global]\n\"x\" = \"app.quit\"\n\"q\" = \"none\"\n\"z\" = \"app.explode\"\n\"ctrl-h\" = \"nav.back\"\n\"hyper-k\" = \"app.help\"\n\n[nowhere]\n\"a\" = \"app.quit\"\n\n[catalog]\n\"d\" = \"cursor.down\"\n\"d d\" = \"cursor.bottom\"\n",
        )
        .unwrap();
        let (map, issues) = Keymap::load("default", Some(&path));
        assert_eq!(map.base, "vim");
        let ctx = [Context::Catalog, Context::Global];
        assert_eq!(
            map.lookup(&ctx, &[], chord("x")),
            Lookup::Action(Action::Quit)
        );
        assert_eq!(map.lookup(&ctx, &[], chord("q")), Lookup::None);
        assert_eq!(
            map.lookup(&ctx, &[], chord("j")),
            Lookup::Action(Action::Down),
            "inherited from vim"
        );
        assert_eq!(
            map.lookup(&ctx, &[], chord("d")),
            Lookup::Action(Action::Down)
        );
        let lines: Vec<(usize, bool, &str)> = issues
            .iter()
            .map(|i| (i.line, i.error, i.message.as_str()))
            .collect();
        assert!(
            lines
                .iter()
                .any(|(l, e, m)| *l == 6 && *e && m.contains("\"app.explode\" is not an action")),
            "{lines:#?}"
        );
        assert!(
            lines
                .iter()
                .any(|(l, e, m)| *l == 7 && !*e && m.contains("backspace")),
            "{lines:#?}"
        );
        assert!(
            lines
                .iter()
                .any(|(l, e, m)| *l == 8 && *e && m.contains("not a key")),
            "{lines:#?}"
        );
        assert!(
            lines
                .iter()
                .any(|(l, e, m)| *l == 10 && *e && m.contains("[nowhere] is not a context")),
            "{lines:#?}"
        );
        assert!(
            lines
                .iter()
                .any(|(l, e, m)| *l == 15 && *e && m.contains("can never be typed")),
            "{lines:#?}"
        );
        assert!(issues.iter().all(|i| i.file.ends_with("keymap.toml")));
    }

    #[test]
    fn untypeable_bindings_are_problems_in_any_keymap_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keymap.toml");
        std::fs::write(
            &path,
            "[global]\n\"ctrl-]\" = \"nav.forward\"\n\"g ctrl-K\" = \"app.help\"\n",
        )
        .unwrap();
        let (map, issues) = Keymap::load("default", Some(&path));
        let found: Vec<(usize, bool)> = issues.iter().map(|i| (i.line, i.error)).collect();
        assert_eq!(found, vec![(2, true), (3, true)], "{issues:#?}");
        assert!(issues[0].message.contains("ctrl-5"), "{}", issues[0]);
        assert_eq!(
            map.lookup(&[Context::Global], &[], chord("ctrl-5")),
            Lookup::None
        );
        // The same check covers the built-in maps (builtin_maps_load_without_issues).
        let mut built_in = Keymap::default();
        let mut issues = Vec::new();
        built_in.apply(
            "keymaps/x.toml",
            "[global]\n\"ctrl-]\" = \"nav.forward\"\n",
            &mut issues,
            0,
        );
        assert_eq!(issues.len(), 1, "{issues:?}");
    }

    #[test]
    fn broken_toml_is_located() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keymap.toml");
        std::fs::write(
            &path,
            "[global]\n\"x\" = \"app.quit\"\n\"x\" = \"app.help\"\n",
        )
        .unwrap();
        let (map, issues) = Keymap::load("default", Some(&path));
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(issues[0].line, 3);
        assert!(issues[0].message.contains("duplicate"), "{}", issues[0]);
        // The built-in map still works.
        assert_eq!(
            map.lookup(&[Context::Global], &[], chord("?")),
            Lookup::Action(Action::Help)
        );
    }

    /// Actions reached only through the palette or another action, on purpose: the ref is
    /// the first line of the copy menu (`y`, Enter).
    const NO_DEFAULT_KEY: &[Action] = &[Action::CopyRef];

    #[test]
    fn every_action_has_a_default_key_where_it_applies_in_every_builtin_map() {
        for (name, _) in BUILTIN {
            let map = Keymap::builtin(name).unwrap();
            for a in Action::ALL {
                if NO_DEFAULT_KEY.contains(a) {
                    continue;
                }
                // A key in any context the action applies in (Global reaches every screen
                // context that falls back to it).
                let bound = a.contexts().iter().any(|c| {
                    let in_force = crate::tui::app::contexts_with(*c);
                    !map.keys_for(&in_force, *a).is_empty()
                });
                assert!(bound, "{name}: {} has no key where it applies", a.name());
            }
        }
    }

    #[test]
    fn keys_for_skips_shadowed_bindings() {
        let map = Keymap::builtin("default").unwrap();
        let keys = map.keys_for(&[Context::Catalog, Context::Global], Action::SearchFocus);
        assert_eq!(keys, vec!["/".to_string()]);
    }
}
