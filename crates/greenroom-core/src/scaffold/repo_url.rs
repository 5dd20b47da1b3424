//! RepoUrlPicker values: `host?owner=o&repo=r[&organization=..][&workspace=..][&project=..]`,
//! parsed as scaffolder-node's `parseRepoUrl` does and composed as the picker does.

use serde::Serialize;
use std::fmt;

/// The kind of SCM a host is, which decides the parts a repository URL needs. Backstage takes
/// it from its integrations config; greenroom knows the public hosts and treats others as
/// GitHub-like (owner + repo).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostKind {
    Github,
    Gitlab,
    BitbucketCloud,
    BitbucketServer,
    Azure,
    Gitea,
    Gerrit,
    Other,
}

impl HostKind {
    pub fn of(host: &str) -> HostKind {
        let host = host.to_ascii_lowercase();
        match host.as_str() {
            "github.com" => HostKind::Github,
            "gitlab.com" => HostKind::Gitlab,
            "bitbucket.org" => HostKind::BitbucketCloud,
            "dev.azure.com" => HostKind::Azure,
            h if h.starts_with("gitlab.") => HostKind::Gitlab,
            h if h.starts_with("github.") => HostKind::Github,
            h if h.starts_with("bitbucket.") => HostKind::BitbucketServer,
            h if h.starts_with("gitea.") => HostKind::Gitea,
            h if h.starts_with("gerrit.") => HostKind::Gerrit,
            _ => HostKind::Other,
        }
    }

    /// The query parameters a URL for this host must have (besides the host).
    pub fn required(self, has_project: bool) -> &'static [&'static str] {
        match self {
            HostKind::BitbucketCloud => &["workspace", "project", "repo"],
            HostKind::BitbucketServer | HostKind::Azure => &["project", "repo"],
            HostKind::Gitlab if has_project => &[],
            HostKind::Gitea | HostKind::Gerrit => &["repo"],
            _ => &["repo", "owner"],
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RepoUrl {
    pub host: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    pub repo: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RepoUrlError {
    #[error("Invalid repo URL passed to publisher, got {0}")]
    Invalid(String),
    #[error("Invalid repo URL passed to publisher: {url}, missing {part}")]
    Missing { url: String, part: &'static str },
}

impl RepoUrl {
    /// Parses a picker value the way `parseRepoUrl` does (values trimmed of `/`), checking the
    /// parts the host's kind needs.
    pub fn parse(text: &str) -> Result<RepoUrl, RepoUrlError> {
        let parts = Self::parse_parts(text)?;
        let kind = HostKind::of(&parts.host);
        for part in kind.required(parts.project.is_some()) {
            let present = match *part {
                "repo" => !parts.repo.is_empty(),
                "owner" => parts.owner.is_some(),
                "workspace" => parts.workspace.is_some(),
                "project" => parts.project.is_some(),
                _ => true,
            };
            if !present {
                return Err(RepoUrlError::Missing {
                    url: text.into(),
                    part,
                });
            }
        }
        Ok(parts)
    }

    /// Splits a value into its parts without checking which are required (for editing).
    pub fn parse_parts(text: &str) -> Result<RepoUrl, RepoUrlError> {
        let url = url::Url::parse(&format!("https://{text}"))
            .map_err(|_| RepoUrlError::Invalid(text.into()))?;
        let host = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            (None, _) => return Err(RepoUrlError::Invalid(text.into())),
        };
        let get = |name: &str| {
            url.query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.trim_matches('/').to_owned())
        };
        Ok(RepoUrl {
            host,
            owner: get("owner"),
            repo: get("repo").unwrap_or_default(),
            organization: get("organization"),
            workspace: get("workspace"),
            project: get("project"),
        })
    }

    /// `owner/repo` (`projectSlug`).
    pub fn slug(&self) -> String {
        format!(
            "{}/{}",
            self.owner.as_deref().unwrap_or_default(),
            self.repo
        )
    }
}

impl fmt::Display for RepoUrl {
    /// The picker's serialisation: `host?` then the non-empty parts, URL-encoded.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("owner", &self.owner),
            ("organization", &self.organization),
            ("workspace", &self.workspace),
            ("project", &self.project),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                q.append_pair(k, v);
            }
        }
        if !self.repo.is_empty() {
            q.append_pair("repo", &self.repo);
        }
        write!(f, "{}?{}", self.host, q.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_composes() {
        let r = RepoUrl::parse("github.com?owner=acme&repo=shop/").unwrap();
        assert_eq!(r.owner.as_deref(), Some("acme"));
        assert_eq!(r.repo, "shop");
        assert_eq!(r.slug(), "acme/shop");
        assert_eq!(r.to_string(), "github.com?owner=acme&repo=shop");
        let e = RepoUrl::parse("github.com?repo=shop").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Invalid repo URL passed to publisher: github.com?repo=shop, missing owner"
        );
        let b = RepoUrl::parse("bitbucket.org?workspace=w&project=p&repo=r").unwrap();
        assert_eq!(b.to_string(), "bitbucket.org?workspace=w&project=p&repo=r");
        assert!(RepoUrl::parse("gitlab.com?project=123").is_ok());
    }
}
