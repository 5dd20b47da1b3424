//! The session's side of watch layouts: saving one into the config file, and opening the
//! layout asked for with `--layout`. (Live status itself is the hub's: `greenroom_hub::status`.)

use super::layouts::{self, LayoutSpec, LayoutTree};
use crate::tui::PortalError;
use crate::tui::app::App;
use std::path::Path;

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
pub fn layout_to_open(
    saved: &[LayoutSpec],
    file: &Path,
    name: Option<&str>,
) -> Result<Option<LayoutSpec>, PortalError> {
    let Some(name) = name else {
        return Ok(None);
    };
    let spec = layouts::find(saved, name, file).map_err(PortalError::usage)?;
    spec.to_tree()
        .map_err(|e| PortalError::usage(format!("{}: {e}", file.display())))?;
    Ok(Some(spec.clone()))
}

/// Where layouts are saved, which are there, and the one to open first.
pub fn prepare_layouts(
    app: &mut App,
    saved: &[LayoutSpec],
    file: &Path,
    open: Option<&LayoutSpec>,
) {
    app.watch.config_file = Some(file.to_path_buf());
    app.watch.saved = saved.to_vec();
    if let Some(spec) = open
        && let Err(e) = app.open_layout(spec)
    {
        app.notify(e, true);
    }
}
