//! Entity references: `[<kind>:][<namespace>/]<name>`, parsed exactly as catalog-model's
//! `parseEntityRef` does, compared case-insensitively, displayed as written.

use serde::{Serialize, Serializer};
use std::fmt;
use std::hash::{Hash, Hasher};

pub const DEFAULT_NAMESPACE: &str = "default";

/// A fully-qualified reference. Equality and hashing ignore case, as Backstage does; `Display`
/// keeps the spelling the author used, [`EntityRef::canonical`] gives the lower-case join key.
#[derive(Clone, Debug)]
pub struct EntityRef {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl EntityRef {
    pub fn new(
        kind: impl Into<String>,
        namespace: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        EntityRef {
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// `kind:namespace/name`, lower-cased: the form of `targetRef` and every join key.
    pub fn canonical(&self) -> String {
        let mut s =
            String::with_capacity(self.kind.len() + self.namespace.len() + self.name.len() + 2);
        s.push_str(&self.kind.to_lowercase());
        s.push(':');
        s.push_str(&self.namespace.to_lowercase());
        s.push('/');
        s.push_str(&self.name.to_lowercase());
        s
    }

    /// The shortest form that still means this entity where `default_kind` is implied.
    pub fn short(&self, default_kind: Option<&str>) -> String {
        let kind_implied = default_kind.is_some_and(|k| k.eq_ignore_ascii_case(&self.kind));
        let ns_implied = self.namespace.eq_ignore_ascii_case(DEFAULT_NAMESPACE);
        match (kind_implied, ns_implied) {
            (true, true) => self.name.clone(),
            (true, false) => format!("{}/{}", self.namespace, self.name),
            (false, true) => format!("{}:{}", self.kind, self.name),
            (false, false) => self.to_string(),
        }
    }
}

impl PartialEq for EntityRef {
    fn eq(&self, other: &Self) -> bool {
        self.kind.eq_ignore_ascii_case(&other.kind)
            && self.namespace.eq_ignore_ascii_case(&other.namespace)
            && self.name.to_lowercase() == other.name.to_lowercase()
    }
}

impl Eq for EntityRef {}

impl Hash for EntityRef {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.canonical().hash(state);
    }
}

impl fmt::Display for EntityRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}/{}", self.kind, self.namespace, self.name)
    }
}

impl Serialize for EntityRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.canonical())
    }
}

/// Defaults that apply where a reference appears: refs inside `spec` inherit the referring
/// entity's namespace, and each field has its own default kind (none for `dependsOn`).
#[derive(Clone, Copy, Debug, Default)]
pub struct RefContext<'a> {
    pub default_kind: Option<&'a str>,
    pub default_namespace: Option<&'a str>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RefError {
    #[error("Entity reference \"{0}\" was not on the form [<kind>:][<namespace>/]<name>")]
    Malformed(String),
    #[error(
        "Entity reference \"{0}\" had missing or empty kind (e.g. did not start with \"component:\" or similar)"
    )]
    MissingKind(String),
    #[error("Entity reference must not be empty")]
    Empty,
}

/// The three optional parts of a reference string, as `parseRefString` splits them.
pub fn split_ref(text: &str) -> Result<(Option<&str>, Option<&str>, &str), RefError> {
    let mut colon = text.find(':');
    let slash = text.find('/');
    if let (Some(s), Some(c)) = (slash, colon)
        && s < c
    {
        colon = None;
    }
    let kind = colon.map(|c| &text[..c]);
    let namespace = slash.map(|s| &text[colon.map_or(0, |c| c + 1)..s]);
    let name_start = colon.map_or(0, |c| c + 1).max(slash.map_or(0, |s| s + 1));
    let name = &text[name_start..];
    if kind == Some("") || namespace == Some("") || name.is_empty() {
        return Err(RefError::Malformed(text.to_owned()));
    }
    Ok((kind, namespace, name))
}

/// Parses a reference with the defaults of its context.
pub fn parse_ref(text: &str, ctx: RefContext<'_>) -> Result<EntityRef, RefError> {
    if text.is_empty() {
        return Err(RefError::Empty);
    }
    let (kind, namespace, name) = split_ref(text)?;
    let kind = kind
        .or(ctx.default_kind)
        .ok_or_else(|| RefError::MissingKind(text.to_owned()))?;
    let namespace = namespace
        .or(ctx.default_namespace)
        .unwrap_or(DEFAULT_NAMESPACE);
    Ok(EntityRef::new(kind, namespace, name))
}

/// Lower-cases a `kind:namespace/name` string (or fills defaults) for lookups by canonical key.
pub fn canonical_key(text: &str, ctx: RefContext<'_>) -> Option<String> {
    parse_ref(text, ctx).ok().map(|r| r.canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx<'a>(kind: Option<&'a str>, ns: Option<&'a str>) -> RefContext<'a> {
        RefContext {
            default_kind: kind,
            default_namespace: ns,
        }
    }

    #[test]
    fn parses_all_forms() {
        let r = parse_ref("Component:Prod/My-Svc", ctx(None, None)).unwrap();
        assert_eq!(r.to_string(), "Component:Prod/My-Svc");
        assert_eq!(r.canonical(), "component:prod/my-svc");
        let r = parse_ref("team-a", ctx(Some("Group"), Some("ops"))).unwrap();
        assert_eq!(r.canonical(), "group:ops/team-a");
        let r = parse_ref("user:guest", ctx(Some("Group"), Some("ops"))).unwrap();
        assert_eq!(r.canonical(), "user:ops/guest");
        let r = parse_ref("ns/name", ctx(Some("API"), None)).unwrap();
        assert_eq!(r.canonical(), "api:ns/name");
    }

    #[test]
    fn slash_before_colon_means_no_kind() {
        let r = parse_ref("ns/na:me", ctx(Some("Group"), None)).unwrap();
        assert_eq!(
            (r.kind.as_str(), r.namespace.as_str(), r.name.as_str()),
            ("Group", "ns", "na:me")
        );
    }

    #[test]
    fn missing_kind_without_default_is_backstage_error() {
        let e = parse_ref("artists-db", ctx(None, Some("default"))).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Entity reference \"artists-db\" had missing or empty kind (e.g. did not start with \"component:\" or similar)"
        );
    }

    #[test]
    fn empty_parts_are_malformed() {
        for bad in [":x", "a:/x", "a:b/", "/x", "x/"] {
            assert!(
                matches!(
                    parse_ref(bad, ctx(Some("Group"), None)),
                    Err(RefError::Malformed(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn equality_ignores_case_display_keeps_it() {
        let a = EntityRef::new("Group", "default", "Team-A");
        let b = EntityRef::new("group", "DEFAULT", "team-a");
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "Group:default/Team-A");
        assert_eq!(a.short(Some("group")), "Team-A");
        assert_eq!(a.short(None), "Group:Team-A");
    }
}
