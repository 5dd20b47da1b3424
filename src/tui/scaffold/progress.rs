//! A run as the screen follows it: each step's state and log (folded from task events by the
//! core's `RunProgress`), the result, the template's output links and text, and for a dry run the
//! files that would be written. Every line is redacted of the form's secrets once more before it
//! is kept, whatever the executor already did.

use crate::scaffold::exec::{StepStatus, TaskStatus, WorkspaceFile};
use crate::scaffold::secrets::Redactor;
use crate::scaffold::{RunProgress, RunResult, TaskEvent, Template};
use greenroom_hub::RunExecutor;
use serde_json::Value as Json;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often the running step's spinner turns (only while a run is in progress).
pub const TICK: Duration = Duration::from_millis(120);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputLink {
    pub title: String,
    pub url: Option<String>,
    pub entity_ref: Option<String>,
}

impl OutputLink {
    /// What copying the link gives: the URL, else the entity ref.
    pub fn target(&self) -> Option<&str> {
        self.url.as_deref().or(self.entity_ref.as_deref())
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunOutput {
    pub links: Vec<OutputLink>,
    /// `(title, content)`.
    pub text: Vec<(String, String)>,
}

impl RunOutput {
    fn from_json(output: &Json, redactor: &Redactor) -> RunOutput {
        let s = |v: &Json, k: &str| v.get(k).and_then(Json::as_str).map(|t| redactor.redact(t));
        let items = |k: &str| {
            output
                .get(k)
                .and_then(Json::as_array)
                .cloned()
                .unwrap_or_default()
        };
        RunOutput {
            links: items("links")
                .iter()
                .map(|l| OutputLink {
                    title: s(l, "title")
                        .or_else(|| s(l, "url"))
                        .or_else(|| s(l, "entityRef"))
                        .unwrap_or_else(|| "link".into()),
                    url: s(l, "url").filter(|u| !u.is_empty()),
                    entity_ref: s(l, "entityRef").filter(|u| !u.is_empty()),
                })
                .collect(),
            text: items("text")
                .iter()
                .map(|t| {
                    (
                        s(t, "title").unwrap_or_default(),
                        s(t, "content").unwrap_or_default(),
                    )
                })
                .collect(),
        }
    }
}

/// A file a dry run would write, ready to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreviewFile {
    pub path: String,
    pub lines: Vec<String>,
    pub binary: bool,
    pub size: usize,
    pub executable: bool,
}

/// A row of the file tree: a folder, or a file (index into `files`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeRow {
    pub depth: usize,
    pub name: String,
    pub file: Option<usize>,
}

/// The dry run's files: a tree, the selected file's content, or the step log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Preview {
    pub files: Vec<PreviewFile>,
    pub rows: Vec<TreeRow>,
    /// The selected row (always a file row when there are files).
    pub selected: usize,
    pub scroll: usize,
    pub show_log: bool,
    pub log_scroll: usize,
}

fn tree_rows(files: &[PreviewFile]) -> Vec<TreeRow> {
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by(|a, b| {
        let pa: Vec<&str> = files[*a].path.split('/').collect();
        let pb: Vec<&str> = files[*b].path.split('/').collect();
        // Folders before files at each level, then by name.
        fn key<'a>(p: &[&'a str], i: usize) -> (bool, &'a str) {
            (i + 1 == p.len(), p.get(i).copied().unwrap_or(""))
        }
        for i in 0..pa.len().max(pb.len()) {
            let o = key(&pa, i).cmp(&key(&pb, i));
            if o != std::cmp::Ordering::Equal {
                return o;
            }
        }
        std::cmp::Ordering::Equal
    });
    let mut rows = Vec::new();
    let mut open: Vec<String> = Vec::new();
    for i in order {
        let parts: Vec<&str> = files[i].path.split('/').collect();
        let dirs = &parts[..parts.len() - 1];
        let common = open
            .iter()
            .zip(dirs)
            .take_while(|(a, b)| a.as_str() == **b)
            .count();
        open.truncate(common);
        for (depth, d) in dirs.iter().enumerate().skip(common) {
            rows.push(TreeRow {
                depth,
                name: format!("{d}/"),
                file: None,
            });
            open.push((*d).to_owned());
        }
        rows.push(TreeRow {
            depth: dirs.len(),
            name: parts.last().copied().unwrap_or_default().to_owned(),
            file: Some(i),
        });
    }
    rows
}

impl Preview {
    fn new(files: &[WorkspaceFile], redactor: &Redactor) -> Preview {
        let files: Vec<PreviewFile> = files
            .iter()
            .map(|f| {
                let text = std::str::from_utf8(&f.content)
                    .ok()
                    .filter(|t| !t.contains('\0'));
                PreviewFile {
                    path: redactor.redact(&f.path),
                    lines: text
                        .map(|t| {
                            crate::text::sanitize_block(&redactor.redact(t))
                                .lines()
                                .map(str::to_owned)
                                .collect()
                        })
                        .unwrap_or_default(),
                    binary: text.is_none(),
                    size: f.content.len(),
                    executable: f.executable,
                }
            })
            .collect();
        let rows = tree_rows(&files);
        let selected = rows.iter().position(|r| r.file.is_some()).unwrap_or(0);
        Preview {
            files,
            rows,
            selected,
            ..Preview::default()
        }
    }

    pub fn selected_file(&self) -> Option<&PreviewFile> {
        self.rows
            .get(self.selected)
            .and_then(|r| r.file)
            .and_then(|i| self.files.get(i))
    }

    /// Moves the selection by `delta` files.
    pub fn step(&mut self, delta: isize) {
        let files: Vec<usize> = (0..self.rows.len())
            .filter(|i| self.rows[*i].file.is_some())
            .collect();
        let Some(at) = files.iter().position(|i| *i == self.selected) else {
            return;
        };
        let next = (at as isize + delta).clamp(0, files.len() as isize - 1) as usize;
        if files[next] != self.selected {
            self.selected = files[next];
            self.scroll = 0;
        }
    }

    pub fn first(&mut self, last: bool) {
        let mut files = (0..self.rows.len()).filter(|i| self.rows[*i].file.is_some());
        let pick = if last {
            files.next_back()
        } else {
            files.next()
        };
        if let Some(i) = pick {
            self.selected = i;
            self.scroll = 0;
        }
    }
}

pub struct RunState {
    pub id: u64,
    pub dry: bool,
    /// Where a real run puts the result.
    pub target: Option<PathBuf>,
    pub progress: RunProgress,
    pub result: Option<RunResult>,
    /// The run's executor: `cancel()` asks it to stop (a remote one tells the backend).
    pub cancel: Arc<dyn RunExecutor>,
    pub cancelling: bool,
    /// Where a remote run runs (the backend's URL).
    pub remote: Option<String>,
    /// Selected row: steps first, then output links.
    pub cursor: usize,
    /// The cursor follows the running step until someone moves it.
    pub follow: bool,
    /// Log lines scrolled back from the end.
    pub log_scroll: usize,
    pub spinner: usize,
    next_tick: Instant,
    redactor: Redactor,
    pub output: RunOutput,
    pub preview: Option<Preview>,
    /// Refs `catalog:register` added to the open catalogue.
    pub registered: Vec<String>,
}

impl RunState {
    pub fn new(
        id: u64,
        template: &Template,
        target: Option<PathBuf>,
        remote: Option<String>,
        cancel: Arc<dyn RunExecutor>,
        redactor: Redactor,
    ) -> RunState {
        RunState {
            id,
            dry: target.is_none() && remote.is_none(),
            remote,
            target,
            progress: RunProgress::new(template),
            result: None,
            cancel,
            cancelling: false,
            cursor: 0,
            follow: true,
            log_scroll: 0,
            spinner: 0,
            next_tick: Instant::now() + TICK,
            redactor,
            output: RunOutput::default(),
            preview: None,
            registered: Vec::new(),
        }
    }

    pub fn running(&self) -> bool {
        self.result.is_none()
    }

    pub fn succeeded(&self) -> bool {
        self.result.as_ref().is_some_and(RunResult::succeeded)
    }

    pub fn apply(&mut self, event: &TaskEvent) {
        let event = match event {
            TaskEvent::Log {
                step_id,
                message,
                status,
            } => TaskEvent::Log {
                step_id: step_id.clone(),
                message: self.redactor.redact(message),
                status: *status,
            },
            other => other.clone(),
        };
        self.progress.apply(&event);
        if self.follow
            && let Some(i) = self
                .progress
                .steps
                .iter()
                .rposition(|s| s.status != StepStatus::Open)
        {
            self.cursor = i;
            self.log_scroll = 0;
        }
    }

    pub fn finish(&mut self, mut result: RunResult) {
        result.error = result.error.map(|e| self.redactor.redact(&e));
        if self.progress.finished.is_none() {
            self.progress.finished = Some(result.status);
        }
        self.output = RunOutput::from_json(&result.output, &self.redactor);
        if self.dry {
            self.preview = Some(Preview::new(&result.files, &self.redactor));
        }
        let steps = self.progress.steps.len();
        if result.status == TaskStatus::Completed && !self.output.links.is_empty() {
            self.cursor = steps;
        } else if let Some(i) = self
            .progress
            .steps
            .iter()
            .position(|s| s.status == StepStatus::Failed)
        {
            self.cursor = i;
        }
        self.follow = false;
        self.result = Some(result);
    }

    /// When the spinner next turns (none unless running).
    pub fn deadline(&self) -> Option<Instant> {
        self.running().then_some(self.next_tick)
    }

    pub fn tick(&mut self, now: Instant) -> bool {
        if self.running() && now >= self.next_tick {
            self.spinner = self.spinner.wrapping_add(1);
            self.next_tick = now + TICK;
            return true;
        }
        false
    }

    pub fn rows(&self) -> usize {
        self.progress.steps.len() + self.output.links.len()
    }

    pub fn move_cursor(&mut self, to: usize) {
        self.cursor = to.min(self.rows().saturating_sub(1));
        self.follow = false;
        self.log_scroll = 0;
    }

    /// The step whose log is shown: the selected one, or the last that did anything.
    pub fn shown_step(&self) -> Option<usize> {
        let steps = &self.progress.steps;
        if self.cursor < steps.len() {
            return Some(self.cursor);
        }
        steps
            .iter()
            .rposition(|s| s.status == StepStatus::Failed)
            .or_else(|| steps.iter().rposition(|s| s.status != StepStatus::Open))
    }

    pub fn selected_link(&self) -> Option<&OutputLink> {
        self.cursor
            .checked_sub(self.progress.steps.len())
            .and_then(|i| self.output.links.get(i))
    }

    /// The whole log: task lines, then each step's header and lines.
    pub fn log_lines(&self) -> Vec<(String, Option<StepStatus>)> {
        let mut out: Vec<(String, Option<StepStatus>)> = self
            .progress
            .task_log
            .iter()
            .map(|l| (l.clone(), None))
            .collect();
        for s in &self.progress.steps {
            out.push((s.name.clone(), Some(s.status)));
            for l in &s.log {
                // Messages can span lines (inputs printed as JSON).
                for line in crate::text::sanitize_block(l).lines() {
                    out.push((format!("  {line}"), None));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_lists_folders_before_files() {
        let files: Vec<PreviewFile> = ["README.md", "docs/index.md", "docs/a/b.md", "mkdocs.yml"]
            .iter()
            .map(|p| PreviewFile {
                path: (*p).into(),
                lines: vec![],
                binary: false,
                size: 0,
                executable: false,
            })
            .collect();
        let rows: Vec<String> = tree_rows(&files)
            .iter()
            .map(|r| format!("{}{}", "  ".repeat(r.depth), r.name))
            .collect();
        assert_eq!(
            rows,
            [
                "docs/",
                "  a/",
                "    b.md",
                "  index.md",
                "README.md",
                "mkdocs.yml"
            ]
        );
    }

    #[test]
    fn preview_content_is_redacted() {
        let r = Redactor::new(["hunter2".to_owned()]);
        let p = Preview::new(
            &[WorkspaceFile {
                path: "a.txt".into(),
                content: b"token: hunter2\n".to_vec(),
                executable: false,
            }],
            &r,
        );
        assert_eq!(p.files[0].lines, ["token: ***"]);
    }
}
