//! The runner's side of live status: starting the service on the portal's runtime (on the
//! bundled demo, once the catalogue is in, with the in-process fake upstream serving it),
//! forwarding store changes into the event loop, saving layouts, and opening the layout
//! asked for with `--layout`.

use super::app::{App, AppEvent};
use super::layouts::{self, LayoutSpec, LayoutTree};
use crate::cli::{Context, Failure};
use crate::status::fake::{FakeUpstream, start_demo};
use crate::status::{StatusConfig, StatusService};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

pub struct StatusRuntime {
    config: Option<StatusConfig>,
    tx: UnboundedSender<AppEvent>,
    /// Serves the demo's status for as long as the portal runs.
    fake: Option<FakeUpstream>,
}

/// The demo polls faster than real sources would be asked to, so a person sees builds,
/// metrics and deployments move within seconds. It is all in-process.
pub fn demo_pace(c: &mut StatusConfig) {
    let s = Duration::from_secs;
    c.github.interval = Some(s(10));
    c.gitlab.interval = Some(s(10));
    c.argocd.interval = Some(s(10));
    c.kubernetes.interval = Some(s(8));
    c.prometheus.interval = Some(s(8));
    c.pagerduty.intervals.insert("oncall".into(), s(30));
    c.pagerduty.intervals.insert("incidents".into(), s(15));
    c.pagerduty.intervals.insert("service".into(), s(30));
    c.health.interval = Some(s(10));
}

impl StatusRuntime {
    /// Outside the demo the service starts at once with the config's `[status]`; on the demo
    /// it waits for the catalogue, whose names the fake needs.
    pub fn start(app: &mut App, config: StatusConfig, tx: UnboundedSender<AppEvent>) -> Self {
        let mut rt = StatusRuntime {
            config: Some(config),
            tx,
            fake: None,
        };
        if !app.demo
            && let Some(config) = rt.config.take()
        {
            rt.attach(app, config);
        }
        rt
    }

    fn attach(&self, app: &mut App, config: StatusConfig) {
        let service = StatusService::start(config);
        let tx = self.tx.clone();
        // Runs on the fetching task: only a send, the loop decides whether to redraw.
        service.store().on_change(move |id| {
            let _ = tx.send(AppEvent::Status(id.clone()));
        });
        app.attach_status(service);
    }

    /// After events are handled: on the demo, start the fake once the catalogue is loaded.
    pub async fn after_events(&mut self, app: &mut App) {
        if !app.demo || app.loading.is_some() || self.fake.is_some() {
            return;
        }
        let Some(user_config) = self.config.take() else {
            return;
        };
        match start_demo(&app.catalog).await {
            Ok((fake, mut config)) => {
                // "My on-call" still means the configured person.
                config.user.clone_from(&user_config.user);
                demo_pace(&mut config);
                tracing::info!(url = %fake.url(), "demo status served by the in-process fake");
                self.fake = Some(fake);
                self.attach(app, config);
            }
            Err(e) => {
                tracing::warn!("cannot start the demo upstream: {e}");
                app.notify(
                    format!("no live status: cannot start the demo upstream: {e}"),
                    true,
                );
            }
        }
    }
}

/// Performs `Effect::SaveLayout`: writes the config file and tells the app how it went.
pub fn save_layout(app: &mut App, spec: LayoutSpec) {
    let result = match app.watch.config_file.clone() {
        Some(path) => layouts::save(&path, &spec),
        None => Err("there is no config file to save into".into()),
    };
    if let Err(e) = &result {
        tracing::warn!("saving layout: {e}");
    }
    app.layout_saved(spec, result);
}

/// The layout `--layout NAME` asks for, checked before the terminal is taken so a wrong
/// name (or a broken layout) is a plain error listing what is saved.
pub fn layout_to_open(ctx: &Context, name: Option<&str>) -> Result<Option<LayoutSpec>, Failure> {
    let Some(name) = name else {
        return Ok(None);
    };
    let file = &ctx.paths.config_file;
    let spec = layouts::find(&ctx.config.layouts, name, file).map_err(Failure::usage)?;
    spec.to_tree()
        .map_err(|e| Failure::usage(format!("{}: {e}", file.display())))?;
    Ok(Some(spec.clone()))
}

/// Where layouts are saved, which are there, and the one to open first.
pub fn prepare_layouts(app: &mut App, ctx: &Context, open: Option<&LayoutSpec>) {
    app.watch.config_file = Some(ctx.paths.config_file.clone());
    app.watch.saved = ctx.config.layouts.clone();
    if let Some(spec) = open
        && let Err(e) = app.open_layout(spec)
    {
        app.notify(e, true);
    }
}
