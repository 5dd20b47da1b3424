//! Docs in the portal's state machine: the Docs tab's keys (scroll, links, pages back and
//! forward, find in page, the nav tree, code scrolled sideways) and the docs search overlay
//! (every docs site of the catalogue, answered on each keystroke; Enter opens the page at the
//! match). Hooks in `app.rs` call in here so the rest of the app stays as it was.

use crate::techdocs::Link;
use crate::tui::action::Action;
use crate::tui::app::{App, Overlay, Screen};
use crate::tui::entity::docs::{Place, Reader, SearchOverlay, nav_rows};
use crate::tui::entity::rows::Tab;
use tui_textarea::TextArea;

/// Whether the query has `docs:` filters (answered by the TechDocs index).
pub(crate) fn has_docs_terms(query: &crate::search::Query) -> bool {
    query.terms.iter().any(|t| {
        matches!(
            t,
            crate::search::Term::Filter {
                field: crate::search::Field::Docs,
                ..
            }
        )
    })
}

/// How many results the docs search shows.
const SEARCH_LIMIT: usize = 50;

impl App {
    /// The Docs tab is on screen.
    pub fn docs_tab_shown(&self) -> bool {
        matches!(self.screen(), Screen::Entity(s) if s.tab == Tab::Docs)
    }

    /// The file of the docs page on screen, when it is a file on this machine (for `e`).
    pub(crate) fn docs_page_file(&self) -> Option<std::path::PathBuf> {
        let r = self.docs.reader.as_ref()?;
        r.site.as_ref().ok()?.local_file(r.page)
    }

    /// Opens the reader for the entity on screen when its Docs tab shows (once per entity).
    pub(crate) fn sync_docs(&mut self) {
        if has_docs_terms(&self.search.query) && self.docs.index.is_none() {
            // After a reload the index is rebuilt for the new catalogue.
            self.docs.start_index(self.catalog.clone());
        }
        if self.docs.poll_index() {
            self.refresh_docs_search();
            self.dirty = true;
            if has_docs_terms(&self.search.query) {
                self.research_keeping_cursor();
            }
        }
        if self.docs.reader.as_mut().is_some_and(Reader::poll) {
            self.dirty = true;
        }
        let Screen::Entity(s) = self.screen() else {
            return;
        };
        if s.tab != Tab::Docs || self.docs.reader.as_ref().is_some_and(|r| r.entity == s.key) {
            return;
        }
        let key = s.key.clone();
        let width = self
            .docs
            .reader
            .as_ref()
            .map_or(80, |r| r.width.load(std::sync::atomic::Ordering::Relaxed));
        let reader = Reader::open(
            &self.catalog,
            &key,
            &self.docs.backends,
            self.docs.online,
            self.docs.cache.as_ref(),
        );
        reader
            .width
            .store(width, std::sync::atomic::Ordering::Relaxed);
        self.docs.reader = Some(reader);
    }

    /// Handles an action meant for docs; false when it is not one (the app handles it).
    pub(crate) fn docs_act(&mut self, action: Action) -> bool {
        if let Some(Overlay::DocsSearch(_)) = self.popups.overlay() {
            return self.docs_overlay_act(action);
        }
        match action {
            Action::DocsSearch => {
                self.open_docs_search(false);
                return true;
            }
            Action::DocsTab => {
                self.switch_tab(Some(Tab::Docs), 0);
                if !self.docs_tab_shown() {
                    self.notify(
                        "this entity has no docs (no backstage.io/techdocs-ref)",
                        true,
                    );
                }
                return true;
            }
            _ => {}
        }
        if !self.docs_tab_shown() || self.popups.overlay().is_some() {
            return false;
        }
        self.sync_docs();
        let page = self.page();
        let Some(r) = self.docs.reader.as_mut() else {
            return false;
        };
        if r.loading.is_some() {
            // Waiting for a slow server: Esc stops waiting; the rest waits for the page.
            if action != Action::Back {
                return false;
            }
            let what = r
                .loading
                .as_ref()
                .map(|l| l.what.clone())
                .unwrap_or_default();
            let here = Place {
                page: r.page,
                scroll: r.scroll,
            };
            if r.cancel() == Some(true) {
                // Nothing to show: leave the tab (the app's Back), and open it anew next time.
                self.docs.reader = None;
                self.notify(format!("stopped {what}"), false);
                return false;
            }
            if r.back.last() == Some(&here) {
                r.back.pop();
            }
            self.notify(format!("stopped {what}"), false);
            return true;
        }
        let laid = r.laid();
        let height = usize::from(self.geometry.body_rows.saturating_sub(3)).max(1);
        let max_scroll = laid.lines.len().saturating_sub(height);
        if r.nav_open
            && let Ok(site) = &r.site
        {
            let rows = nav_rows(site);
            let last = rows.len().saturating_sub(1);
            match action {
                Action::Up => r.nav_cursor = r.nav_cursor.saturating_sub(1),
                Action::Down => r.nav_cursor = (r.nav_cursor + 1).min(last),
                Action::Top => r.nav_cursor = 0,
                Action::Bottom => r.nav_cursor = last,
                Action::Open => {
                    if let Some(p) = rows.get(r.nav_cursor).and_then(|x| x.page) {
                        go_to(r, p, None);
                        r.nav_open =
                            self.geometry.width >= crate::tui::entity::docs::view::NAV_BESIDE;
                    }
                }
                Action::DocsToggleNav | Action::Back => r.nav_open = false,
                _ => return false,
            }
            return true;
        }
        match action {
            Action::Up => r.scroll = r.scroll.saturating_sub(1),
            Action::Down => r.scroll = (r.scroll + 1).min(max_scroll),
            Action::PageUp => r.scroll = r.scroll.saturating_sub(page),
            Action::PageDown => r.scroll = (r.scroll + page).min(max_scroll),
            Action::Top => r.scroll = 0,
            Action::Bottom => r.scroll = max_scroll,
            Action::DocsLeft => r.hscroll = r.hscroll.saturating_sub(8),
            Action::DocsRight => {
                let widest = laid
                    .lines
                    .iter()
                    .filter(|l| l.code)
                    .map(|l| l.width())
                    .max()
                    .unwrap_or(0);
                let room = r.width.load(std::sync::atomic::Ordering::Relaxed);
                r.hscroll = (r.hscroll + 8).min(widest.saturating_sub(room.min(widest)));
            }
            Action::DocsNextLink | Action::DocsPrevLink => {
                if laid.links.is_empty() {
                    self.notify("no links on this page", true);
                    return true;
                }
                let n = laid.links.len();
                // From the view: the first link on screen, or the next after the selected one.
                let next = match (r.link, action == Action::DocsNextLink) {
                    (Some(i), true) => (i + 1) % n,
                    (Some(i), false) => (i + n - 1) % n,
                    (None, true) => laid.links.iter().position(|l| l.1 >= r.scroll).unwrap_or(0),
                    (None, false) => laid
                        .links
                        .iter()
                        .rposition(|l| l.1 < r.scroll + height)
                        .unwrap_or(n - 1),
                };
                r.link = Some(next);
                let line = laid.links[next].1;
                if line < r.scroll || line >= r.scroll + height {
                    r.scroll = line.saturating_sub(height / 3).min(max_scroll);
                }
            }
            Action::Open => {
                let Some(link) = r.link.and_then(|i| laid.links.get(i)).map(|l| l.0.clone()) else {
                    let keys = self.keymap.keys_for(&self.contexts(), Action::DocsNextLink);
                    let hint = keys
                        .first()
                        .map(|k| format!(" ({k} selects the next)"))
                        .unwrap_or_default();
                    self.notify(format!("no link selected{hint}"), true);
                    return true;
                };
                self.follow(link);
            }
            Action::DocsBack => {
                let Some(place) = r.back.pop() else {
                    return false;
                };
                r.forward.push(Place {
                    page: r.page,
                    scroll: r.scroll,
                });
                r.load_at(place.page, place.scroll, None);
            }
            Action::DocsForward => {
                let Some(place) = r.forward.pop() else {
                    return false;
                };
                r.back.push(Place {
                    page: r.page,
                    scroll: r.scroll,
                });
                r.load_at(place.page, place.scroll, None);
            }
            Action::DocsToggleNav => {
                if r.site.is_ok() {
                    r.nav_open = !r.nav_open;
                }
            }
            Action::DocsFind => self.open_docs_search(true),
            Action::DocsFindNext | Action::DocsFindPrev => {
                let matches = r.matches();
                if matches.is_empty() {
                    let what = r.find.clone().unwrap_or_default();
                    let msg = if what.is_empty() {
                        "nothing to find: / finds in the page".to_owned()
                    } else {
                        format!(
                            "\"{}\" is not on this page",
                            crate::text::sanitize_line(&what)
                        )
                    };
                    self.notify(msg, true);
                    return true;
                }
                let n = matches.len();
                r.find_at = if action == Action::DocsFindNext {
                    matches.iter().position(|l| *l > r.scroll).unwrap_or(0)
                } else {
                    matches.iter().rposition(|l| *l < r.scroll).unwrap_or(n - 1)
                };
                r.scroll = matches[r.find_at].min(max_scroll);
            }
            _ => return false,
        }
        true
    }

    /// Follows a link of the page: another page (at its heading), a heading here, or out.
    fn follow(&mut self, link: Link) {
        let Some(r) = self.docs.reader.as_mut() else {
            return;
        };
        match link {
            Link::Anchor { anchor } => {
                let laid = r.laid();
                match laid.anchors.get(&anchor) {
                    Some(line) => {
                        r.back.push(Place {
                            page: r.page,
                            scroll: r.scroll,
                        });
                        r.forward.clear();
                        r.scroll = *line;
                    }
                    None => self.notify(
                        format!(
                            "no heading #{} on this page",
                            crate::text::sanitize_line(&anchor)
                        ),
                        true,
                    ),
                }
            }
            Link::Page { path, anchor } => {
                let found = r.site.as_ref().ok().and_then(|s| s.find_page(&path));
                match found {
                    Some(p) => go_to(r, p, anchor),
                    None => self.notify(
                        format!(
                            "{} is not a page of these docs",
                            crate::text::sanitize_line(&path)
                        ),
                        true,
                    ),
                }
            }
            Link::External { url } => self.open_link(&url),
        }
    }

    /// The outside link selected in the docs, for opening and copying.
    pub(crate) fn docs_selected_link(&self) -> Option<String> {
        if !self.docs_tab_shown() {
            return None;
        }
        let r = self.docs.reader.as_ref()?;
        let laid = r.laid();
        match &laid.links.get(r.link?)?.0 {
            Link::External { url } => Some(url.clone()),
            _ => None,
        }
    }

    /// Opens the search overlay: across all docs, or (`find`) in the page on screen.
    fn open_docs_search(&mut self, find: bool) {
        let mut input = TextArea::default();
        input.set_cursor_line_style(ratatui::style::Style::default());
        if find {
            input.set_placeholder_text("find in this page; enter keeps it, n / N move");
            if let Some(f) = self.docs.reader.as_ref().and_then(|r| r.find.clone()) {
                input.insert_str(f);
            }
        } else {
            input.set_placeholder_text("search every docs site");
            self.docs.start_index(self.catalog.clone());
        }
        self.popups
            .push(Overlay::DocsSearch(Box::new(SearchOverlay {
                input,
                hits: Vec::new(),
                cursor: 0,
                find,
            })));
        self.refresh_docs_search();
    }

    /// Answers the overlay's query again (each keystroke, and when the index arrives).
    fn refresh_docs_search(&mut self) {
        let Some(Overlay::DocsSearch(o)) = self.popups.overlay_mut() else {
            return;
        };
        let text = o.input.lines().first().cloned().unwrap_or_default();
        if o.find {
            if let Some(r) = self.docs.reader.as_mut() {
                r.find = Some(text);
                let matches = r.matches();
                if let Some(first) = matches.iter().find(|l| **l >= r.scroll).or(matches.first()) {
                    r.scroll = *first;
                }
            }
            return;
        }
        o.hits = match &self.docs.index {
            Some(index) => index.search(&text, SEARCH_LIMIT),
            None => Vec::new(),
        };
        o.cursor = 0;
    }

    /// Typing into the docs overlay; false when it is not open.
    pub(crate) fn docs_type_key(&mut self, input: tui_textarea::Input, clear_line: bool) -> bool {
        let Some(Overlay::DocsSearch(o)) = self.popups.overlay_mut() else {
            return false;
        };
        let changed = if clear_line {
            let had = !o.input.is_empty();
            o.input = TextArea::default();
            had
        } else {
            o.input.input(input)
        };
        if changed {
            self.refresh_docs_search();
        }
        true
    }

    pub(crate) fn docs_paste(&mut self, text: &str) -> bool {
        let Some(Overlay::DocsSearch(o)) = self.popups.overlay_mut() else {
            return false;
        };
        o.input.insert_str(text);
        self.refresh_docs_search();
        true
    }

    fn docs_overlay_act(&mut self, action: Action) -> bool {
        let page = self.page();
        let Some(Overlay::DocsSearch(o)) = self.popups.overlay_mut() else {
            return false;
        };
        let last = o.hits.len().saturating_sub(1);
        match action {
            Action::Up => o.cursor = o.cursor.saturating_sub(1),
            Action::Down => o.cursor = (o.cursor + 1).min(last),
            Action::PageUp => o.cursor = o.cursor.saturating_sub(page),
            Action::PageDown => o.cursor = (o.cursor + page).min(last),
            Action::Back => {
                if o.find
                    && let Some(r) = self.docs.reader.as_mut()
                {
                    r.find = None;
                }
                self.popups.pop_overlay();
            }
            Action::Open => {
                if o.find {
                    self.popups.pop_overlay();
                    return true;
                }
                let Some(hit) = o.hits.get(o.cursor).cloned() else {
                    return true;
                };
                self.popups.pop_overlay();
                self.open_entity(&hit.entity, Tab::Docs);
                self.sync_docs();
                if let Some(r) = self.docs.reader.as_mut() {
                    go_to(r, hit.page, hit.anchor.clone());
                }
            }
            // Everything else waits until the overlay is closed.
            _ => {}
        }
        true
    }
}

/// Goes to a page (and heading), remembering where it was for back.
fn go_to(r: &mut Reader, page: usize, anchor: Option<String>) {
    if r.loading.as_ref().is_some_and(|l| l.site) {
        // The site is still opening: go there once it has.
        r.then = Some((page, anchor));
        return;
    }
    let here = Place {
        page: r.page,
        scroll: r.scroll,
    };
    if page != r.page || anchor.is_some() {
        r.back.push(here);
        r.forward.clear();
    }
    if page != r.page {
        // The page may come from a worker: it scrolls to the heading when it arrives.
        r.load_at(page, 0, anchor);
        return;
    }
    if let Some(a) = anchor {
        let laid = r.laid();
        if let Some(line) = laid.anchors.get(&a) {
            r.scroll = *line;
        }
        r.anchor = Some(a);
    }
}
