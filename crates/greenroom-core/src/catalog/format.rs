//! The field-format rules of catalog-model's `KubernetesValidatorFunctions` and
//! `CommonValidatorFunctions`, which `FieldFormatEntityPolicy` applies.

/// `^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`, at most 63 characters: entity names, label
/// values, the name part of label and annotation keys.
pub fn is_object_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// A DNS label: `^[a-z0-9]+(?:\-+[a-z0-9]+)*$`, at most 63 characters (namespaces).
pub fn is_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// A DNS subdomain: at most 253 characters of dot-separated DNS labels.
pub fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty() && s.len() <= 253 && s.split('.').all(is_dns_label)
}

/// `<dns-subdomain>/<version>` or `<version>`, version `^[a-z0-9A-Z]+$` up to 63 characters.
pub fn is_api_version(s: &str) -> bool {
    let version_ok =
        |v: &str| !v.is_empty() && v.len() <= 63 && v.bytes().all(|c| c.is_ascii_alphanumeric());
    match s.split_once('/') {
        None => version_ok(s),
        Some((prefix, version)) => {
            !version.contains('/') && is_dns_subdomain(prefix) && version_ok(version)
        }
    }
}

/// `^[a-zA-Z][a-z0-9A-Z]*$`, at most 63 characters.
pub fn is_kind(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphabetic()
        && b.iter().all(u8::is_ascii_alphanumeric)
}

/// Label and annotation keys: `[<dns-subdomain>/]<object-name>`.
pub fn is_qualified_key(s: &str) -> bool {
    match s.split_once('/') {
        None => is_object_name(s),
        Some((prefix, name)) => {
            !name.contains('/') && is_dns_subdomain(prefix) && is_object_name(name)
        }
    }
}

/// Label values may also be empty.
pub fn is_label_value(s: &str) -> bool {
    s.is_empty() || is_object_name(s)
}

/// `^[a-z0-9:+#]+(\-[a-z0-9:+#]+)*$`, at most 63 characters.
pub fn is_tag(s: &str) -> bool {
    let part_ok = |p: &str| {
        !p.is_empty()
            && p.bytes().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b':' | b'+' | b'#')
            })
    };
    !s.is_empty() && s.len() <= 63 && s.split('-').all(part_ok)
}

/// An absolute URL, as WHATWG `new URL()` would accept it.
pub fn is_absolute_url(s: &str) -> bool {
    url::Url::parse(s).is_ok()
}

pub const NAME_RULE: &str = "letters, digits and -_. between them, starting and ending with a letter or digit, at most 63 characters";
pub const NAMESPACE_RULE: &str =
    "lower-case letters, digits and dashes between them, at most 63 characters";
pub const TAG_RULE: &str =
    "lower-case letters, digits and :+# in words joined by single dashes, at most 63 characters";
pub const KIND_RULE: &str = "a letter followed by letters and digits, at most 63 characters";
pub const KEY_RULE: &str = "an optional lower-case DNS prefix and slash, then letters, digits and -_. (at most 63 characters)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_names() {
        for ok in ["a", "my-svc", "My_Svc.v2", "x1", &"a".repeat(63)] {
            assert!(is_object_name(ok), "{ok}");
        }
        for bad in ["", "-a", "a-", "a b", "a/b", "ü", &"a".repeat(64)] {
            assert!(!is_object_name(bad), "{bad}");
        }
    }

    #[test]
    fn namespaces_are_lower_case_dns_labels() {
        assert!(is_dns_label("prod-eu--1"));
        assert!(!is_dns_label("Prod"));
        assert!(!is_dns_label("a_b"));
        assert!(!is_dns_label("-a"));
    }

    #[test]
    fn api_versions() {
        assert!(is_api_version("backstage.io/v1alpha1"));
        assert!(is_api_version("scaffolder.backstage.io/v1beta3"));
        assert!(is_api_version("v1"));
        assert!(!is_api_version("backstage.io/v1/x"));
        assert!(!is_api_version("Backstage.io/v1"));
        assert!(!is_api_version("backstage.io/"));
        assert!(!is_api_version("backstage.io/v1-alpha"));
    }

    #[test]
    fn tags_allow_colon_plus_hash() {
        for ok in ["java", "c++", "c#", "team:platform", "a-b-c"] {
            assert!(is_tag(ok), "{ok}");
        }
        for bad in ["Java", "a--b", "-a", "a-", "a b", "a_b", ""] {
            assert!(!is_tag(bad), "{bad}");
        }
    }

    #[test]
    fn keys_and_values() {
        assert!(is_qualified_key("backstage.io/techdocs-ref"));
        assert!(is_qualified_key("goVersion"));
        assert!(!is_qualified_key("Backstage.io/x"));
        assert!(!is_qualified_key("a/b/c"));
        assert!(is_label_value(""));
        assert!(is_label_value("go1.15.3"));
        assert!(!is_label_value("Random value Generator"));
    }

    #[test]
    fn urls_must_be_absolute() {
        assert!(is_absolute_url("https://example.com/x"));
        assert!(is_absolute_url("mailto:a@b.c"));
        assert!(!is_absolute_url("/relative/path"));
        assert!(!is_absolute_url("example.com"));
    }
}
