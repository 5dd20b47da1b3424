//! The built-in kinds, as data: which apiVersions each accepts, its spec fields with their types
//! and whether they are required (from Backstage's JSON Schemas), and which fields are references
//! that become relations (from `BuiltinKindsEntityProcessor` and the scaffolder's entity module).
//! Validation, relation building and the UI all read this one table.

use super::relations::RelationType;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    /// A non-empty string.
    Str,
    /// A list of non-empty strings.
    StrList,
    /// A map whose listed string members must be non-empty strings.
    Object(&'static [&'static str]),
    /// A list of maps, each needing the listed string members.
    ObjectList(&'static [&'static str]),
    /// A map, or a list of maps (Template `parameters`).
    ObjectOrObjectList,
    /// One of the listed strings.
    Enum(&'static [&'static str]),
}

/// A spec field whose values are entity references.
#[derive(Clone, Debug)]
pub struct RefRule {
    /// Applied when the reference names no kind; `None` means the kind must be written out.
    pub default_kind: Option<&'static str>,
    pub relation: RelationType,
}

#[derive(Clone, Debug)]
pub struct SpecField {
    pub name: &'static str,
    pub ty: FieldType,
    pub required: bool,
    pub refers: Option<RefRule>,
}

#[derive(Clone, Debug)]
pub struct KindDef {
    pub kind: &'static str,
    pub api_versions: &'static [&'static str],
    pub fields: &'static [SpecField],
    /// One line for people: what this kind is.
    pub summary: &'static str,
}

impl KindDef {
    pub fn field(&self, name: &str) -> Option<&'static SpecField> {
        self.fields.iter().find(|f| f.name == name)
    }

    pub fn required(&self) -> impl Iterator<Item = &'static str> {
        self.fields.iter().filter(|f| f.required).map(|f| f.name)
    }
}

const CORE_VERSIONS: &[&str] = &["backstage.io/v1alpha1", "backstage.io/v1beta1"];
const PROFILE: FieldType = FieldType::Object(&["displayName", "email", "picture"]);

const fn field(name: &'static str, ty: FieldType, required: bool) -> SpecField {
    SpecField {
        name,
        ty,
        required,
        refers: None,
    }
}

const fn reference(
    name: &'static str,
    ty: FieldType,
    required: bool,
    default_kind: Option<&'static str>,
    relation: RelationType,
) -> SpecField {
    SpecField {
        name,
        ty,
        required,
        refers: Some(RefRule {
            default_kind,
            relation,
        }),
    }
}

use FieldType::*;
use RelationType::*;

const OWNER: SpecField = reference("owner", Str, true, Some("Group"), OwnedBy);
const SYSTEM: SpecField = reference("system", Str, false, Some("System"), PartOf);
const DEPENDS_ON: SpecField = reference("dependsOn", StrList, false, None, DependsOn);
// Not in the JSON Schema, but the processor turns it into relations.
const DEPENDENCY_OF: SpecField = reference("dependencyOf", StrList, false, None, DependencyOf);

pub static BUILTIN_KINDS: &[KindDef] = &[
    KindDef {
        kind: "Component",
        api_versions: CORE_VERSIONS,
        summary: "a piece of software: a service, website or library",
        fields: &[
            field("type", Str, true),
            field("lifecycle", Str, true),
            OWNER,
            SYSTEM,
            reference("subcomponentOf", Str, false, Some("Component"), PartOf),
            reference("providesApis", StrList, false, Some("API"), ProvidesApi),
            reference("consumesApis", StrList, false, Some("API"), ConsumesApi),
            DEPENDS_ON,
            DEPENDENCY_OF,
        ],
    },
    KindDef {
        kind: "API",
        api_versions: CORE_VERSIONS,
        summary: "an interface a component provides: OpenAPI, AsyncAPI, GraphQL, gRPC",
        fields: &[
            field("type", Str, true),
            field("lifecycle", Str, true),
            OWNER,
            SYSTEM,
            field("definition", Str, true),
        ],
    },
    KindDef {
        kind: "Resource",
        api_versions: CORE_VERSIONS,
        summary: "infrastructure a component needs at runtime: a database, bucket, cluster",
        fields: &[
            field("type", Str, true),
            OWNER,
            SYSTEM,
            DEPENDS_ON,
            DEPENDENCY_OF,
        ],
    },
    KindDef {
        kind: "System",
        api_versions: CORE_VERSIONS,
        summary: "a collection of components, APIs and resources that together expose a feature",
        fields: &[
            OWNER,
            reference("domain", Str, false, Some("Domain"), PartOf),
            field("type", Str, false),
        ],
    },
    KindDef {
        kind: "Domain",
        api_versions: CORE_VERSIONS,
        summary: "a business area that groups systems",
        fields: &[
            OWNER,
            reference("subdomainOf", Str, false, Some("Domain"), PartOf),
            field("type", Str, false),
        ],
    },
    KindDef {
        kind: "Group",
        api_versions: CORE_VERSIONS,
        summary: "a team or other organisational unit",
        fields: &[
            field("type", Str, true),
            field("profile", PROFILE, false),
            reference("parent", Str, false, Some("Group"), ChildOf),
            reference("children", StrList, true, Some("Group"), ParentOf),
            reference("members", StrList, false, Some("User"), HasMember),
        ],
    },
    KindDef {
        kind: "User",
        api_versions: CORE_VERSIONS,
        summary: "a person",
        fields: &[
            field("profile", PROFILE, false),
            reference("memberOf", StrList, true, Some("Group"), MemberOf),
        ],
    },
    KindDef {
        kind: "Location",
        api_versions: CORE_VERSIONS,
        summary: "a pointer to more descriptor files",
        fields: &[
            field("type", Str, false),
            field("target", Str, false),
            field("targets", StrList, false),
            field("presence", Enum(&["required", "optional"]), false),
        ],
    },
    KindDef {
        kind: "Template",
        api_versions: &["scaffolder.backstage.io/v1beta3"],
        summary: "a Software Template that creates something new",
        fields: &[
            field("type", Str, true),
            reference("owner", Str, false, Some("Group"), OwnedBy),
            field("lifecycle", Str, false),
            field("parameters", ObjectOrObjectList, false),
            field("steps", ObjectList(&["action"]), true),
            field("output", Object(&[]), false),
            field("secrets", Object(&[]), false),
            field("presentation", Object(&[]), false),
            field("formDecorators", ObjectList(&[]), false),
        ],
    },
];

/// The built-in definition of `kind` (case-sensitive, as Backstage's validators are).
pub fn builtin(kind: &str) -> Option<&'static KindDef> {
    BUILTIN_KINDS.iter().find(|k| k.kind == kind)
}

/// A built-in kind spelled with different case, for "did you mean" hints.
pub fn builtin_ignoring_case(kind: &str) -> Option<&'static KindDef> {
    BUILTIN_KINDS
        .iter()
        .find(|k| k.kind.eq_ignore_ascii_case(kind))
}

/// Spec lists Backstage sorts before storing (`BuiltinKindsEntityProcessor.preProcessEntity`).
pub const SORTED_SPEC_LISTS: &[&str] = &[
    "providesApis",
    "consumesApis",
    "dependsOn",
    "dependencyOf",
    "memberOf",
    "children",
    "members",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_required_fields() {
        let req = |k: &str| builtin(k).unwrap().required().collect::<Vec<_>>();
        assert_eq!(req("Component"), ["type", "lifecycle", "owner"]);
        assert_eq!(req("API"), ["type", "lifecycle", "owner", "definition"]);
        assert_eq!(req("Resource"), ["type", "owner"]);
        assert_eq!(req("System"), ["owner"]);
        assert_eq!(req("Domain"), ["owner"]);
        assert_eq!(req("Group"), ["type", "children"]);
        assert_eq!(req("User"), ["memberOf"]);
        assert!(req("Location").is_empty());
        assert_eq!(req("Template"), ["type", "steps"]);
    }

    #[test]
    fn kind_lookup_is_case_sensitive() {
        assert!(builtin("component").is_none());
        assert_eq!(
            builtin_ignoring_case("component").unwrap().kind,
            "Component"
        );
    }
}
