//! The query language: fuzzy words, `"quoted phrases"`, field filters (`kind:`, `type:`,
//! `owner:`, `tag:`, `label:`, `lifecycle:`, `system:`, `domain:`, `ns:`, `level:`, `docs:`), and `-`
//! to negate a filter,
//! phrase or word. Filters on the same field are alternatives; everything else must all hold.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Kind,
    Type,
    Owner,
    Tag,
    /// `label:key` (has the label) or `label:key=value`.
    Label,
    Lifecycle,
    System,
    Domain,
    Namespace,
    /// A scorecard level (`level:gold`, `level:<silver`): answered by the graded board
    /// (`search::Levels`, implemented by `scorecard::Board`), not the index.
    Level,
    /// `docs:words` (or `docs:"two words"`): the entity's TechDocs hold every word. Answered
    /// by the catalogue's TechDocs search index (`techdocs::DocsIndex`), not this index.
    Docs,
}

impl Field {
    pub const ALL: [Field; 9] = [
        Field::Kind,
        Field::Type,
        Field::Owner,
        Field::Tag,
        Field::Label,
        Field::Lifecycle,
        Field::System,
        Field::Domain,
        Field::Namespace,
    ];

    pub fn parse(s: &str) -> Option<Field> {
        Some(match s.to_ascii_lowercase().as_str() {
            "kind" => Field::Kind,
            "type" => Field::Type,
            "owner" => Field::Owner,
            "tag" | "tags" => Field::Tag,
            "label" | "labels" => Field::Label,
            "lifecycle" => Field::Lifecycle,
            "system" => Field::System,
            "domain" => Field::Domain,
            "ns" | "namespace" => Field::Namespace,
            "level" => Field::Level,
            "docs" => Field::Docs,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Field::Kind => "kind",
            Field::Type => "type",
            Field::Owner => "owner",
            Field::Tag => "tag",
            Field::Label => "label",
            Field::Lifecycle => "lifecycle",
            Field::System => "system",
            Field::Domain => "domain",
            Field::Namespace => "ns",
            Field::Level => "level",
            Field::Docs => "docs",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Term {
    /// Matched fuzzily against name, title, description, tags, owner and kind.
    Fuzzy(String),
    /// Matched as a whole (case-insensitive substring).
    Phrase(String),
    /// Excludes entities whose text contains it.
    Exclude(String),
    Filter {
        field: Field,
        value: String,
        negated: bool,
    },
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    pub terms: Vec<Term>,
}

impl Query {
    pub fn parse(input: &str) -> Query {
        let mut terms = Vec::new();
        let mut chars = input.chars().peekable();
        loop {
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            let Some(&first) = chars.peek() else { break };
            let negated = first == '-';
            if negated {
                chars.next();
            }
            let mut word = String::new();
            let mut quoted_part: Option<(usize, String)> = None;
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                chars.next();
                if c == '"' {
                    let mut phrase = String::new();
                    for q in chars.by_ref() {
                        if q == '"' {
                            break;
                        }
                        phrase.push(q);
                    }
                    quoted_part = Some((word.len(), phrase.clone()));
                    word.push_str(&phrase);
                } else {
                    word.push(c);
                }
            }
            let term = match (word.split_once(':'), &quoted_part) {
                (Some((f, v)), _) if let Some(field) = Field::parse(f) => Some(Term::Filter {
                    field,
                    value: v.to_lowercase(),
                    negated,
                }),
                (_, Some((0, phrase))) if phrase.len() == word.len() => {
                    let p = phrase.to_lowercase();
                    match (p.is_empty(), negated) {
                        (true, _) => None,
                        (false, true) => Some(Term::Exclude(p)),
                        (false, false) => Some(Term::Phrase(p)),
                    }
                }
                _ if word.is_empty() => None,
                _ if negated => Some(Term::Exclude(word.to_lowercase())),
                _ => Some(Term::Fuzzy(word.to_lowercase())),
            };
            terms.extend(term);
        }
        Query { terms }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The words matched fuzzily (for highlighting).
    pub fn fuzzy_words(&self) -> impl Iterator<Item = &str> {
        self.terms.iter().filter_map(|t| match t {
            Term::Fuzzy(w) | Term::Phrase(w) => Some(w.as_str()),
            _ => None,
        })
    }

    /// Whether `self` can only match a subset of what `previous` matched, so a search can start
    /// from the previous results (typing more characters narrows).
    pub fn narrows(&self, previous: &Query) -> bool {
        if previous.terms.len() > self.terms.len() || previous.terms.is_empty() {
            return false;
        }
        previous
            .terms
            .iter()
            .zip(&self.terms)
            .enumerate()
            .all(|(i, (p, n))| {
                let last = i + 1 == previous.terms.len();
                p == n
                    || (last
                        && match (p, n) {
                            (Term::Fuzzy(a), Term::Fuzzy(b)) => b.starts_with(a.as_str()),
                            (Term::Phrase(a), Term::Phrase(b)) => b.contains(a.as_str()),
                            _ => false,
                        })
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fuzzy(s: &str) -> Term {
        Term::Fuzzy(s.into())
    }

    #[test]
    fn parses_filters_phrases_and_negation() {
        let q = Query::parse(
            r#"pay  kind:Component -tag:legacy "checkout api" -"old" -beta owner:"team a" foo:bar"#,
        );
        assert_eq!(
            q.terms,
            vec![
                fuzzy("pay"),
                Term::Filter {
                    field: Field::Kind,
                    value: "component".into(),
                    negated: false
                },
                Term::Filter {
                    field: Field::Tag,
                    value: "legacy".into(),
                    negated: true
                },
                Term::Phrase("checkout api".into()),
                Term::Exclude("old".into()),
                Term::Exclude("beta".into()),
                Term::Filter {
                    field: Field::Owner,
                    value: "team a".into(),
                    negated: false
                },
                fuzzy("foo:bar"),
            ]
        );
    }

    #[test]
    fn empty_and_lone_dash() {
        assert!(Query::parse("   ").is_empty());
        assert!(Query::parse("-").is_empty());
        assert_eq!(Query::parse("kind:").terms.len(), 1);
    }

    #[test]
    fn narrowing() {
        let a = Query::parse("pay");
        assert!(Query::parse("paym").narrows(&a));
        assert!(Query::parse("pay kind:api").narrows(&a));
        assert!(!Query::parse("pa").narrows(&a));
        assert!(!Query::parse("-pay").narrows(&a));
        assert!(!Query::parse("x").narrows(&Query::default()));
    }
}
