//! An entity as Backstage stores it: the descriptor's JSON (unknown kinds and fields kept),
//! its identity, where it came from, and the relations computed for it.

use super::kinds::{self, KindDef};
use super::refs::EntityRef;
use super::relations::{Relation, RelationType};
use crate::yaml::Pos;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};
use std::sync::Arc;

pub const ANNOTATION_LOCATION: &str = "backstage.io/managed-by-location";
pub const ANNOTATION_ORIGIN_LOCATION: &str = "backstage.io/managed-by-origin-location";

/// Whether a real Backstage backend would store this entity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    /// Backstage would refuse it; greenroom keeps it so people can see and fix it.
    Rejected,
}

/// Where an entity was read from.
#[derive(Clone, Debug, PartialEq)]
pub struct Origin {
    /// The file as shown to people.
    pub file: Arc<str>,
    /// Where its document starts.
    pub pos: Pos,
    /// Backstage location reference of the file (`file:/abs/path`).
    pub location: Arc<str>,
    /// Location reference of the root the file was reached from.
    pub origin_location: Arc<str>,
}

impl Origin {
    /// Where the entity was defined, for people: `file:line` for a file, the descriptor's
    /// location and the portal it was read from for a remote entity (which has no line).
    pub fn place(&self) -> String {
        if self.pos.line == 0 {
            self.file.to_string()
        } else {
            format!("{}:{}", self.file, self.pos.line)
        }
    }
}

/// A reference written in the entity's spec, with where it was written, so problems with its
/// target can point at it.
#[derive(Clone, Debug, PartialEq)]
pub struct RefSite {
    pub field: &'static str,
    pub relation: RelationType,
    pub written: String,
    /// The target's canonical ref (`kind:namespace/name`, lower-case): the catalogue's join
    /// key, computed once when the descriptor is read.
    pub target: String,
    pub pos: Pos,
}

impl RefSite {
    /// The name part of the target (lower-case).
    pub fn target_name(&self) -> &str {
        let after_kind = self
            .target
            .split_once(':')
            .map_or(&*self.target, |(_, r)| r);
        after_kind.split_once('/').map_or(after_kind, |(_, n)| n)
    }
}

#[derive(Clone, Debug)]
pub struct Entity {
    /// `apiVersion`, `kind`, `metadata` and `spec` (if any), in Backstage's stored form:
    /// namespace filled in, the processor's lists sorted, location annotations added.
    pub data: Map<String, Value>,
    pub entity_ref: EntityRef,
    /// `entity_ref.canonical()`, kept because every lookup needs it.
    pub key: String,
    pub origin: Origin,
    pub verdict: Verdict,
    /// Spec references that produce relations (empty for rejected entities).
    pub ref_sites: Vec<RefSite>,
    /// Filled in when the catalogue is assembled, or given by a remote catalogue.
    pub relations: Vec<Relation>,
    /// `relations` came with the entity (a remote catalogue computed them); assembling adds
    /// only the relations other sources' entities imply.
    pub relations_given: bool,
}

fn str_of(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str)
}

impl Entity {
    pub fn kind(&self) -> &str {
        &self.entity_ref.kind
    }

    pub fn name(&self) -> &str {
        &self.entity_ref.name
    }

    pub fn namespace(&self) -> &str {
        &self.entity_ref.namespace
    }

    pub fn is_accepted(&self) -> bool {
        self.verdict == Verdict::Accepted
    }

    pub fn api_version(&self) -> Option<&str> {
        str_of(self.data.get("apiVersion"))
    }

    pub fn metadata(&self) -> Option<&Map<String, Value>> {
        self.data.get("metadata").and_then(Value::as_object)
    }

    pub fn spec(&self) -> Option<&Map<String, Value>> {
        self.data.get("spec").and_then(Value::as_object)
    }

    pub fn meta_str(&self, key: &str) -> Option<&str> {
        str_of(self.metadata()?.get(key))
    }

    pub fn spec_str(&self, key: &str) -> Option<&str> {
        str_of(self.spec()?.get(key))
    }

    /// The string items of a spec list (non-strings skipped).
    pub fn spec_list(&self, key: &str) -> impl Iterator<Item = &str> {
        self.spec()
            .and_then(|s| s.get(key))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
    }

    pub fn title(&self) -> Option<&str> {
        self.meta_str("title")
    }

    pub fn description(&self) -> Option<&str> {
        self.meta_str("description")
    }

    /// `metadata.title`, else a User's or Group's profile display name, else the name.
    pub fn display_name(&self) -> &str {
        self.title()
            .or_else(|| {
                self.spec()
                    .and_then(|s| s.get("profile"))
                    .and_then(|p| str_of(p.get("displayName")))
            })
            .unwrap_or(self.name())
    }

    pub fn spec_type(&self) -> Option<&str> {
        self.spec_str("type")
    }

    pub fn lifecycle(&self) -> Option<&str> {
        self.spec_str("lifecycle")
    }

    pub fn owner(&self) -> Option<&str> {
        self.spec_str("owner")
    }

    pub fn tags(&self) -> impl Iterator<Item = &str> {
        self.metadata()
            .and_then(|m| m.get("tags"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
    }

    pub fn annotations(&self) -> impl Iterator<Item = (&str, &str)> {
        self.metadata()
            .and_then(|m| m.get("annotations"))
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| v.as_str().map(|v| (k.as_str(), v)))
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        str_of(self.metadata()?.get("annotations")?.as_object()?.get(key))
    }

    pub fn labels(&self) -> impl Iterator<Item = (&str, &str)> {
        self.metadata()
            .and_then(|m| m.get("labels"))
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| v.as_str().map(|v| (k.as_str(), v)))
    }

    /// `metadata.links` entries that have a URL: (url, title).
    pub fn links(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.metadata()
            .and_then(|m| m.get("links"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|l| Some((str_of(l.get("url"))?, str_of(l.get("title")))))
    }

    /// The definition of a built-in kind, when this is one.
    pub fn kind_def(&self) -> Option<&'static KindDef> {
        kinds::builtin(self.kind())
    }

    pub fn is_kind(&self, kind: &str) -> bool {
        self.kind().eq_ignore_ascii_case(kind)
    }

    /// Targets of one relation type.
    pub fn related(&self, kind: &RelationType) -> impl Iterator<Item = &str> {
        self.relations
            .iter()
            .filter(move |r| &r.kind == kind)
            .map(|r| &*r.target)
    }

    /// The entity as `GET /api/catalog/entities` returns it (without server-set uid and etag).
    pub fn to_backstage_json(&self) -> Value {
        let mut out = self.data.clone();
        out.insert(
            "relations".into(),
            serde_json::to_value(&self.relations).unwrap_or_default(),
        );
        Value::Object(out)
    }

    /// The same JSON as [`to_backstage_json`](Self::to_backstage_json), serialised straight
    /// from the entity without copying it (what `export` streams, one entity at a time).
    pub fn backstage_json(&self) -> BackstageJson<'_> {
        BackstageJson(self)
    }
}

/// An entity serialising as `GET /api/catalog/entities` returns it; see
/// [`Entity::backstage_json`].
#[derive(Clone, Copy, Debug)]
pub struct BackstageJson<'a>(&'a Entity);

impl Serialize for BackstageJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let e = self.0;
        let given = e.data.contains_key("relations");
        let len = e.data.len() + usize::from(!given);
        let mut map = serializer.serialize_map(Some(len))?;
        for (k, v) in &e.data {
            // `to_backstage_json` replaces a `relations` field in place (map order kept).
            if k == "relations" {
                map.serialize_entry(k, &e.relations)?;
            } else {
                map.serialize_entry(k, v)?;
            }
        }
        if !given {
            map.serialize_entry("relations", &e.relations)?;
        }
        map.end()
    }
}
