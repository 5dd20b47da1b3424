//! Regression tests for issue 8 ("The first hour"), each driving the real `App` by keys the way
//! a user met the defect: reloading a shrinking catalogue, search mode leaving on its own, help
//! that would not scroll back, the problems view, the palette, the list's columns, and the
//! watch workspace's hints.

use crossterm::event::KeyCode;
use greenroom::sources::{Source, files::FileSource};
use greenroom::tui::app::{App, AppEvent, Effect, Screen};
use std::path::Path;
use std::sync::Arc;

mod ui_support;
use ui_support::Portal;

use ui_support::{ctrl, key, render, screen_text, type_text};

fn component(name: &str, owner: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: service\n  lifecycle: production\n  owner: {owner}\n"
    )
}

/// A catalogue folder with one descriptor per component, in its own sub-folder.
fn catalogue_dir(names: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in names {
        let sub = dir.path().join(name);
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join("catalog-info.yaml"), component(name, "team")).unwrap();
    }
    dir
}

/// The portal on a folder the hub reads (again on every reload).
fn app_on(dir: &Path) -> Portal {
    let source: Box<dyn Source> = Box::new(FileSource::disk(&[dir.to_path_buf()]).unwrap());
    ui_support::app_on_sources(vec![source], "test catalogue")
}

/// ctrl-r through the session: the key asks the hub for a reload, the hub reads the folder
/// again and the session takes the new snapshot in. Nothing runs the search in between, as in
/// the real loop, where the frame after a new catalogue is drawn before the search answers.
fn reload(app: &mut Portal, _dir: &Path) {
    ctrl(app, 'r');
    app.session.pump_where(&|e| matches!(e, Effect::Reload));
    assert!(
        !app.take_effects().contains(&Effect::Reload),
        "the reload was carried out"
    );
}

/// The hub reads the folder again and the session takes the snapshot in, searching nothing.
fn loaded(app: &mut Portal, _dir: &Path) {
    app.hub().catalog.reload();
    app.session.pump_where(&|_| false);
}

fn selected(app: &App) -> Option<String> {
    app.selected_entity()
}

fn hits_are_consistent(app: &App) {
    for h in app.search.hits.iter() {
        assert!(
            h.entity < app.catalog.len(),
            "a hit indexes past the catalogue"
        );
    }
}

#[test]
fn reload_after_end_with_a_shrunken_catalogue_does_not_panic() {
    let dir = catalogue_dir(&["alpha", "bravo", "charlie", "delta", "echo"]);
    let mut app = app_on(dir.path());
    key(&mut app, KeyCode::End);
    let last = selected(&app).unwrap();
    render(&mut app, 80, 24);
    // Remove three descriptors, the selected one among them.
    let gone = last.rsplit('/').next().unwrap().to_owned();
    for name in ["alpha", "bravo", gone.as_str()] {
        let _ = std::fs::remove_dir_all(dir.path().join(name));
    }
    reload(&mut app, dir.path());
    hits_are_consistent(&app);
    // The frame drawn before the search answers, then after.
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(!text.contains(&gone), "{text}");
    app.run_searches_inline();
    hits_are_consistent(&app);
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("▶"), "a row is still selected: {text}");
    key(&mut app, KeyCode::Up);
    render(&mut app, 80, 24);
}

#[test]
fn reload_keeps_the_cursor_on_the_same_entity() {
    let dir = catalogue_dir(&["alpha", "bravo", "charlie", "delta", "echo"]);
    let mut app = app_on(dir.path());
    type_text(&mut app, "/");
    key(&mut app, KeyCode::Esc);
    // Select charlie, then remove two descriptors listed before it.
    let at = app
        .search
        .hits
        .iter()
        .position(|h| app.catalog.entities()[h.entity].name() == "charlie")
        .unwrap();
    for _ in 0..at {
        key(&mut app, KeyCode::Down);
    }
    assert_eq!(selected(&app).as_deref(), Some("component:default/charlie"));
    std::fs::remove_dir_all(dir.path().join("alpha")).unwrap();
    std::fs::remove_dir_all(dir.path().join("bravo")).unwrap();
    reload(&mut app, dir.path());
    assert_eq!(
        selected(&app).as_deref(),
        Some("component:default/charlie"),
        "before the new search answers"
    );
    render(&mut app, 80, 24);
    app.run_searches_inline();
    assert_eq!(
        selected(&app).as_deref(),
        Some("component:default/charlie"),
        "after"
    );
}

#[test]
fn search_results_for_the_old_catalogue_are_dropped() {
    let dir = catalogue_dir(&["alpha", "bravo", "charlie", "delta", "echo"]);
    let mut app = app_on(dir.path());
    ctrl(&mut app, 'r');
    assert!(app.take_effects().contains(&Effect::Reload));
    // A query typed while the reload runs: its search is asked of the old index.
    key(&mut app, KeyCode::Char('/'));
    app.handle(AppEvent::Terminal(crossterm::event::Event::Key(
        crossterm::event::KeyEvent::from(KeyCode::Char('e')),
    )));
    let asked: Vec<Effect> = app.take_effects();
    let old_index = app.index.clone();
    for name in ["alpha", "bravo", "charlie"] {
        std::fs::remove_dir_all(dir.path().join(name)).unwrap();
    }
    loaded(&mut app, dir.path());
    // The worker answers the old request after the new catalogue is in.
    for effect in asked {
        if let Effect::Search {
            generation, query, ..
        } = effect
        {
            let hits = Arc::new(old_index.search(&query));
            let facets = old_index.facets(&hits);
            app.handle(AppEvent::Searched {
                generation,
                query,
                hits,
                facets,
            });
        }
    }
    hits_are_consistent(&app);
    render(&mut app, 80, 24);
    app.run_searches_inline();
    hits_are_consistent(&app);
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(
        text.contains("delta") && !text.contains("charlie"),
        "{text}"
    );
}

/// A descriptor registered as the scaffolder's `catalog:register` step does it: through the
/// hub, for every session.
fn register(app: &mut Portal, dir: &Path, name: &str) -> std::path::PathBuf {
    use greenroom::scaffold::exec::Registration;
    let out = dir.join(name);
    std::fs::create_dir_all(&out).unwrap();
    let file = out.join("catalog-info.yaml");
    std::fs::write(&file, component(name, "team")).unwrap();
    app.hub().catalog.register(vec![Registration {
        catalog_info: file.clone(),
        entities: Vec::new(),
        entity_ref: Some(format!("component:default/{name}")),
    }]);
    app.pump();
    out
}

/// Lets the session carry out what it asked for (reloads and runs finish on the inline hub).
fn run_jobs(app: &mut Portal) {
    app.pump();
}

#[test]
fn registered_entities_survive_two_reloads_without_a_panic() {
    let dir = catalogue_dir(&["alpha", "bravo"]);
    let elsewhere = tempfile::tempdir().unwrap();
    let mut app = app_on(dir.path());
    register(&mut app, elsewhere.path(), "zulu-new");
    assert!(app.catalog.get("component:default/zulu-new").is_some());
    key(&mut app, KeyCode::End);
    render(&mut app, 80, 24);
    let at_end = selected(&app).unwrap();
    for round in 0..2 {
        reload(&mut app, dir.path());
        // Drawn at once, before the registration is added back and before the search.
        hits_are_consistent(&app);
        let text = screen_text(&render(&mut app, 80, 24));
        assert!(text.contains("zulu-new"), "round {round}: {text}");
        run_jobs(&mut app);
        hits_are_consistent(&app);
        render(&mut app, 80, 24);
        app.run_searches_inline();
        assert!(
            app.catalog.get("component:default/zulu-new").is_some(),
            "round {round}: the registered entity is still in the catalogue"
        );
        assert_eq!(selected(&app), Some(at_end.clone()), "round {round}");
        assert!(app.loading.is_none());
    }
    // Two reloads in flight at once: still there, once.
    reload(&mut app, dir.path());
    reload(&mut app, dir.path());
    run_jobs(&mut app);
    app.run_searches_inline();
    hits_are_consistent(&app);
    let n = app
        .catalog
        .entities()
        .iter()
        .filter(|e| e.name() == "zulu-new")
        .count();
    assert_eq!(n, 1);
    render(&mut app, 80, 24);
}

#[test]
fn a_registered_entity_whose_folder_was_removed_is_reported_gone() {
    let dir = catalogue_dir(&["alpha"]);
    let elsewhere = tempfile::tempdir().unwrap();
    let mut app = app_on(dir.path());
    let out = register(&mut app, elsewhere.path(), "zulu-new");
    std::fs::remove_dir_all(&out).unwrap();
    reload(&mut app, dir.path());
    run_jobs(&mut app);
    app.run_searches_inline();
    assert!(app.catalog.get("component:default/zulu-new").is_none());
    let notice = app.notice.as_ref().expect("a notice says where it went");
    assert!(notice.error, "{}", notice.text);
    assert!(
        notice.text.contains("component:default/zulu-new") && notice.text.contains("gone"),
        "{}",
        notice.text
    );
    assert!(app.hub().catalog.current().registered.is_empty());
    assert!(matches!(app.screen(), Screen::Catalog));
    render(&mut app, 80, 24);
}

fn examples_app() -> Portal {
    let root =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/backstage-examples/root.yaml");
    app_on(&root)
}

#[test]
fn ctrl_l_on_an_empty_query_stays_in_search() {
    let mut app = examples_app();
    key(&mut app, KeyCode::Char('/'));
    ctrl(&mut app, 'l');
    assert!(app.search.focused, "still typing a query");
    // Words that would be commands outside search are a query here.
    type_text(&mut app, "quota");
    assert!(!app.quit);
    assert_eq!(app.search.text(), "quota");
    ctrl(&mut app, 'l');
    assert!(app.search.focused);
    assert_eq!(app.search.text(), "");
    type_text(&mut app, "pn");
    assert_eq!(app.search.text(), "pn");
    assert!(matches!(app.screen(), Screen::Catalog));
    assert!(
        app.watch.panes.len() <= 1 && app.watch.version == 0,
        "nothing pinned"
    );
    // Esc is how search is left.
    key(&mut app, KeyCode::Esc);
    assert!(!app.search.focused);
}

#[test]
fn slash_selects_the_old_query_so_typing_replaces_it() {
    let mut app = examples_app();
    type_text(&mut app, "/wayback");
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.search.text(), "wayback");
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "artist");
    assert_eq!(app.search.text(), "artist");
    // An arrow key keeps the old query for editing instead.
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('/'));
    key(&mut app, KeyCode::End);
    key(&mut app, KeyCode::Right);
    type_text(&mut app, "s");
    assert_eq!(app.search.text(), "artists");
    // ctrl-u clears the line.
    ctrl(&mut app, 'u');
    assert_eq!(app.search.text(), "");
    assert!(app.search.focused);
}

fn help_scroll(app: &App) -> usize {
    match app.popups.overlay() {
        Some(greenroom::tui::app::Overlay::Help { scroll, .. }) => *scroll,
        _ => panic!("help is not open"),
    }
}

#[test]
fn help_scrolls_back_up_after_end() {
    let mut app = examples_app();
    key(&mut app, KeyCode::Char('?'));
    let top = screen_text(&render(&mut app, 80, 24));
    key(&mut app, KeyCode::End);
    let bottom = screen_text(&render(&mut app, 80, 24));
    assert_ne!(top, bottom, "End shows the end");
    let max = help_scroll(&app);
    let lines = greenroom::tui::views::help_lines(&app).len();
    assert!(max > 0 && max + 20 <= lines, "{max} of {lines}");
    // One key up moves the view at once.
    key(&mut app, KeyCode::Up);
    assert_eq!(help_scroll(&app), max - 1);
    let up = screen_text(&render(&mut app, 80, 24));
    assert_ne!(up, bottom);
    // Even with no frame drawn between the keys (a burst of input).
    key(&mut app, KeyCode::End);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Up);
    assert_eq!(help_scroll(&app), max - 1);
    key(&mut app, KeyCode::Home);
    assert_eq!(screen_text(&render(&mut app, 80, 24)), top);
}

#[test]
fn a_definition_scrolls_back_up_after_end() {
    let mut app = examples_app();
    type_text(&mut app, "/kind:api petstore\n");
    key(&mut app, KeyCode::Char('4'));
    let top = screen_text(&render(&mut app, 80, 24));
    key(&mut app, KeyCode::End);
    key(&mut app, KeyCode::End);
    let bottom = screen_text(&render(&mut app, 80, 24));
    assert_ne!(top, bottom);
    key(&mut app, KeyCode::Up);
    let up = screen_text(&render(&mut app, 80, 24));
    assert_ne!(up, bottom, "one key up moves the view");
    key(&mut app, KeyCode::End);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Up);
    assert_eq!(screen_text(&render(&mut app, 80, 24)), up);
}

#[test]
fn problems_show_a_cursor_on_file_problems_and_the_whole_message_first() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("catalog-info.yaml"),
        component("bad one", "team"),
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("sub")).unwrap();
    std::fs::write(
        dir.path().join("sub/catalog-info.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: x\n",
    )
    .unwrap();
    let mut app = app_on(dir.path());
    key(&mut app, KeyCode::Char('!'));
    let diags: Vec<_> = app.catalog.diagnostics().to_vec();
    let file_level = diags
        .iter()
        .find(|d| d.entity_ref.is_none())
        .expect("a YAML error belongs to the file");
    // Walk down to the file-level problem: the cursor is drawn on it.
    let mut found = false;
    for _ in 0..diags.len() {
        let text = screen_text(&render(&mut app, 80, 24));
        let cursor_line = text.lines().find(|l| l.starts_with('▶')).unwrap_or("");
        if cursor_line.contains("YAML") {
            found = true;
            break;
        }
        key(&mut app, KeyCode::Down);
    }
    assert!(found, "{}", screen_text(&render(&mut app, 80, 24)));
    // The problem under the cursor is whole, its message before its place; the others
    // keep one line each with their file.
    let text = screen_text(&render(&mut app, 80, 24));
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let words: String = file_level
        .message
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let place = format!(
        "catalog-info.yaml:{}:{}",
        file_level.line, file_level.column
    );
    let at_message = flat
        .find(&words)
        .unwrap_or_else(|| panic!("{words:?} in {text}"));
    let at_place = flat
        .find(&place)
        .unwrap_or_else(|| panic!("{place} in {text}"));
    assert!(at_message < at_place, "message first: {text}");
    assert!(
        file_level.message.len() > 60,
        "long enough to need wrapping"
    );
    // Every problem can be read whole in turn.
    key(&mut app, KeyCode::Home);
    let mut seen = Vec::new();
    for _ in &diags {
        let text = screen_text(&render(&mut app, 80, 24));
        seen.push(text.split_whitespace().collect::<Vec<_>>().join(" "));
        key(&mut app, KeyCode::Down);
    }
    for d in &diags {
        let words: String = d.message.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(seen.iter().any(|s| s.contains(&words)), "{words:?}");
    }
    for _ in &diags {
        key(&mut app, KeyCode::Up);
    }
    while !screen_text(&render(&mut app, 80, 24))
        .lines()
        .any(|l| l.starts_with('▶') && l.contains("YAML"))
    {
        key(&mut app, KeyCode::Down);
    }
    // Enter on a file's problem says why nothing opens.
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.screen(), Screen::Problems { .. }));
    assert!(app.notice.as_ref().is_some_and(|n| n.text.contains("file")));
    let _ = file_level;
}

fn palette_items(app: &App) -> Vec<greenroom::tui::app::PaletteItem> {
    match app.popups.overlay() {
        Some(greenroom::tui::app::Overlay::Palette(p)) => p.items.clone(),
        _ => panic!("the palette is not open"),
    }
}

fn palette_text(app: &App) -> String {
    match app.popups.overlay() {
        Some(greenroom::tui::app::Overlay::Palette(p)) => p.text(),
        _ => panic!("the palette is not open"),
    }
}

#[test]
fn palette_puts_an_exact_entity_name_first() {
    use greenroom::tui::app::PaletteItem;
    let mut app = examples_app();
    for name in ["artist-lookup", "wayback-search", "petstore"] {
        let key_of = app
            .catalog
            .entities()
            .iter()
            .find(|e| e.name() == name)
            .unwrap()
            .key
            .clone();
        key(&mut app, KeyCode::Char(':'));
        type_text(&mut app, name);
        let first = match palette_items(&app).first() {
            Some(PaletteItem::Entity(k)) => k.clone(),
            other => panic!("{name}: {other:?}"),
        };
        assert_eq!(app.catalog.get(&first).unwrap().name(), name);
        key(&mut app, KeyCode::Enter);
        assert_eq!(app.current_entity(), Some(first));
        let _ = key_of;
        key(&mut app, KeyCode::Char('c'));
    }
    // A word naming an action still finds the action first.
    key(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "quit");
    assert_eq!(
        palette_items(&app).first(),
        Some(&PaletteItem::Action(greenroom::tui::action::Action::Quit))
    );
}

#[test]
fn palette_theme_finds_the_themes_and_switches() {
    use greenroom::tui::app::PaletteItem;
    let mut app = examples_app();
    key(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "theme");
    let items = palette_items(&app);
    let themes: Vec<_> = items
        .iter()
        .take_while(|i| matches!(i, PaletteItem::Theme(_)))
        .collect();
    assert_eq!(themes.len(), 4, "{items:?}");
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("Theme: light"), "{text}");
    type_text(&mut app, " light\n");
    assert_eq!(app.theme.name, "light");
    assert!(app.popups.overlay().is_none());
    assert!(app.notice.as_ref().unwrap().text.contains("[ui] theme"));
}

#[test]
fn palette_offers_the_users_themes_from_the_config_dir() {
    use greenroom::tui::app::PaletteItem;
    use greenroom::tui::theme::Role;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("sunset.toml"),
        "inherits = \"light\"\n[roles]\naccent = \"#ff8800\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("odd\u{1b}[31m.toml"),
        "[roles]\nsparkle = \"red\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a theme").unwrap();
    let mut app = examples_app();
    app.settings.themes_dir = Some(dir.path().to_path_buf());
    key(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "theme");
    let themes: Vec<String> = palette_items(&app)
        .into_iter()
        .filter_map(|i| match i {
            PaletteItem::Theme(n) => Some(n),
            _ => None,
        })
        .collect();
    assert_eq!(
        themes.len(),
        6,
        "four built in and the two files: {themes:?}"
    );
    assert!(themes.contains(&"sunset".to_string()));
    // A hostile file name is shown without its escape sequence.
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(!text.contains('\u{1b}'), "{text}");
    type_text(&mut app, " sunset\n");
    assert_eq!(app.theme.name, "sunset");
    assert_eq!(
        app.theme.style(Role::Accent).fg,
        Some(ratatui::style::Color::Rgb(255, 136, 0))
    );
    assert!(!app.notice.as_ref().unwrap().error);
    // A theme with a problem is used, and the problem named with its line.
    key(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "theme odd\n");
    let notice = app.notice.as_ref().unwrap();
    assert!(
        notice.error && notice.text.contains(":2:"),
        "{}",
        notice.text
    );
    assert!(notice.text.contains("not a role"), "{}", notice.text);
}

#[test]
fn palette_ctrl_u_clears_the_input() {
    let mut app = examples_app();
    key(&mut app, KeyCode::Char(':'));
    let all = palette_items(&app);
    type_text(&mut app, "wayback");
    ctrl(&mut app, 'u');
    assert_eq!(palette_text(&app), "");
    assert_eq!(palette_items(&app), all);
}

#[test]
fn palette_shows_the_key_of_every_bound_action() {
    use greenroom::tui::keymap::Context;
    let mut app = examples_app();
    let mut checked = 0;
    // The palette offers the commands valid where it was opened (the catalogue here).
    let offered = app.palette_actions();
    for a in offered.iter() {
        let mut keys = Vec::new();
        for c in Context::ALL {
            keys.extend(
                app.keymap
                    .bindings(c)
                    .into_iter()
                    .filter(|(_, b)| b == a)
                    .map(|(k, _)| k),
            );
        }
        let Some(first) = keys.first() else { continue };
        key(&mut app, KeyCode::Char(':'));
        assert!(
            app.popups.overlay().is_some(),
            "{}: the palette opens",
            a.name()
        );
        for c in a.name().chars() {
            key(&mut app, KeyCode::Char(c));
            assert!(
                app.popups.overlay().is_some(),
                "{} at {c}: {:?}",
                a.name(),
                app.screen()
            );
        }
        let text = screen_text(&render(&mut app, 120, 30));
        let line = text
            .lines()
            .find(|l| l.contains(&format!(" {}  ", a.name())))
            .unwrap_or_else(|| panic!("{} not listed: {text}", a.name()));
        assert!(line.contains(first.as_str()), "{}: {line}", a.name());
        key(&mut app, KeyCode::Esc);
        checked += 1;
    }
    assert!(checked > 25, "{checked}");
}

#[test]
fn the_palette_offers_only_actions_valid_where_it_opens() {
    use greenroom::tui::action::Action;
    use greenroom::tui::app::PaletteItem;
    let mut app = examples_app();
    let listed = |app: &App| -> Vec<Action> {
        palette_items(app)
            .into_iter()
            .filter_map(|i| match i {
                PaletteItem::Action(a) => Some(a),
                _ => None,
            })
            .collect()
    };
    key(&mut app, KeyCode::Char(':'));
    let on_catalog = listed(&app);
    assert!(on_catalog.contains(&Action::Quit));
    assert!(on_catalog.contains(&Action::Owner));
    for absent in [
        Action::SplitRight,
        Action::FormCancel,
        Action::ScaffoldCreate,
        Action::Toggle,
        Action::Up,
    ] {
        assert!(!on_catalog.contains(&absent), "{absent:?} on the catalogue");
    }
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('W'));
    key(&mut app, KeyCode::Char(':'));
    let on_watch = listed(&app);
    assert!(on_watch.contains(&Action::SplitRight));
    assert!(on_watch.contains(&Action::SaveLayout));
    assert!(!on_watch.contains(&Action::TogglePreview));
    // Typing a watch action's name on the catalogue finds no such action.
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('c'));
    key(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "pane.split_right");
    assert!(!listed(&app).contains(&Action::SplitRight));
}

#[test]
fn the_rejected_flag_keeps_the_list_columns_aligned() {
    let mut app = examples_app();
    type_text(&mut app, "/kind:api");
    key(&mut app, KeyCode::Esc);
    for (w, h) in [(80, 24), (120, 40)] {
        let text = screen_text(&render(&mut app, w, h));
        let lines: Vec<&str> = text.lines().collect();
        let header = lines.iter().find(|l| l.contains("KIND")).unwrap();
        let col = |line: &str, what: &str| {
            line.find(what)
                .map(|b| line[..b].chars().count())
                .unwrap_or_else(|| panic!("{what} in {line:?}"))
        };
        let kind_at = col(header, "KIND");
        let name_at = col(header, "NAME");
        let rejected = lines
            .iter()
            .find(|l| l.contains('✖') && l.contains("spotify"))
            .unwrap_or_else(|| panic!("{text}"));
        assert_eq!(col(rejected, "API"), kind_at, "{rejected:?}");
        assert_eq!(col(rejected, "spotify"), name_at, "{rejected:?}");
        // The flag stands apart from the kind.
        assert!(!rejected.contains("✖API"), "{rejected:?}");
        let below = lines.iter().skip_while(|l| !l.contains("KIND")).skip(1);
        for line in below.filter(|l| l.contains("API       ") && !l.contains('✖')) {
            assert_eq!(col(line, "API"), kind_at, "{line:?}");
        }
    }
}

#[test]
fn v_at_80_columns_says_why_there_is_no_preview() {
    let mut app = examples_app();
    render(&mut app, 80, 24);
    assert!(app.settings.preview);
    key(&mut app, KeyCode::Char('v'));
    let notice = app.notice.clone().expect("v says something");
    assert!(
        notice.text.contains("120 columns") && notice.text.contains("80"),
        "{}",
        notice.text
    );
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("120 columns"), "{text}");
    // Wide enough: v hides and shows it.
    render(&mut app, 140, 30);
    key(&mut app, KeyCode::Char('v'));
    assert!(!app.settings.preview);
    assert_eq!(app.notice.as_ref().unwrap().text, "preview off");
    key(&mut app, KeyCode::Char('v'));
    assert!(app.settings.preview);
}

#[test]
fn pinning_the_same_entity_twice_focuses_its_pane() {
    let mut app = examples_app();
    key(&mut app, KeyCode::Char('p'));
    assert_eq!(app.watch.panes.len(), 1);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Char('p'));
    assert_eq!(app.watch.panes.len(), 2);
    key(&mut app, KeyCode::Up);
    key(&mut app, KeyCode::Char('p'));
    assert_eq!(app.watch.panes.len(), 2, "no duplicate pane");
    let notice = app.notice.clone().unwrap();
    assert!(
        notice.text.contains("already pinned in pane 1"),
        "{}",
        notice.text
    );
    let focus = app.watch.panes.focus().unwrap();
    assert_eq!(app.watch.panes.number(focus), Some(1));
}

#[test]
fn watch_pane_hints_name_keys_while_a_prompt_is_open() {
    use greenroom::tui::action::Action;
    let mut app = examples_app();
    key(&mut app, KeyCode::Char('p'));
    key(&mut app, KeyCode::Char('W'));
    // An empty pane below, then the save prompt over the workspace.
    key(&mut app, KeyCode::Char('s'));
    key(&mut app, KeyCode::Char('S'));
    assert!(app.popups.overlay().is_some(), "the prompt is open");
    for (w, h) in [(80, 24), (120, 40)] {
        let text = screen_text(&render(&mut app, w, h));
        for a in Action::ALL {
            assert!(
                !text.contains(a.name()),
                "{} shown as an id at {w}x{h}: {text}",
                a.name()
            );
        }
        assert!(text.contains("pin an entity with p"), "{text}");
    }
}

#[test]
fn the_selected_rows_match_is_readable_in_every_theme() {
    use greenroom::tui::theme::{BUILTIN, ColorDepth, Theme};
    use ratatui::style::Modifier;
    let mut app = examples_app();
    type_text(&mut app, "/wayb");
    for (name, _) in BUILTIN {
        app.theme = Theme::builtin(name, ColorDepth::TrueColor).unwrap();
        let selection = app.theme.style(greenroom::tui::theme::Role::Selection);
        let t = render(&mut app, 80, 24);
        let text = screen_text(&t);
        let (row, line) = text
            .lines()
            .enumerate()
            .find(|(_, l)| l.starts_with('▶'))
            .unwrap();
        let x = line[..line.find("wayback").unwrap()].chars().count() as u16;
        let buf = t.backend().buffer();
        let matched = buf[(x, row as u16)].style();
        let plain = buf[(x + 6, row as u16)].style();
        let norm = |c: Option<ratatui::style::Color>| c.unwrap_or(ratatui::style::Color::Reset);
        assert_eq!(
            (norm(matched.fg), norm(matched.bg)),
            (norm(selection.fg), norm(selection.bg)),
            "{name}: the match keeps the selection's colours"
        );
        assert!(
            matched.add_modifier.contains(Modifier::UNDERLINED),
            "{name}: picked out by underline"
        );
        assert_ne!(matched, plain, "{name}");
    }
}
