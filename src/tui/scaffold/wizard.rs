//! One template being used: its form, then the review of every value, then a dry run or a run
//! for real. The stages go forward only when the form validates; the task is built exactly as
//! the command line builds it (`scaffold::task_from_values`), so both faces agree.

use super::form::FormState;
use super::progress::RunState;
use crate::catalog::Catalog;
use crate::scaffold::secrets::Redactor;
use crate::scaffold::{ReviewRow, TaskSpec, Template, User, task_from_values};
use greenroom_hub::RunExecutor;
use serde_json::Value as Json;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Form,
    Review,
    DryRun,
    Create,
}

pub struct Wizard {
    pub template: Template,
    /// The Template entity it came from, when it is in the catalogue.
    pub entity_key: Option<String>,
    pub stage: Stage,
    pub form: FormState,
    pub review: Vec<ReviewRow>,
    /// Problems the whole task has (the secrets schema), shown on the review.
    pub review_errors: Vec<String>,
    pub review_scroll: usize,
    pub run: Option<RunState>,
    /// The last run created something; nothing is left to lose.
    pub done: bool,
    /// A Port action's form: where its run goes (no folder, no dry run).
    pub port: Option<PortTarget>,
    /// A run re-opened from the recent runs list (started before): its end is reported as
    /// what it is, not as something just created.
    pub reopened: bool,
}

/// A Port action and the entity a DAY-2/DELETE run acts on.
#[derive(Clone, Debug)]
pub struct PortTarget {
    pub action: crate::sources::port::actions::PortAction,
    /// Its Port identifier.
    pub entity: Option<String>,
    /// Its catalogue key.
    pub entity_key: Option<String>,
}

/// The person templates see as `user` (`user.ref`, `user.entity`).
pub fn task_user(catalog: &Catalog, user: Option<&str>) -> User {
    User {
        entity_ref: user.map(str::to_owned),
        entity: user
            .and_then(|u| catalog.get(u))
            .map(|e| Json::Object(e.data.clone())),
    }
}

impl Wizard {
    pub fn new(template: Template, entity_key: Option<String>) -> Wizard {
        let form = FormState::new(&template);
        Wizard {
            template,
            entity_key,
            stage: Stage::Form,
            form,
            review: Vec::new(),
            review_errors: Vec::new(),
            review_scroll: 0,
            run: None,
            done: false,
            port: None,
            reopened: false,
        }
    }

    /// Whether leaving would throw away something typed.
    pub fn unsaved(&self) -> bool {
        self.form.dirty && !self.done
    }

    pub fn running(&self) -> bool {
        self.run.as_ref().is_some_and(RunState::running)
    }

    /// The task for the values as they are, or the problems in the way.
    pub fn task(&self, catalog: &Catalog, user: Option<&str>) -> Result<TaskSpec, Vec<String>> {
        task_from_values(
            &self.template,
            &self.form.form.values(),
            &self.form.form.secrets(),
            task_user(catalog, user),
        )
        .map_err(|errors| errors.into_iter().map(|e| e.message).collect())
    }

    /// Goes to the review: every value listed, secrets masked.
    pub fn to_review(&mut self, catalog: &Catalog, user: Option<&str>) {
        self.review = self.form.form.review();
        self.review_errors = self.task(catalog, user).err().unwrap_or_default();
        self.review_scroll = 0;
        self.stage = Stage::Review;
    }

    /// Back from the review to the form's last page.
    pub fn back_to_form(&mut self) {
        self.form.last_page();
        self.stage = Stage::Form;
    }

    /// Every string of the form that must never be shown: secret and password values.
    pub fn redactor(&self) -> Redactor {
        let mut r = Redactor::new(self.form.form.sensitive_values());
        r.extend(
            self.form
                .form
                .secrets()
                .iter()
                .map(|(_, v)| v.to_owned())
                .collect::<Vec<_>>(),
        );
        r
    }

    /// Starts following a run (dry when `target` and `remote` are none).
    pub fn begin_run(
        &mut self,
        id: u64,
        target: Option<PathBuf>,
        remote: Option<String>,
        cancel: Arc<dyn RunExecutor>,
    ) {
        self.stage = if target.is_some() || remote.is_some() {
            Stage::Create
        } else {
            Stage::DryRun
        };
        self.run = Some(RunState::new(
            id,
            &self.template,
            target,
            remote,
            cancel,
            self.redactor(),
        ));
    }

    /// Where the result goes unless the person says otherwise: `./<name>`.
    pub fn default_target(&self) -> String {
        let name = self
            .form
            .form
            .values()
            .get("name")
            .and_then(Json::as_str)
            .map(str::to_owned)
            .filter(|n| !n.is_empty() && !n.contains(['/', '\\']) && n != "." && n != "..")
            .unwrap_or_else(|| self.template.name.clone());
        format!("./{name}")
    }
}
