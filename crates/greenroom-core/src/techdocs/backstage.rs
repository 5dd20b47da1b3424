//! Docs from a TechDocs backend: `GET /api/techdocs/metadata/techdocs/{ns}/{kind}/{name}` for
//! the site's name, the built site's `search/search_index.json` for its pages (MkDocs lists
//! every page there, in nav order, with its title), and each page's built HTML under
//! `/api/techdocs/static/docs/{ns}/{kind}/{name}/`, parsed by [`super::html`]. Requests carry
//! the source's token, time out, and stop reading past the page limit.

use super::site::{Format, NavItem, Site, SitePage, Store};
use super::source::DocsSource;
use crate::limits::{DOCS_CONNECT_TIMEOUT, DOCS_PAGE_BYTES, DOCS_REQUEST_TIMEOUT, DOCS_SITE_PAGES};
use crate::text::sanitize_line;
use serde_json::Value;
use std::io::Read;

struct Backend {
    client: reqwest::blocking::Client,
    token: Option<String>,
    /// `{base}/api/techdocs`.
    api: String,
    /// `{ns}/{kind}/{name}`.
    entity: String,
}

impl Backend {
    fn get(&self, url: &str, max_bytes: u64) -> Result<String, String> {
        let mut req = self.client.get(url);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let resp = req
            .send()
            .map_err(|e| crate::sources::http::describe_error(&e))?;
        let status = resp.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Err(format!(
                "{url} answered 404: the backend has no such docs (not built yet?)"
            ));
        }
        if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
            return Err(format!(
                "{url} answered {status}: check the Backstage token"
            ));
        }
        if !status.is_success() {
            return Err(format!("{url} answered HTTP {status}"));
        }
        let mut body = Vec::new();
        resp.take(max_bytes + 1)
            .read_to_end(&mut body)
            .map_err(|e| e.to_string())?;
        if body.len() as u64 > max_bytes {
            return Err(format!(
                "{url} is larger than the {max_bytes} byte limit; stopped reading it"
            ));
        }
        Ok(String::from_utf8_lossy(&body).into_owned())
    }

    fn static_url(&self, path: &str) -> String {
        format!("{}/static/docs/{}/{}", self.api, self.entity, path)
    }
}

impl Store for Backend {
    fn read(&self, path: &str, max_bytes: u64) -> Result<String, String> {
        // Pages are folders (`runbook/`) holding index.html; the home page is ``.
        let file = if path.is_empty() || path.ends_with('/') {
            format!("{path}index.html")
        } else {
            path.to_owned()
        };
        if file.split('/').any(|s| s == "..") {
            return Err(format!("{} leaves the site; not read", sanitize_line(path)));
        }
        self.get(&self.static_url(&file), max_bytes)
    }
}

fn seg(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub(crate) fn open(source: &DocsSource) -> Result<Site, String> {
    let DocsSource::Backstage {
        base_url,
        token_env,
        namespace,
        kind,
        name,
    } = source
    else {
        return Err("not a TechDocs backend".into());
    };
    let token = match token_env {
        Some(var) => match std::env::var(var) {
            Ok(t) if !t.trim().is_empty() => Some(t.trim().to_owned()),
            _ => {
                return Err(format!(
                    "the environment variable {var} (the Backstage token) is not set"
                ));
            }
        },
        None => None,
    };
    let client = reqwest::blocking::Client::builder()
        .connect_timeout(DOCS_CONNECT_TIMEOUT)
        .timeout(DOCS_REQUEST_TIMEOUT)
        .user_agent(concat!("greenroom/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())?;
    let backend = Backend {
        client,
        token,
        api: format!("{}/api/techdocs", base_url.trim_end_matches('/')),
        entity: format!("{}/{}/{}", seg(namespace), seg(kind), seg(name)),
    };
    let meta_url = format!("{}/metadata/techdocs/{}", backend.api, backend.entity);
    let meta: Value = serde_json::from_str(&backend.get(&meta_url, DOCS_PAGE_BYTES)?)
        .map_err(|e| format!("{meta_url}: not the JSON TechDocs metadata: {e}"))?;
    let site_name = meta
        .get("site_name")
        .and_then(Value::as_str)
        .map(|s| sanitize_line(s).into_owned())
        .unwrap_or_else(|| name.clone());
    let mut problems = Vec::new();
    let mut pages: Vec<SitePage> = Vec::new();
    let index_url = backend.static_url("search/search_index.json");
    match backend
        .get(&index_url, DOCS_PAGE_BYTES * 8)
        .and_then(|t| serde_json::from_str::<Value>(&t).map_err(|e| format!("{index_url}: {e}")))
    {
        Ok(index) => {
            for d in index
                .get("docs")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let Some(location) = d.get("location").and_then(Value::as_str) else {
                    continue;
                };
                if location.contains('#') || pages.iter().any(|p| p.path == location) {
                    continue;
                }
                if pages.len() >= DOCS_SITE_PAGES {
                    problems.push(format!(
                        "more than {DOCS_SITE_PAGES} pages; the rest are not listed"
                    ));
                    break;
                }
                let title = d
                    .get("title")
                    .and_then(Value::as_str)
                    .map(|t| sanitize_line(t).into_owned())
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| super::site::stem_title(location));
                pages.push(SitePage {
                    path: sanitize_line(location).into_owned(),
                    title,
                });
            }
        }
        Err(e) => problems.push(format!("no page list ({e}); only the home page is shown")),
    }
    if !pages.iter().any(|p| p.path.is_empty()) {
        pages.insert(
            0,
            SitePage {
                path: String::new(),
                title: site_name.clone(),
            },
        );
    }
    let nav = pages
        .iter()
        .enumerate()
        .map(|(i, p)| NavItem {
            title: p.title.clone(),
            page: Some(i),
            url: None,
            children: Vec::new(),
        })
        .collect();
    let origin = source.describe();
    let mut site = Site::new(site_name, origin, Format::Html, Box::new(backend));
    site.description = meta
        .get("site_description")
        .and_then(Value::as_str)
        .map(|s| sanitize_line(s).into_owned());
    site.nav = nav;
    site.pages = pages;
    site.problems = problems;
    site.remote = true;
    Ok(site)
}
