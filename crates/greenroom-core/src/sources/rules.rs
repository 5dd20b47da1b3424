//! Backstage's `catalog.rules`: which entity kinds may come from which locations, applied the
//! way `DefaultCatalogRulesEnforcer` does. A rule allows kinds (compared ignoring case), from
//! every location or from the locations it lists (`type` and an exact `target`, or a glob
//! `pattern`); a files source's own `rules` (like `catalog.locations[].rules`) allow kinds from
//! the files that source names or walks, not from files its Locations lead to. When rules are
//! configured anywhere and `catalog.rules` is not, Backstage's default applies: Component, API
//! and Location. With no rules configured at all greenroom allows every kind (as before).
//!
//! A file holding an entity of a kind not allowed is refused whole, as the backend refuses the
//! whole read of that location: every entity of the file is rejected, with the backend's error.

use serde::Deserialize;

/// One rule: these kinds, from these locations (all when none are listed).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CatalogRule {
    pub allow: Vec<String>,
    #[serde(default)]
    pub locations: Vec<RuleLocation>,
}

/// A location a rule applies to: its type (`file`) and an exact target or a glob pattern
/// (absolute paths for files; a config file's relative target is resolved from its folder).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RuleLocation {
    #[serde(rename = "type")]
    pub location_type: String,
    #[serde(default)]
    pub target: Option<String>,
    #[serde(default)]
    pub pattern: Option<String>,
}

/// Backstage's rules when `catalog.rules` is not configured.
pub const DEFAULT_ALLOW: &[&str] = &["Component", "API", "Location"];

impl CatalogRule {
    pub fn allows(&self, kind: &str) -> bool {
        self.allow.iter().any(|k| k.eq_ignore_ascii_case(kind))
    }

    /// Whether the rule applies to an entity read from `location_type:target`.
    pub fn applies_to(&self, location_type: &str, target: &str) -> bool {
        self.locations.is_empty()
            || self.locations.iter().any(|l| {
                l.location_type == location_type
                    && match (&l.target, &l.pattern) {
                        (Some(t), _) => t == target,
                        (None, Some(p)) => globset::GlobBuilder::new(p)
                            .literal_separator(true)
                            .build()
                            .is_ok_and(|g| g.compile_matcher().is_match(target)),
                        (None, None) => true,
                    }
            })
    }
}

/// The rules in force for one load.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CatalogRules {
    /// `catalog.rules` (or Backstage's default, when rules are configured only on sources).
    pub global: Vec<CatalogRule>,
}

impl CatalogRules {
    /// The rules from the config: `None` when no rules are configured anywhere.
    pub fn from_config(global: &[CatalogRule], any_source_rules: bool) -> Option<CatalogRules> {
        if !global.is_empty() {
            return Some(CatalogRules {
                global: global.to_vec(),
            });
        }
        any_source_rules.then(|| CatalogRules {
            global: vec![CatalogRule {
                allow: DEFAULT_ALLOW.iter().map(|s| (*s).to_owned()).collect(),
                locations: Vec::new(),
            }],
        })
    }

    /// Whether `kind` may come from `location_type:target`, given the source's own rules when
    /// the file is one the source names (`own`).
    pub fn allows(
        &self,
        kind: &str,
        location_type: &str,
        target: &str,
        own: &[CatalogRule],
    ) -> bool {
        self.global
            .iter()
            .chain(own)
            .any(|r| r.applies_to(location_type, target) && r.allows(kind))
    }

    /// The kinds allowed from `location_type:target`, for the error message.
    pub fn allowed_kinds(
        &self,
        location_type: &str,
        target: &str,
        own: &[CatalogRule],
    ) -> Vec<String> {
        let mut kinds: Vec<String> = self
            .global
            .iter()
            .chain(own)
            .filter(|r| r.applies_to(location_type, target))
            .flat_map(|r| r.allow.iter().cloned())
            .collect();
        kinds.dedup();
        kinds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(allow: &[&str], locations: Vec<RuleLocation>) -> CatalogRule {
        CatalogRule {
            allow: allow.iter().map(|s| (*s).to_owned()).collect(),
            locations,
        }
    }

    #[test]
    fn kinds_ignore_case_and_locations_match_by_target_or_pattern() {
        let rules = CatalogRules {
            global: vec![
                rule(&["Component"], Vec::new()),
                rule(
                    &["Group", "user"],
                    vec![RuleLocation {
                        location_type: "file".into(),
                        target: None,
                        pattern: Some("/org/**/*.yaml".into()),
                    }],
                ),
                rule(
                    &["Template"],
                    vec![RuleLocation {
                        location_type: "file".into(),
                        target: Some("/t/all.yaml".into()),
                        pattern: None,
                    }],
                ),
            ],
        };
        assert!(rules.allows("component", "file", "/x/a.yaml", &[]));
        assert!(!rules.allows("Group", "file", "/x/a.yaml", &[]));
        assert!(rules.allows("Group", "file", "/org/teams/a.yaml", &[]));
        assert!(rules.allows("User", "file", "/org/a.yaml", &[]));
        assert!(!rules.allows("Group", "url", "/org/a.yaml", &[]));
        assert!(rules.allows("Template", "file", "/t/all.yaml", &[]));
        assert!(!rules.allows("Template", "file", "/t/other.yaml", &[]));
        assert!(rules.allows("System", "file", "/x", &[rule(&["System"], Vec::new())]));
    }

    #[test]
    fn backstages_default_applies_when_only_sources_have_rules() {
        assert_eq!(CatalogRules::from_config(&[], false), None);
        let r = CatalogRules::from_config(&[], true).unwrap();
        for kind in ["Component", "API", "Location"] {
            assert!(r.allows(kind, "file", "/a", &[]));
        }
        assert!(!r.allows("Group", "file", "/a", &[]));
    }
}
