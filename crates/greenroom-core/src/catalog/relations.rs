//! Relations: the seven well-known pairs of catalog-model, stored as Backstage serves them
//! (`{type, targetRef}` on the source entity, sorted by type then target).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

macro_rules! relation_types {
    ($($variant:ident => $name:literal, $label:literal, $reverse:ident;)*) => {
        /// A relation type. The fourteen well-known ones have names; anything else a remote
        /// portal sends is kept as written.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum RelationType {
            $($variant,)*
            Other(String),
        }

        impl RelationType {
            pub const WELL_KNOWN: [RelationType; 14] = [$(RelationType::$variant,)*];

            pub fn as_str(&self) -> &str {
                match self {
                    $(RelationType::$variant => $name,)*
                    RelationType::Other(s) => s,
                }
            }

            /// The other direction of a well-known pair.
            pub fn reverse(&self) -> Option<RelationType> {
                match self {
                    $(RelationType::$variant => Some(RelationType::$reverse),)*
                    RelationType::Other(_) => None,
                }
            }

            /// Words for people ("owned by", "has part").
            pub fn label(&self) -> &str {
                match self {
                    $(RelationType::$variant => $label,)*
                    RelationType::Other(s) => s,
                }
            }
        }
    };
}

relation_types! {
    OwnedBy => "ownedBy", "owned by", OwnerOf;
    OwnerOf => "ownerOf", "owner of", OwnedBy;
    ProvidesApi => "providesApi", "provides API", ApiProvidedBy;
    ApiProvidedBy => "apiProvidedBy", "API provided by", ProvidesApi;
    ConsumesApi => "consumesApi", "consumes API", ApiConsumedBy;
    ApiConsumedBy => "apiConsumedBy", "API consumed by", ConsumesApi;
    DependsOn => "dependsOn", "depends on", DependencyOf;
    DependencyOf => "dependencyOf", "dependency of", DependsOn;
    ParentOf => "parentOf", "parent of", ChildOf;
    ChildOf => "childOf", "child of", ParentOf;
    MemberOf => "memberOf", "member of", HasMember;
    HasMember => "hasMember", "has member", MemberOf;
    PartOf => "partOf", "part of", HasPart;
    HasPart => "hasPart", "has part", PartOf;
}

impl RelationType {
    pub fn parse(s: &str) -> RelationType {
        Self::WELL_KNOWN
            .iter()
            .find(|t| t.as_str() == s)
            .cloned()
            .unwrap_or_else(|| RelationType::Other(s.to_owned()))
    }
}

impl fmt::Display for RelationType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RelationType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RelationType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(RelationType::parse(&s))
    }
}

/// One relation as served by `GET /api/catalog/entities`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Relation {
    #[serde(rename = "type")]
    pub kind: RelationType,
    /// Canonical (lower-case) `kind:namespace/name` of the target. Shared: every relation
    /// pointing at one entity holds the same text (one allocation per entity, not per
    /// relation, when the catalogue computes them).
    #[serde(rename = "targetRef")]
    pub target: Arc<str>,
}

/// A relation with both ends, before it is attached to its source entity.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Edge {
    pub source: String,
    pub kind: RelationType,
    pub target: String,
}

impl Edge {
    /// The edge and its reverse, as the catalog processor emits both for each spec reference.
    pub fn pair(source: &str, kind: RelationType, target: &str) -> [Edge; 2] {
        let reverse = kind.reverse().unwrap_or_else(|| kind.clone());
        [
            Edge {
                source: source.to_owned(),
                kind,
                target: target.to_owned(),
            },
            Edge {
                source: target.to_owned(),
                kind: reverse,
                target: source.to_owned(),
            },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pair_reverses_to_itself() {
        for t in RelationType::WELL_KNOWN {
            assert_eq!(t.reverse().unwrap().reverse().unwrap(), t);
            assert_eq!(RelationType::parse(t.as_str()), t);
        }
        assert_eq!(
            RelationType::parse("custom"),
            RelationType::Other("custom".into())
        );
    }

    #[test]
    fn serializes_like_backstage() {
        let r = Relation {
            kind: RelationType::OwnedBy,
            target: "group:default/team-a".into(),
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"type":"ownedBy","targetRef":"group:default/team-a"}"#
        );
    }
}
