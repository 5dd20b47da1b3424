//! One template form being filled in: the core's form model plus what the screen needs on top
//! of it — the fields of the current page, the focus stops among them, a text editor per text
//! input, RepoUrlPicker's parts, and which problems to show. The fields are re-read from the
//! model after every change, so conditional fields come and go as values change.

use super::editor::{self, new_editor, text_for_value, text_of};
use crate::scaffold::form::{Choice, Field, FieldError, FieldPath, Form, Widget};
use crate::scaffold::pickers::{RepoPart, RepoUrlPicker};
use crate::scaffold::template::Template;
use serde_json::Value as Json;
use std::collections::{HashMap, HashSet};
use tui_textarea::{CursorMove, Input, Key, TextArea};

/// Where the focus can be: a field, or one part of a RepoUrlPicker.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StopKey {
    pub path: FieldPath,
    pub part: Option<&'static str>,
}

/// How a focus stop is edited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopKind {
    /// A text editor (one line, or several for textareas and string lists).
    Text { multiline: bool },
    /// A checkbox.
    Toggle,
    /// One of fixed choices (also a RepoUrlPicker part limited to allowed values).
    Select,
    /// Any of fixed choices.
    Checkboxes,
    /// A catalogue picker (entities or tags) in a popup.
    Picker,
    /// The header of a list of objects: items are added here.
    List,
    /// The header of one item of a list of objects.
    Item,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stop {
    pub key: StopKey,
    /// Index into [`FormState::fields`].
    pub field: usize,
    pub kind: StopKind,
}

/// What changed when a key was handled, so the caller knows whether to refilter or redraw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moved {
    /// Focus moved to another stop.
    Stop,
    /// Focus stayed; the cursor moved inside a several-line editor.
    InEditor,
    /// Nothing to move to.
    Edge,
}

pub struct FormState {
    pub form: Form,
    pub page: usize,
    /// The visible fields of the page, as the model gave them after the last change.
    pub fields: Vec<Field>,
    pub stops: Vec<Stop>,
    pub focus: usize,
    editors: HashMap<StopKey, TextArea<'static>>,
    /// Text that does not convert to the field's type ("3x" for a number), by field.
    pub input_errors: HashMap<FieldPath, String>,
    /// The page's validation problems now.
    pub errors: Vec<FieldError>,
    /// Fields whose problems are shown: edited and left, or chosen.
    revealed: HashSet<FieldPath>,
    /// Every problem of the page is shown (after trying to go on).
    pub reveal_all: bool,
    edited_focus: bool,
    repo_parts: HashMap<FieldPath, Vec<RepoPart>>,
    /// The highlighted option of each checkbox group.
    sub_cursor: HashMap<FieldPath, usize>,
    /// Something was typed or chosen.
    pub dirty: bool,
}

fn stops_for(fields: &[Field], repo_parts: &HashMap<FieldPath, Vec<RepoPart>>) -> Vec<Stop> {
    let mut stops = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        if f.readonly {
            continue;
        }
        let stop = |kind| Stop {
            key: StopKey {
                path: f.path.clone(),
                part: None,
            },
            field: i,
            kind,
        };
        match &f.widget {
            Widget::Text { .. }
            | Widget::Password
            | Widget::Secret
            | Widget::Number { .. }
            | Widget::EntityName
            | Widget::Custom { .. } => stops.push(stop(StopKind::Text { multiline: false })),
            Widget::TextArea { .. } | Widget::StringList => {
                stops.push(stop(StopKind::Text { multiline: true }))
            }
            Widget::Boolean => stops.push(stop(StopKind::Toggle)),
            Widget::Select { .. } => stops.push(stop(StopKind::Select)),
            Widget::Checkboxes { .. } => stops.push(stop(StopKind::Checkboxes)),
            Widget::Entity(_) | Widget::EntityTags(_) => stops.push(stop(StopKind::Picker)),
            Widget::ObjectList => stops.push(stop(StopKind::List)),
            Widget::Item { .. } => stops.push(stop(StopKind::Item)),
            Widget::RepoUrl(_) => {
                for part in repo_parts.get(&f.path).into_iter().flatten() {
                    stops.push(Stop {
                        key: StopKey {
                            path: f.path.clone(),
                            part: Some(part.name),
                        },
                        field: i,
                        kind: if part.allowed.is_empty() {
                            StopKind::Text { multiline: false }
                        } else {
                            StopKind::Select
                        },
                    });
                }
            }
            Widget::Group | Widget::Hidden => {}
        }
    }
    stops
}

/// Whether `path` lies under `parent` (or is it).
fn under(path: &FieldPath, parent: &FieldPath) -> bool {
    path.0.starts_with(&parent.0)
}

impl FormState {
    pub fn new(template: &Template) -> FormState {
        let form = Form::new(template);
        let page = (0..form.page_count())
            .find(|p| form.page_shown(*p))
            .unwrap_or(0);
        let mut state = FormState {
            form,
            page,
            fields: Vec::new(),
            stops: Vec::new(),
            focus: 0,
            editors: HashMap::new(),
            input_errors: HashMap::new(),
            errors: Vec::new(),
            revealed: HashSet::new(),
            reveal_all: false,
            edited_focus: false,
            repo_parts: HashMap::new(),
            sub_cursor: HashMap::new(),
            dirty: false,
        };
        state.enter_page(page);
        state
    }

    /// The form filled with a run's values (running it again): every given key counts as
    /// typed, defaults fill the rest.
    pub fn with_values(template: &Template, values: &Json) -> FormState {
        let mut state = FormState::new(template);
        state.form = Form::with_values(template, values, &crate::scaffold::Secrets::default());
        state.editors.clear();
        state.repo_parts.clear();
        state.refresh();
        state.dirty = true;
        state
    }

    /// Pages that apply now, and where the current one is among them (1-based).
    pub fn page_position(&self) -> (usize, usize) {
        let shown: Vec<usize> = self
            .form
            .pages()
            .iter()
            .filter(|p| p.shown)
            .map(|p| p.index)
            .collect();
        let at = shown
            .iter()
            .position(|p| *p == self.page)
            .map_or(1, |i| i + 1);
        (at, shown.len().max(1))
    }

    fn enter_page(&mut self, page: usize) {
        self.page = page;
        self.reveal_all = false;
        self.edited_focus = false;
        self.focus = 0;
        self.refresh();
        self.focus = self
            .stops
            .iter()
            .position(|s| self.fields[s.field].autofocus)
            .unwrap_or(0);
    }

    /// Re-reads the page's fields from the model (conditional fields may have come or gone),
    /// keeping the focus on the same stop when it is still there.
    pub fn refresh(&mut self) {
        let focused = self.focused().map(|s| s.key.clone());
        self.fields = self.form.visible_fields(self.page);
        for f in &self.fields {
            if let Widget::RepoUrl(picker) = &f.widget
                && !self.repo_parts.contains_key(&f.path)
            {
                let value = self.form.value(&f.path).and_then(Json::as_str);
                self.repo_parts.insert(f.path.clone(), picker.parts(value));
            }
        }
        self.stops = stops_for(&self.fields, &self.repo_parts);
        for stop in &self.stops {
            let StopKind::Text { multiline } = stop.kind else {
                continue;
            };
            if self.editors.contains_key(&stop.key) {
                continue;
            }
            let field = &self.fields[stop.field];
            let text = match stop.key.part {
                Some(name) => self.part_value(&stop.key.path, name),
                None => text_for_value(field, self.form.value(&field.path)),
            };
            let placeholder = editor::placeholder_for(field);
            let editor = new_editor(
                &text,
                multiline,
                field.widget.is_masked(),
                placeholder.as_deref(),
            );
            self.editors.insert(stop.key.clone(), editor);
        }
        self.errors = self.form.validate_page(self.page);
        if let Some(key) = focused
            && let Some(i) = self.stops.iter().position(|s| s.key == key)
        {
            self.focus = i;
        }
        self.focus = self.focus.min(self.stops.len().saturating_sub(1));
    }

    pub fn focused(&self) -> Option<&Stop> {
        self.stops.get(self.focus)
    }

    pub fn focused_field(&self) -> Option<&Field> {
        self.focused().map(|s| &self.fields[s.field])
    }

    /// Whether keys not bound to an action go to a text editor.
    pub fn typing(&self) -> bool {
        matches!(self.focused().map(|s| s.kind), Some(StopKind::Text { .. }))
    }

    pub fn editor(&self, key: &StopKey) -> Option<&TextArea<'static>> {
        self.editors.get(key)
    }

    /// The parts of a RepoUrlPicker field as being edited.
    pub fn repo_parts(&self, path: &FieldPath) -> &[RepoPart] {
        self.repo_parts.get(path).map_or(&[], Vec::as_slice)
    }

    fn part_value(&self, path: &FieldPath, name: &str) -> String {
        self.repo_parts(path)
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.value.clone())
            .unwrap_or_default()
    }

    pub fn sub_cursor(&self, path: &FieldPath) -> usize {
        self.sub_cursor.get(path).copied().unwrap_or(0)
    }

    /// The problems to show beside a field: text that did not convert, and (once revealed)
    /// what validation says.
    pub fn errors_for(&self, path: &FieldPath) -> Vec<String> {
        let mut out: Vec<String> = self.input_errors.get(path).cloned().into_iter().collect();
        if self.reveal_all || self.revealed.contains(path) {
            out.extend(
                self.errors
                    .iter()
                    .filter(|e| &e.path == path)
                    .map(|e| e.message.clone()),
            );
        }
        out
    }

    /// Problems about no field on the page (shown at its top once everything is revealed).
    pub fn page_errors(&self) -> Vec<String> {
        if !self.reveal_all {
            return Vec::new();
        }
        self.errors
            .iter()
            .filter(|e| !self.fields.iter().any(|f| f.path == e.path))
            .map(|e| e.message.clone())
            .collect()
    }

    /// How many problems keep the page from being left forward.
    pub fn problem_count(&self) -> usize {
        let input = self
            .input_errors
            .keys()
            .filter(|p| self.fields.iter().any(|f| &f.path == *p))
            .count();
        self.errors.len() + input
    }

    fn leave_focus(&mut self) {
        if self.edited_focus
            && let Some(path) = self.focused().map(|s| s.key.path.clone())
        {
            self.revealed.insert(path);
        }
        self.edited_focus = false;
    }

    /// The previous or next field; `Edge` at either end of the page.
    pub fn move_focus(&mut self, delta: isize) -> Moved {
        if self.stops.is_empty() {
            return Moved::Edge;
        }
        let next = self.focus as isize + delta;
        if next < 0 || next >= self.stops.len() as isize {
            return Moved::Edge;
        }
        self.leave_focus();
        self.focus = next as usize;
        Moved::Stop
    }

    /// Tab / Shift-Tab: the next or previous field, round from the last to the first.
    pub fn cycle_focus(&mut self, delta: isize) {
        if self.move_focus(delta) == Moved::Edge && self.stops.len() > 1 {
            self.leave_focus();
            self.focus = if delta > 0 { 0 } else { self.stops.len() - 1 };
        }
    }

    /// Up / down: a line within a several-line editor, else the previous or next field.
    pub fn move_vertically(&mut self, delta: isize) -> Moved {
        if let Some(stop) = self.focused().cloned()
            && stop.kind == (StopKind::Text { multiline: true })
            && let Some(e) = self.editors.get_mut(&stop.key)
        {
            let (row, _) = e.cursor();
            let last = e.lines().len().saturating_sub(1);
            if (delta < 0 && row > 0) || (delta > 0 && row < last) {
                e.move_cursor(if delta < 0 {
                    CursorMove::Up
                } else {
                    CursorMove::Down
                });
                return Moved::InEditor;
            }
        }
        self.move_focus(delta)
    }

    pub fn focus_path(&mut self, path: &FieldPath) {
        if let Some(i) = self.stops.iter().position(|s| under(&s.key.path, path)) {
            self.leave_focus();
            self.focus = i;
        }
    }

    /// A key for the focused text editor; true when the text changed.
    pub fn input(&mut self, input: Input) -> bool {
        let Some(stop) = self.focused().cloned() else {
            return false;
        };
        let StopKind::Text { multiline } = stop.kind else {
            return false;
        };
        if !multiline && (input.key == Key::Enter || (input.ctrl && input.key == Key::Char('m'))) {
            return false;
        }
        let Some(editor) = self.editors.get_mut(&stop.key) else {
            return false;
        };
        if editor::edit(editor, input) {
            self.text_changed(&stop);
            return true;
        }
        false
    }

    /// Pasted text for the focused editor (one line unless the field takes several).
    pub fn paste(&mut self, text: &str) -> bool {
        let Some(stop) = self.focused().cloned() else {
            return false;
        };
        let StopKind::Text { multiline } = stop.kind else {
            return false;
        };
        let clean = if multiline {
            crate::text::sanitize_block(text).replace("\r\n", "\n")
        } else {
            crate::text::sanitize_line(text).into_owned()
        };
        let Some(editor) = self.editors.get_mut(&stop.key) else {
            return false;
        };
        if editor.insert_str(clean) {
            self.text_changed(&stop);
        }
        true
    }

    /// Enter in a several-line editor.
    pub fn new_line(&mut self) {
        if let Some(stop) = self.focused().cloned()
            && stop.kind == (StopKind::Text { multiline: true })
            && let Some(e) = self.editors.get_mut(&stop.key)
        {
            e.insert_newline();
            self.text_changed(&stop);
        }
    }

    fn text_changed(&mut self, stop: &Stop) {
        let Some(editor) = self.editors.get(&stop.key) else {
            return;
        };
        let text = text_of(editor);
        match stop.key.part {
            Some(name) => self.set_repo_part(&stop.key.path, name, text),
            None => match self.form.set_text(&stop.key.path, &text) {
                Ok(()) => {
                    self.input_errors.remove(&stop.key.path);
                }
                Err(e) => {
                    self.input_errors
                        .insert(stop.key.path.clone(), e.to_string());
                }
            },
        }
        self.edited_focus = true;
        self.changed();
    }

    fn changed(&mut self) {
        self.dirty = true;
        self.refresh();
    }

    /// Sets a field's value from a choice (checkbox, select, picker), showing its problems.
    pub fn set_value(&mut self, path: &FieldPath, value: Json) {
        match self.form.set(path, value) {
            Ok(()) => {
                self.input_errors.remove(path);
            }
            Err(e) => {
                self.input_errors.insert(path.clone(), e.to_string());
            }
        }
        self.revealed.insert(path.clone());
        self.changed();
    }

    /// Sets one part of a RepoUrlPicker and composes the field's value from the parts. A new
    /// host can change which parts apply; what was typed in the others is kept.
    pub fn set_repo_part(&mut self, path: &FieldPath, name: &str, value: String) {
        let Some(Widget::RepoUrl(picker)) = self
            .fields
            .iter()
            .find(|f| &f.path == path)
            .map(|f| f.widget.clone())
        else {
            return;
        };
        let mut parts = self.repo_parts.get(path).cloned().unwrap_or_default();
        if let Some(p) = parts.iter_mut().find(|p| p.name == name) {
            p.value = value;
        }
        let pairs = |parts: &[RepoPart]| -> String {
            let pairs: Vec<(&str, &str)> =
                parts.iter().map(|p| (p.name, p.value.as_str())).collect();
            RepoUrlPicker::compose(&pairs)
        };
        let mut merged = picker.parts(Some(&pairs(&parts)));
        for p in &mut merged {
            if let Some(old) = parts.iter().find(|o| o.name == p.name) {
                p.value = old.value.clone();
            }
        }
        let composed = pairs(&merged);
        self.repo_parts.insert(path.clone(), merged);
        if let Err(e) = self.form.set_text(path, &composed) {
            self.input_errors.insert(path.clone(), e.to_string());
        } else {
            self.input_errors.remove(path);
        }
        self.edited_focus = true;
        self.changed();
    }

    fn choices_of(&self, stop: &Stop) -> Vec<Choice> {
        let field = &self.fields[stop.field];
        if let Some(name) = stop.key.part {
            return self
                .repo_parts(&stop.key.path)
                .iter()
                .find(|p| p.name == name)
                .map(|p| {
                    p.allowed
                        .iter()
                        .map(|a| Choice {
                            value: Json::String(a.clone()),
                            label: a.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default();
        }
        match &field.widget {
            Widget::Select { choices, .. } | Widget::Checkboxes { choices } => choices.clone(),
            _ => Vec::new(),
        }
    }

    /// The choices of the focused select or checkbox group.
    pub fn focused_choices(&self) -> Vec<Choice> {
        self.focused()
            .map(|s| self.choices_of(&s.clone()))
            .unwrap_or_default()
    }

    /// The current value of a stop that is a choice (a repo part's text for parts).
    pub fn stop_value(&self, stop: &Stop) -> Option<Json> {
        match stop.key.part {
            Some(name) => {
                let v = self.part_value(&stop.key.path, name);
                (!v.is_empty()).then_some(Json::String(v))
            }
            None => self.form.value(&stop.key.path).cloned(),
        }
    }

    /// Left / right: the previous or next choice of a select; the highlighted option of a
    /// checkbox group; a checkbox flips.
    pub fn choose_step(&mut self, delta: isize) {
        let Some(stop) = self.focused().cloned() else {
            return;
        };
        match stop.kind {
            StopKind::Select => {
                let choices = self.choices_of(&stop);
                if choices.is_empty() {
                    return;
                }
                let n = choices.len() as isize;
                let current = self
                    .stop_value(&stop)
                    .and_then(|v| choices.iter().position(|c| c.value == v));
                let next = match current {
                    Some(i) => (i as isize + delta).rem_euclid(n) as usize,
                    None if delta >= 0 => 0,
                    None => (n - 1) as usize,
                };
                self.choose(&stop, choices[next].value.clone());
            }
            StopKind::Checkboxes => {
                let n = self.choices_of(&stop).len();
                if n > 0 {
                    let at = self.sub_cursor(&stop.key.path) as isize;
                    self.sub_cursor.insert(
                        stop.key.path.clone(),
                        (at + delta).rem_euclid(n as isize) as usize,
                    );
                }
            }
            StopKind::Toggle => self.toggle(),
            _ => {}
        }
    }

    /// Sets a select (or a repo part) to a choice.
    pub fn choose(&mut self, stop: &Stop, value: Json) {
        match stop.key.part {
            Some(name) => {
                let text = value.as_str().map(str::to_owned).unwrap_or_default();
                self.set_repo_part(&stop.key.path, name, text);
                // Parts typed as text keep editors; refresh the one that was chosen.
                self.editors.remove(&stop.key);
                self.refresh();
            }
            None => self.set_value(&stop.key.path, value),
        }
    }

    /// Space: a checkbox flips; the highlighted option of a checkbox group flips; a select
    /// moves to its next choice.
    pub fn toggle(&mut self) {
        let Some(stop) = self.focused().cloned() else {
            return;
        };
        match stop.kind {
            StopKind::Toggle => {
                let on = self.form.value(&stop.key.path) == Some(&Json::Bool(true));
                self.set_value(&stop.key.path, Json::Bool(!on));
            }
            StopKind::Checkboxes => {
                let choices = self.choices_of(&stop);
                let Some(choice) = choices.get(self.sub_cursor(&stop.key.path)) else {
                    return;
                };
                let mut chosen: Vec<Json> = self
                    .form
                    .value(&stop.key.path)
                    .and_then(Json::as_array)
                    .cloned()
                    .unwrap_or_default();
                if let Some(i) = chosen.iter().position(|v| *v == choice.value) {
                    chosen.remove(i);
                } else {
                    chosen.push(choice.value.clone());
                }
                self.set_many(&stop.key.path, &choices, chosen);
            }
            StopKind::Select => self.choose_step(1),
            _ => {}
        }
    }

    /// Sets a checkbox group, in the order of its choices.
    pub fn set_many(&mut self, path: &FieldPath, choices: &[Choice], chosen: Vec<Json>) {
        let ordered: Vec<Json> = choices
            .iter()
            .filter(|c| chosen.contains(&c.value))
            .map(|c| c.value.clone())
            .collect();
        self.set_value(path, Json::Array(ordered));
    }

    /// The list of objects the focused stop belongs to (or is), and the item it is in.
    fn enclosing_list(&self) -> Option<(FieldPath, Option<usize>)> {
        let stop = self.focused()?;
        let path = &stop.key.path;
        let lists = self
            .fields
            .iter()
            .filter(|f| f.widget == Widget::ObjectList && under(path, &f.path));
        let list = lists.max_by_key(|f| f.path.0.len())?;
        let item = path
            .0
            .get(list.path.0.len())
            .and_then(|s| s.parse::<usize>().ok());
        Some((list.path.clone(), item))
    }

    /// Adds an item: a line to a string list, an object to the enclosing list of objects
    /// (focus goes to the new item's first field). False when there is no list here.
    pub fn add_item(&mut self) -> bool {
        if let Some(stop) = self.focused().cloned()
            && self.fields[stop.field].widget == Widget::StringList
            && let Some(e) = self.editors.get_mut(&stop.key)
        {
            e.move_cursor(CursorMove::Bottom);
            e.move_cursor(CursorMove::End);
            if !e.lines().last().is_some_and(String::is_empty) {
                e.insert_newline();
            }
            self.text_changed(&stop);
            return true;
        }
        let Some((list, _)) = self.enclosing_list() else {
            return false;
        };
        match self.form.add_item(&list) {
            Ok(index) => {
                self.changed();
                let item = list.child(index.to_string());
                let first_field = self
                    .stops
                    .iter()
                    .position(|s| under(&s.key.path, &item) && s.key.path != item);
                if let Some(i) = first_field {
                    self.leave_focus();
                    self.focus = i;
                }
                true
            }
            Err(e) => {
                self.input_errors.insert(list, e.to_string());
                true
            }
        }
    }

    /// Removes an item: the current line of a string list, the focused item of a list of
    /// objects (the last one from the list's header). False anywhere else.
    pub fn remove_item(&mut self) -> bool {
        if let Some(stop) = self.focused().cloned()
            && self.fields[stop.field].widget == Widget::StringList
            && let Some(e) = self.editors.get_mut(&stop.key)
        {
            let (row, _) = e.cursor();
            let mut lines = e.lines().to_vec();
            if row < lines.len() {
                lines.remove(row);
            }
            let placeholder = editor::placeholder_for(&self.fields[stop.field]);
            let mut fresh = new_editor(&lines.join("\n"), true, false, placeholder.as_deref());
            fresh.move_cursor(CursorMove::Jump(
                row.min(lines.len().saturating_sub(1)) as u16,
                0,
            ));
            *e = fresh;
            self.text_changed(&stop);
            return true;
        }
        // Whole items go only from their header (or the list's), never from a text field.
        if !matches!(
            self.focused().map(|s| s.kind),
            Some(StopKind::Item | StopKind::List)
        ) {
            return false;
        }
        let Some((list, item)) = self.enclosing_list() else {
            return false;
        };
        let count = self
            .form
            .value(&list)
            .and_then(Json::as_array)
            .map_or(0, Vec::len);
        let Some(index) = item.or(count.checked_sub(1)) else {
            return true;
        };
        if self.form.remove_item(&list, index).is_ok() {
            // Items after it moved up: their editors and marks are stale.
            self.editors.retain(|k, _| !under(&k.path, &list));
            self.input_errors.retain(|k, _| !under(k, &list));
            self.sub_cursor.retain(|k, _| !under(k, &list));
            self.repo_parts.retain(|k, _| !under(k, &list));
            self.revealed.retain(|k| !under(k, &list) || k == &list);
            self.changed();
            let left = count - 1;
            let target = if left == 0 {
                list.clone()
            } else {
                list.child(index.min(left - 1).to_string())
            };
            if let Some(i) = self.stops.iter().position(|s| s.key.path == target) {
                self.focus = i;
            }
        }
        true
    }

    /// Tries to leave the page forward: `Ok(Some(page))`, `Ok(None)` for the review, or the
    /// number of problems (now all shown, focus on the first).
    pub fn next_page(&mut self) -> Result<Option<usize>, usize> {
        self.leave_focus();
        let problems = self.problem_count();
        let result = if problems > 0 {
            Err(problems)
        } else {
            self.form.next_page(self.page).map_err(|e| e.len())
        };
        match result {
            Ok(Some(p)) => {
                self.enter_page(p);
                Ok(Some(p))
            }
            Ok(None) => Ok(None),
            Err(n) => {
                self.reveal_all = true;
                self.errors = self.form.validate_page(self.page);
                let first = self
                    .fields
                    .iter()
                    .find(|f| !self.errors_for(&f.path).is_empty())
                    .map(|f| f.path.clone());
                if let Some(p) = first {
                    self.focus_path(&p);
                }
                Err(n)
            }
        }
    }

    /// Back one page; false on the first.
    pub fn previous_page(&mut self) -> bool {
        match self.form.previous_page(self.page) {
            Some(p) => {
                self.leave_focus();
                self.enter_page(p);
                true
            }
            None => false,
        }
    }

    /// The last page that applies (returning from the review).
    pub fn last_page(&mut self) {
        let last = (0..self.form.page_count())
            .rev()
            .find(|p| self.form.page_shown(*p))
            .unwrap_or(0);
        self.enter_page(last);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template(parameters: Json) -> Template {
        let data = json!({
            "apiVersion": "scaffolder.backstage.io/v1beta3",
            "kind": "Template",
            "metadata": {"name": "t"},
            "spec": {"parameters": parameters, "steps": [{"action": "debug:log"}]}
        });
        Template::from_json(data.as_object().unwrap(), None).unwrap()
    }

    fn type_text(s: &mut FormState, text: &str) {
        for c in text.chars() {
            s.input(Input {
                key: Key::Char(c),
                ..Input::default()
            });
        }
    }

    #[test]
    fn conditional_fields_follow_the_values() {
        let t = template(json!({
            "properties": {"kind": {"type": "string", "enum": ["a", "b"]}},
            "dependencies": {"kind": {"oneOf": [
                {"properties": {"kind": {"const": "a"}, "alpha": {"type": "string"}}},
                {"properties": {"kind": {"const": "b"}, "beta": {"type": "string"}}}
            ]}}
        }));
        let mut s = FormState::new(&t);
        let names = |s: &FormState| -> Vec<String> {
            s.fields.iter().map(|f| f.path.last().to_owned()).collect()
        };
        assert_eq!(names(&s), ["kind"]);
        s.choose_step(1);
        assert_eq!(names(&s), ["kind", "alpha"]);
        s.choose_step(1);
        assert_eq!(names(&s), ["kind", "beta"]);
        assert!(s.dirty);
    }

    #[test]
    fn numbers_that_do_not_parse_block_the_page() {
        let t = template(json!({"properties": {"n": {"type": "integer", "title": "Count"}}}));
        let mut s = FormState::new(&t);
        type_text(&mut s, "3x");
        assert_eq!(
            s.errors_for(&FieldPath::key("n")),
            ["Count must be a whole number, like 3."]
        );
        assert_eq!(s.next_page(), Err(1));
        s.input(Input {
            key: Key::Backspace,
            ..Input::default()
        });
        assert!(s.errors_for(&FieldPath::key("n")).is_empty());
        assert_eq!(s.form.value(&FieldPath::key("n")), Some(&json!(3)));
        assert_eq!(s.next_page(), Ok(None));
    }

    #[test]
    fn repo_url_parts_compose_the_value() {
        let t = template(json!({"properties": {"repoUrl": {
            "type": "string", "ui:field": "RepoUrlPicker",
            "ui:options": {"allowedHosts": ["github.com", "gitlab.com"]}
        }}}));
        let mut s = FormState::new(&t);
        let parts: Vec<_> = s.stops.iter().map(|s| (s.key.part, s.kind)).collect();
        assert_eq!(
            parts,
            [
                (Some("host"), StopKind::Select),
                (Some("owner"), StopKind::Text { multiline: false }),
                (Some("repo"), StopKind::Text { multiline: false })
            ]
        );
        s.choose_step(1);
        s.move_focus(1);
        type_text(&mut s, "acme");
        s.move_focus(1);
        type_text(&mut s, "shop");
        assert_eq!(
            s.form.value(&FieldPath::key("repoUrl")),
            Some(&json!("gitlab.com?owner=acme&repo=shop"))
        );
    }
}
