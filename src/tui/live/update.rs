//! Live status in the portal's state: the Status tab, the on-call view and the watch
//! workspace. What is on screen decides what is fetched (one owner per view or pane); a store
//! change redraws only when it changed something shown; ages tick only while shown.

use crate::status::oncall::{OnCallOverview, oncall_targets};
use crate::status::{Target, TargetId, targets_for};
use crate::tui::action::Action;
use crate::tui::app::{App, Effect, Overlay, Screen};
use crate::tui::entity::rows::{Row, Tab};
use crate::tui::keymap::Context;
use crate::tui::live::layouts::{self, LayoutSpec, LayoutTree};
use crate::tui::live::oncall::{self as oncall_view, Users};
use crate::tui::live::panel::{self as status_panel, Cx, StatusRows};
use crate::tui::live::panes::{Direction, RESIZE_STEP, Split};
use crate::tui::live::watch::Pin;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use tui_textarea::TextArea;

/// A one-line text prompt over the screen.
pub struct NameInput {
    pub input: TextArea<'static>,
    /// What the prompt is for.
    pub purpose: InputPurpose,
    pub title: &'static str,
    pub hint: String,
    /// Why the last submit was refused.
    pub error: Option<String>,
}

/// What a one-line prompt is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputPurpose {
    /// The name to save the watch layout under.
    SaveLayout,
    /// Find within an API definition, applied as it is typed.
    FindInDefinition,
    /// Filter the rows of an entity tab, applied as it is typed.
    FilterRows,
    /// Why a Port run is approved or declined.
    PortReason,
}

const ENTITY: &str = "entity";
const TEAM: &str = "team";
const ONCALL: &str = "oncall";
/// The live facts the scorecards on screen read (the overview, a team's roll-up).
const SCORES: &str = "scorecards";

impl App {
    /// Starts showing live status through this session's subscription to the hub's service.
    pub fn attach_status(&mut self, service: greenroom_hub::Subscription) {
        self.views.invalidate();
        self.live.attach(service);
        self.sync_live();
        self.dirty = true;
    }

    /// Tells the service what is on screen (when that changed) and starts or stops the age
    /// tick. Called after every event and action.
    pub fn sync_live(&mut self) {
        let view = self.live_view();
        if self.live.view.as_deref() != Some(view.as_str()) {
            let owners = self.live_owners();
            self.live.set_on_screen(owners);
            self.live.view = Some(view);
        }
        let ages = self.ages_on_screen();
        self.live.set_ticking(ages);
    }

    /// What on-screen status depends on, as a key: recomputed only when it changes.
    fn live_view(&self) -> String {
        let base = format!(
            "{}/{:x}",
            self.live.generation,
            Arc::as_ptr(&self.catalog) as usize
        );
        match self.screen() {
            Screen::Entity(s) => format!("{base}/entity/{}/{:?}", s.key, s.tab),
            Screen::Scorecards { .. } => format!("{base}/scorecards"),
            Screen::OnCall { .. } => format!("{base}/oncall"),
            Screen::Watch => format!("{base}/watch/{}", self.watch.version),
            Screen::Catalog | Screen::Problems { .. } | Screen::Scaffold(_) | Screen::Port(_) => {
                format!("{base}/none")
            }
        }
    }

    fn live_owners(&self) -> BTreeMap<String, Vec<Target>> {
        let config = self.live.config();
        let mut owners = BTreeMap::new();
        match self.screen() {
            Screen::Entity(s) => {
                if let Some(e) = self.catalog.get(&s.key) {
                    owners.insert(ENTITY.to_owned(), targets_for(e, config));
                    if e.is_kind("Group") && s.tab == Tab::Status {
                        let team = oncall_targets(&self.catalog, config, Some(e));
                        owners.insert(TEAM.to_owned(), team.into_iter().map(|(_, t)| t).collect());
                    }
                    if e.is_kind("Group") && s.tab == Tab::Scorecards {
                        let owned = crate::scorecard::owned_transitively(&self.catalog, &e.key);
                        let entities = owned.iter().filter_map(|k| self.catalog.get(k));
                        let t = crate::tui::entity::scores::live_targets(
                            &self.scores.cards,
                            &self.catalog,
                            entities,
                            config,
                        );
                        owners.insert(SCORES.to_owned(), t);
                    }
                }
            }
            Screen::OnCall { .. } => {
                let all = oncall_targets(&self.catalog, config, None);
                owners.insert(ONCALL.to_owned(), all.into_iter().map(|(_, t)| t).collect());
            }
            Screen::Scorecards { .. } => {
                let t = crate::tui::entity::scores::live_targets(
                    &self.scores.cards,
                    &self.catalog,
                    crate::scorecard::gradable(&self.catalog),
                    config,
                );
                owners.insert(SCORES.to_owned(), t);
            }
            Screen::Watch => {
                for id in self.watch.panes.panes() {
                    if let Some(Some(pin)) = self.watch.panes.get(id) {
                        owners.insert(format!("pane:{id}"), self.pane_targets(pin));
                    }
                }
            }
            Screen::Catalog | Screen::Problems { .. } | Screen::Scaffold(_) | Screen::Port(_) => {}
        }
        owners.retain(|_, t| !t.is_empty());
        owners
    }

    /// The targets a pane shows.
    pub fn pane_targets(&self, pin: &Pin) -> Vec<Target> {
        self.catalog.get(&pin.entity).map_or_else(Vec::new, |e| {
            targets_for(e, self.live.config())
                .into_iter()
                .filter(|t| pin.shows(t))
                .collect()
        })
    }

    fn ages_on_screen(&self) -> bool {
        match self.screen() {
            Screen::Entity(s) => {
                (s.tab == Tab::Status || s.tab == Tab::Scorecards && self.scores.uses_live())
                    && !self.live.all_on_screen().is_empty()
            }
            Screen::Scorecards { .. } => false,
            Screen::OnCall { .. } => true,
            Screen::Watch => !self.live.all_on_screen().is_empty(),
            Screen::Catalog | Screen::Problems { .. } | Screen::Scaffold(_) | Screen::Port(_) => {
                false
            }
        }
    }

    /// A store entry changed: redraw only when it is on screen and looks different.
    pub(crate) fn on_status_changed(&mut self, id: &TargetId) {
        if self.live.changed(id) {
            self.dirty = true;
            // Rows come and go with the data (an error line): keep the cursor on one it can
            // stop on.
            self.settle_cursor();
            self.settle_oncall_cursor();
        }
    }

    /// The key that refreshes, for messages ("press r").
    fn refresh_key(&self) -> String {
        let contexts = [
            Context::Entity,
            Context::OnCall,
            Context::Watch,
            Context::Global,
        ];
        self.keymap
            .keys_for(&contexts, Action::StatusRefresh)
            .into_iter()
            .next()
            .unwrap_or_else(|| "status.refresh".into())
    }

    fn cx<'a>(&self, key: &'a str, collapsed: &'a HashSet<String>) -> Cx<'a> {
        Cx {
            now: self.live.now(),
            unix: self.live.unix_now(),
            demo: self.live.is_demo(),
            refresh_key: key,
            collapsed,
            behind: self.live.service().map(|s| s.behind()).unwrap_or_default(),
        }
    }

    /// The Status tab's rows for an entity, with the target of each row.
    pub fn status_tab(&self, key: &str, collapsed: &HashSet<String>) -> StatusRows {
        let Some(e) = self.catalog.get(key) else {
            return StatusRows::default();
        };
        let config = self.live.config();
        let entries = self.live.entries(&targets_for(e, config));
        let refresh = self.refresh_key();
        let cx = self.cx(&refresh, collapsed);
        let users = Users::default();
        let team = e.is_kind("Group").then(|| {
            let overview =
                OnCallOverview::build(&self.catalog, self.live.store(), config, Some(e), cx.now);
            let services: Vec<_> = overview
                .teams
                .iter()
                .flat_map(|t| t.services.iter().cloned())
                .chain(overview.unowned.iter().cloned())
                .collect();
            oncall_view::lines(&services, &self.oncall_entries(Some(e)))
        });
        status_panel::entity_rows(e, config, &entries, team.as_deref(), &users, &cx)
    }

    fn oncall_entries(
        &self,
        scope: Option<&crate::catalog::Entity>,
    ) -> HashMap<TargetId, crate::status::Entry> {
        let targets: Vec<Target> = oncall_targets(&self.catalog, self.live.config(), scope)
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        targets
            .iter()
            .zip(self.live.entries(&targets))
            .map(|(t, e)| (t.id.clone(), e))
            .collect()
    }

    /// The on-call view's overview (for its title) and rows: its view model, built once per
    /// change (the catalogue is scanned for on-call targets only then, never per frame).
    pub fn oncall_screen(&self) -> Arc<(OnCallOverview, StatusRows)> {
        self.views.oncall(|| self.build_oncall_screen())
    }

    fn build_oncall_screen(&self) -> (OnCallOverview, StatusRows) {
        let refresh = self.refresh_key();
        let none = HashSet::new();
        let cx = self.cx(&refresh, &none);
        let overview = OnCallOverview::build(
            &self.catalog,
            self.live.store(),
            self.live.config(),
            None,
            cx.now,
        );
        let rows = oncall_view::rows(
            &self.catalog,
            &overview,
            &self.oncall_entries(None),
            &Users::of(&self.catalog),
            &cx,
            self.live.has_session_user(),
        );
        (overview, rows)
    }

    /// What a watch pane shows: detailed rows when they fit in `height`, else one line per
    /// widget. Returns (rows, compact lines as left/right pieces).
    pub fn pane_rows(&self, pin: &Pin, height: usize) -> PaneView {
        let refresh = self.refresh_key();
        let none = HashSet::new();
        let cx = self.cx(&refresh, &none);
        let mut targets = self.pane_targets(pin);
        targets.sort_by_key(|t| status_panel::section_of(t.widget));
        let entries = self.live.entries(&targets);
        if pin.widget.is_some() {
            let mut out = StatusRows::default();
            for e in &entries {
                status_panel::widget(&mut out, e, &cx, height.max(1));
            }
            return PaneView::Rows(out.rows);
        }
        let mut detailed = StatusRows::default();
        for e in &entries {
            status_panel::widget(&mut detailed, e, &cx, 3);
        }
        if detailed.rows.len() <= height {
            return PaneView::Rows(detailed.rows);
        }
        PaneView::Compact(
            entries
                .iter()
                .map(|e| status_panel::compact(e, &cx))
                .collect(),
        )
    }

    pub(crate) fn status_rows_for_screen(&self) -> Option<Vec<Row>> {
        match self.screen() {
            Screen::Entity(s) if s.tab == Tab::Status => {
                Some(self.status_tab(&s.key, &s.expanded).rows)
            }
            Screen::OnCall { .. } => Some(self.oncall_screen().1.rows.clone()),
            _ => None,
        }
    }

    /// The status target under the cursor (a widget of the Status tab, a service on call);
    /// through the `/` filter, the cursor's row is mapped back to its unfiltered position.
    fn selected_target(&self) -> Option<TargetId> {
        let cursor = match self.screen() {
            Screen::Entity(s) if s.tab == Tab::Status => s.cursor,
            Screen::OnCall { cursor, .. } => *cursor,
            _ => return None,
        };
        let row = match self.rows_origin() {
            Some(origin) => origin.get(cursor).copied().flatten()?,
            None => cursor,
        };
        let targets = match self.screen() {
            Screen::Entity(s) => self.status_tab(&s.key, &s.expanded).targets,
            _ => self.oncall_screen().1.targets.clone(),
        };
        targets.get(row).cloned().flatten()
    }

    pub(crate) fn live_move_cursor(&mut self, step: &dyn Fn(usize, usize) -> usize, bottom: bool) {
        let rows = self.rows();
        let page = self.page();
        let max = self.max_scroll(rows.len());
        if let Screen::OnCall { cursor, scroll, .. } = self.screen_position_mut() {
            let selectable: Vec<usize> =
                (0..rows.len()).filter(|i| rows[*i].selectable()).collect();
            if selectable.is_empty() {
                *scroll = step((*scroll).min(max), max + 1);
                return;
            }
            let at = selectable.iter().position(|i| *i == *cursor).unwrap_or(0);
            *cursor = selectable[step(at, selectable.len())];
            if bottom {
                *scroll = rows.len().saturating_sub(page + 1);
            } else if *cursor == selectable[0] {
                *scroll = 0;
            }
        }
    }

    /// Keeps the on-call cursor on a row it can stop on (rows move as data arrives).
    pub(crate) fn settle_oncall_cursor(&mut self) {
        if !matches!(self.screen(), Screen::OnCall { .. }) {
            return;
        }
        let rows = self.rows();
        if let Screen::OnCall { cursor, .. } = self.screen_position_mut() {
            let ok = |i: usize| rows.get(i).is_some_and(Row::selectable);
            if !ok(*cursor) {
                let after = (*cursor..rows.len()).find(|i| ok(*i));
                let before = (0..(*cursor).min(rows.len())).rev().find(|i| ok(*i));
                *cursor = after.or(before).unwrap_or(0);
            }
        }
    }

    /// Enter on the watch workspace opens the focused pane's entity on its Status tab.
    pub(crate) fn open_focused_pane(&mut self) {
        match self.watch.panes.focused().cloned().flatten() {
            Some(pin) => self.open_entity(&pin.entity, Tab::Status),
            None => self.notify("this pane is empty: pin an entity with watch.pin", true),
        }
    }

    pub(crate) fn focused_pane_entity(&self) -> Option<String> {
        self.watch
            .panes
            .focused()
            .cloned()
            .flatten()
            .map(|p| p.entity)
    }

    fn pin_selected(&mut self) {
        let target = self.selected_target();
        let key = match self.screen() {
            Screen::Watch => {
                self.notify(
                    "open an entity (or the catalogue) and pin from there; this is the watch",
                    true,
                );
                return;
            }
            Screen::OnCall { .. } => self.selected_entity(),
            _ => self.current_entity(),
        };
        let Some(key) = key else {
            self.notify("select an entity to pin", true);
            return;
        };
        let pin = match (&target, self.catalog.get(&key)) {
            (Some(id), Some(e)) => targets_for(e, self.live.config())
                .iter()
                .find(|t| &t.id == id)
                .map_or_else(|| Pin::entity(&key), |t| Pin::widget(&key, t)),
            _ => Pin::entity(&key),
        };
        let name = self.catalog.get(&key).map_or_else(
            || crate::text::sanitize_line(&key).into_owned(),
            |e| crate::tui::views::fit(&crate::text::sanitize_line(e.name()), 28),
        );
        let what = match &pin.widget {
            Some(w) => format!("{w} of {name}"),
            None => name,
        };
        let pinned = self.watch.pin(pin);
        let watch_key = self
            .keymap
            .keys_for(
                &[Context::Catalog, Context::Entity, Context::Global],
                Action::Watch,
            )
            .into_iter()
            .next()
            .map_or_else(
                || "the palette's \"watch\"".to_owned(),
                |k| format!("{k} watch"),
            );
        match pinned {
            Ok(n) => self.notify(format!("pinned {what} → pane {n} · {watch_key}"), false),
            Err(n) => self.notify(
                format!("{what} is already pinned in pane {n} (focused there) · {watch_key}"),
                false,
            ),
        }
    }

    fn refresh_on_screen(&mut self) {
        let targets = match self.screen() {
            Screen::Watch => self
                .watch
                .panes
                .focused()
                .cloned()
                .flatten()
                .map(|p| self.pane_targets(&p))
                .unwrap_or_default(),
            _ => self.live.all_on_screen(),
        };
        if targets.is_empty() {
            self.notify("no live status on screen to refresh", true);
            return;
        }
        let n = self.live.refresh(&targets);
        if n == 0 {
            self.notify("live status is not running", true);
        } else {
            self.notify(format!("refreshing {n} status source(s)"), false);
        }
    }

    fn open_name_input(&mut self) {
        if self.watch.panes.is_empty() {
            self.notify("nothing to save: pin entities to the watch first", true);
            return;
        }
        let name = self.watch.name.clone().unwrap_or_default();
        self.open_name_input_with(name, None);
    }

    fn open_name_input_with(&mut self, name: String, error: Option<String>) {
        let mut input = TextArea::new(vec![name]);
        input.move_cursor(tui_textarea::CursorMove::End);
        input.set_placeholder_text("a name, e.g. checkout-wall");
        input.set_cursor_line_style(ratatui::style::Style::default());
        let file = self
            .watch
            .config_file
            .as_ref()
            .map_or_else(|| "the config file".into(), |p| p.display().to_string());
        self.popups.push(Overlay::Input(Box::new(NameInput {
            input,
            purpose: InputPurpose::SaveLayout,
            title: " Save this layout as ",
            hint: format!("saved in {file}; reopen with greenroom --layout NAME"),
            error,
        })));
    }

    /// The one-line reason for approving or declining a Port run.
    pub(crate) fn open_reason_input(&mut self, title: &'static str, hint: String) {
        let mut input = TextArea::default();
        input.set_placeholder_text("the reason, shown to whoever asked");
        input.set_cursor_line_style(ratatui::style::Style::default());
        self.popups.push(Overlay::Input(Box::new(NameInput {
            input,
            purpose: InputPurpose::PortReason,
            title,
            hint: crate::text::sanitize_line(&hint).into_owned(),
            error: None,
        })));
    }

    fn submit_input(&mut self) {
        let Some(Overlay::Input(input)) = self.popups.overlay_mut() else {
            return;
        };
        let text = input.input.lines().first().cloned().unwrap_or_default();
        if matches!(
            input.purpose,
            InputPurpose::FindInDefinition | InputPurpose::FilterRows
        ) {
            // The find was applied while typing; Enter keeps it.
            self.popups.pop_overlay();
            return;
        }
        if input.purpose == InputPurpose::PortReason {
            let overlay = self.popups.pop_overlay();
            if let Err(e) = crate::tui::port::submit_reason(self, text)
                && let Some(Overlay::Input(mut i)) = overlay
            {
                i.error = Some(e);
                self.popups.push(Overlay::Input(i));
            }
            return;
        }
        match layouts::check_name(&text) {
            Err(e) => input.error = Some(e),
            Ok(name) => {
                self.popups.pop_overlay();
                let spec = LayoutSpec::from_tree(&name, &self.watch.panes);
                self.effects.push(Effect::SaveLayout(spec));
            }
        }
    }

    /// The runner saved (or failed to save) a layout.
    pub fn layout_saved(&mut self, spec: LayoutSpec, result: Result<(), String>) {
        match result {
            Ok(()) => {
                let name = spec.name.clone();
                self.watch.remember(spec);
                self.notify(
                    format!(
                        "saved layout \"{}\" · reopen: greenroom --layout {}",
                        crate::text::sanitize_line(&name),
                        shell_word(&name)
                    ),
                    false,
                );
            }
            // The prompt comes back with the whole message (a broken config file's line and
            // column), so it can be fixed and saved again.
            Err(e) => self.open_name_input_with(spec.name, Some(format!("not saved: {e}"))),
        }
    }

    /// Opens a saved layout in the watch workspace.
    pub fn open_layout(&mut self, spec: &LayoutSpec) -> Result<(), String> {
        self.watch.open(spec)?;
        if !matches!(self.screen(), Screen::Watch) {
            self.push(Screen::Watch);
        }
        self.sync_live();
        Ok(())
    }

    pub(crate) fn live_type_key(&mut self, input: tui_textarea::Input) -> bool {
        if let Some(Overlay::Input(i)) = self.popups.overlay_mut() {
            if i.input.input(input) {
                i.error = None;
                let text = i.input.lines().first().cloned().unwrap_or_default();
                match i.purpose {
                    InputPurpose::FindInDefinition => self.set_definition_find(text),
                    InputPurpose::FilterRows => self.set_row_filter(text),
                    InputPurpose::SaveLayout | InputPurpose::PortReason => {}
                }
            }
            return true;
        }
        false
    }

    pub(crate) fn live_paste(&mut self, text: &str) -> bool {
        if let Some(Overlay::Input(i)) = self.popups.overlay_mut() {
            i.input.insert_str(text);
            i.error = None;
            let text = i.input.lines().first().cloned().unwrap_or_default();
            match i.purpose {
                InputPurpose::FindInDefinition => self.set_definition_find(text),
                InputPurpose::FilterRows => self.set_row_filter(text),
                InputPurpose::SaveLayout | InputPurpose::PortReason => {}
            }
            return true;
        }
        false
    }

    fn pane_action(
        &mut self,
        f: impl FnOnce(&mut crate::tui::live::watch::Panes, ratatui::layout::Rect) -> bool,
    ) {
        if !matches!(self.screen(), Screen::Watch) {
            self.push(Screen::Watch);
        }
        let area = self.geometry.watch;
        if f(&mut self.watch.panes, area) {
            self.watch.changed();
        }
    }

    /// The live-status actions.
    pub(crate) fn act_live(&mut self, action: Action) {
        match action {
            Action::StatusTab => self.switch_tab(Some(Tab::Status), 0),
            Action::StatusRefresh => self.refresh_on_screen(),
            Action::OnCall if !matches!(self.screen(), Screen::OnCall { .. }) => {
                self.push(Screen::OnCall {
                    cursor: 0,
                    scroll: 0,
                    filter: String::new(),
                });
            }
            Action::Watch if !matches!(self.screen(), Screen::Watch) => self.push(Screen::Watch),
            Action::Pin => self.pin_selected(),
            Action::SplitRight => self.pane_action(|p, _| {
                p.split(Split::Right, None);
                true
            }),
            Action::SplitDown => self.pane_action(|p, _| {
                p.split(Split::Down, None);
                true
            }),
            Action::FocusLeft => self.pane_action(|p, a| p.focus_toward(Direction::Left, a)),
            Action::FocusRight => self.pane_action(|p, a| p.focus_toward(Direction::Right, a)),
            Action::FocusUp => self.pane_action(|p, a| p.focus_toward(Direction::Up, a)),
            Action::FocusDown => self.pane_action(|p, a| p.focus_toward(Direction::Down, a)),
            Action::FocusNext => self.pane_action(|p, _| {
                p.focus_next(true);
                true
            }),
            Action::FocusPrev => self.pane_action(|p, _| {
                p.focus_next(false);
                true
            }),
            Action::Grow => self.pane_action(|p, _| p.resize_focused(RESIZE_STEP)),
            Action::Shrink => self.pane_action(|p, _| p.resize_focused(-RESIZE_STEP)),
            Action::Zoom => self.pane_action(|p, _| {
                p.toggle_zoom();
                true
            }),
            Action::ClosePane => self.pane_action(|p, _| p.close_focused().is_some()),
            Action::SaveLayout => self.open_name_input(),
            Action::InputSubmit => self.submit_input(),
            Action::InputCancel => {
                // Cancelling a find drops it.
                if let Some(Overlay::Input(i)) = self.popups.overlay() {
                    match i.purpose {
                        InputPurpose::FindInDefinition => self.set_definition_find(String::new()),
                        InputPurpose::FilterRows => self.set_row_filter(String::new()),
                        InputPurpose::SaveLayout | InputPurpose::PortReason => {}
                    }
                }
                self.port.deciding = None;
                self.popups.pop_overlay();
            }
            _ => {}
        }
    }
}

/// How a pane's content is drawn.
pub enum PaneView {
    /// Full widget rows (fit the pane).
    Rows(Vec<Row>),
    /// One line per widget: left pieces, right pieces (the age).
    Compact(
        Vec<(
            Vec<crate::tui::entity::rows::Piece>,
            Vec<crate::tui::entity::rows::Piece>,
        )>,
    ),
}

/// A name as one shell word, quoted when it needs to be.
fn shell_word(s: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_.,:/@+=".contains(c);
    if !s.is_empty() && s.chars().all(safe) {
        s.to_owned()
    } else {
        format!("'{}'", crate::text::sanitize_line(s).replace('\'', "'\\''"))
    }
}
