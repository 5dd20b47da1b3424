//! Following the disk without losing the page: when a descriptor that read fine turns into
//! one that does not (half-way through an edit, a YAML slip), the catalogue keeps the entities
//! it last read from that file, beside the error that says what is wrong with it now, until
//! the file reads again. Only files with an error of their own (not of one entity: YAML that
//! does not parse, a document that is no entity) count as broken; a file that reads and lost
//! an entity (deleted on purpose), or a file deleted, loses it.

use super::{Catalog, Diagnostic, Relations, Severity};
use std::collections::{HashMap, HashSet};

impl Catalog {
    /// `self` (just loaded) with the entities of `previous` from every file that now fails as a
    /// whole; returns the files whose last good entities were kept.
    pub fn keep_last_good(self, previous: &Catalog) -> (Catalog, Vec<String>) {
        let broken: HashSet<&str> = self
            .diagnostics
            .iter()
            .filter(|d| d.is_error() && d.entity_ref.is_none())
            .map(|d| d.file.as_str())
            .collect();
        let mut carried: HashMap<String, Vec<super::Entity>> = HashMap::new();
        for e in previous.entities() {
            if broken.contains(&*e.origin.file) && self.get(&e.key).is_none() {
                carried
                    .entry(e.origin.file.to_string())
                    .or_default()
                    .push(e.clone());
            }
        }
        if carried.is_empty() {
            return (self, Vec::new());
        }
        let mut files: Vec<String> = carried.keys().cloned().collect();
        files.sort();
        let dangling: HashSet<(String, String)> = self
            .dangling_ref_warnings()
            .into_iter()
            .map(|d| (d.file, d.message))
            .collect();
        let mut diagnostics: Vec<Diagnostic> = self
            .diagnostics
            .into_iter()
            .filter(|d| !dangling.contains(&(d.file.clone(), d.message.clone())))
            .collect();
        for file in &files {
            diagnostics.push(Diagnostic::new(
                Severity::Warning,
                file.as_str(),
                Default::default(),
                None,
                "does not read now: its entities as last read are kept until it does",
            ));
        }
        let mut entities = self.entities;
        for file in &files {
            entities.extend(carried.remove(file).unwrap_or_default());
        }
        (
            Catalog::assemble(entities, diagnostics, Relations::Compute),
            files,
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::sources::{self, LoadOptions, Source, files::FileSource};
    use std::path::Path;

    fn load(dir: &Path) -> super::Catalog {
        let source: Box<dyn Source> = Box::new(FileSource::disk(&[dir.to_path_buf()]).unwrap());
        sources::load(
            &[source],
            &LoadOptions {
                online: false,
                ..LoadOptions::default()
            },
        )
    }

    const GOOD: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: a\nspec:\n  type: service\n  lifecycle: production\n  owner: team\n---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team\nspec:\n  type: team\n  children: []\n";

    #[test]
    fn a_file_that_stops_reading_keeps_its_entities_beside_its_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("catalog-info.yaml");
        std::fs::write(&file, GOOD).unwrap();
        std::fs::create_dir(dir.path().join("b")).unwrap();
        std::fs::write(
            dir.path().join("b/catalog-info.yaml"),
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: b\nspec:\n  type: service\n  lifecycle: production\n  owner: team\n",
        )
        .unwrap();
        let before = load(dir.path());
        assert_eq!(before.len(), 3);
        std::fs::write(&file, GOOD.replace("  name: a\n", "  name: [a\n")).unwrap();
        let broken = load(dir.path());
        assert!(
            broken.get("component:default/a").is_none(),
            "a does not read"
        );
        let (kept, files) = broken.keep_last_good(&before);
        assert_eq!(files.len(), 1);
        assert!(kept.get("component:default/a").is_some());
        assert!(kept.get("group:default/team").is_some());
        // Its relations are there again, and the error stays, with the note.
        assert!(
            kept.get("group:default/team")
                .unwrap()
                .relations
                .iter()
                .any(|r| &*r.target == "component:default/b")
        );
        assert_eq!(kept.error_count(), 1);
        assert!(
            kept.diagnostics()
                .iter()
                .any(|d| d.message.contains("as last read are kept"))
        );
        // No "references nothing" warnings left over from the load without the group.
        assert!(
            !kept
                .diagnostics()
                .iter()
                .any(|d| d.message.contains("team") && !d.is_error() && d.file.contains("b/")),
            "{:?}",
            kept.diagnostics()
        );
    }

    #[test]
    fn a_deleted_file_or_entity_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("catalog-info.yaml");
        std::fs::write(&file, GOOD).unwrap();
        let before = load(dir.path());
        // The component removed on purpose: the file still reads, so it is gone.
        let group_only = &GOOD[GOOD.find("---\n").unwrap() + 4..];
        std::fs::write(&file, group_only).unwrap();
        let (after, files) = load(dir.path()).keep_last_good(&before);
        assert!(files.is_empty());
        assert!(after.get("component:default/a").is_none());
        std::fs::remove_file(&file).unwrap();
        let (after, files) = load(dir.path()).keep_last_good(&before);
        assert!(files.is_empty());
        assert!(after.is_empty());
    }
}
