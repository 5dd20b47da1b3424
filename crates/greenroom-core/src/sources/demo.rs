//! The demo organisation in `demo/`, compiled into the binary so an installed greenroom shows a
//! believable catalogue anywhere, read through the same code as files on disk.

use super::files::FileSource;
use super::vfs::EmbeddedFs;
use include_dir::{Dir, include_dir};
use std::path::PathBuf;
use std::sync::Arc;

static DEMO: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../demo");

/// The embedded demo tree (templates read their skeletons from it too).
pub fn files() -> &'static Dir<'static> {
    &DEMO
}

pub fn source() -> FileSource {
    FileSource::new(
        Arc::new(EmbeddedFs::new(&DEMO, "demo")),
        vec![PathBuf::from("/")],
        "the bundled demo",
    )
}
