//! The portal's screens, rendered into ratatui's TestBackend at 80×24 and 120×40 and compared
//! with reviewed snapshots; plus the edge cases: tiny terminals, hostile text.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use greenroom::sources::{Source, files::FileSource};
use greenroom::tui::app::{App, AppEvent};
use std::path::{Path, PathBuf};

mod ui_support;
use ui_support::Portal;

use ui_support::{key, render, screen_text, type_text};

fn app_for(path: &Path) -> Portal {
    let source: Box<dyn Source> = Box::new(FileSource::disk(&[path.to_path_buf()]).unwrap());
    ui_support::app_with(ui_support::load(source), "Backstage examples")
}

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/backstage-examples/root.yaml")
}

fn both_sizes(name: &str, app: &mut Portal) {
    for (w, h) in [(80, 24), (120, 40)] {
        let t = render(app, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
    }
}

#[test]
fn catalog_list() {
    let mut app = app_for(&examples());
    both_sizes("catalog_list", &mut app);
}

#[test]
fn catalog_search_narrows_and_highlights() {
    let mut app = app_for(&examples());
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "wayb kind:component");
    both_sizes("catalog_search", &mut app);
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("4/69"), "{text}");
    // The matched characters of the first name are styled as matches.
    let t = render(&mut app, 80, 24);
    let buf = t.backend().buffer();
    let text = screen_text(&t);
    let (row, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.starts_with('▶') && l.contains("Component wayback-archive"))
        .unwrap();
    let row = row as u16;
    let name_at = line[..line.find("wayback-archive").unwrap()]
        .chars()
        .count() as u16;
    let matched = buf[(name_at, row)].style();
    let unmatched = buf[(name_at + 8, row)].style();
    assert_ne!(
        matched, unmatched,
        "w of wayback is highlighted, later letters are not"
    );
}

#[test]
fn entity_tabs() {
    let mut app = app_for(&examples());
    app.open_entity(
        "component:default/wayback-archive",
        greenroom::tui::entity::rows::Tab::Overview,
    );
    both_sizes("entity_overview", &mut app);
    key(&mut app, KeyCode::Char('2'));
    both_sizes("entity_relations", &mut app);
    key(&mut app, KeyCode::Char('3'));
    both_sizes("entity_ownership", &mut app);
}

#[test]
fn group_ownership_and_api_definition() {
    let mut app = app_for(&examples());
    app.open_entity(
        "group:default/boxoffice",
        greenroom::tui::entity::rows::Tab::Ownership,
    );
    both_sizes("group_ownership", &mut app);
    key(&mut app, KeyCode::Char('t'));
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("including sub-groups"), "{text}");
    assert!(
        text.contains("wayback-archive-ingestion"),
        "team-d's component shows up: {text}"
    );
    app.open_entity(
        "api:default/petstore",
        greenroom::tui::entity::rows::Tab::Definition,
    );
    both_sizes("api_definition", &mut app);
}

#[test]
fn problems_help_and_palette() {
    let mut app = app_for(&examples());
    key(&mut app, KeyCode::Char('!'));
    both_sizes("problems", &mut app);
    key(&mut app, KeyCode::Char('?'));
    both_sizes("help", &mut app);
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "owner");
    both_sizes("palette", &mut app);
}

#[test]
fn too_small_and_every_size_without_panic() {
    let mut app = app_for(&examples());
    let t = render(&mut app, 50, 10);
    insta::assert_snapshot!("too_small_50x10", t.backend());
    app.open_entity(
        "group:default/team-a",
        greenroom::tui::entity::rows::Tab::Ownership,
    );
    for (w, h) in [
        (1, 1),
        (2, 1),
        (1, 40),
        (59, 11),
        (60, 12),
        (61, 13),
        (80, 24),
        (300, 100),
    ] {
        render(&mut app, w, h);
    }
    key(&mut app, KeyCode::Char('?'));
    for w in [1, 20, 60, 61, 100] {
        render(&mut app, w, 12);
    }
}

#[test]
fn escape_sequences_in_descriptors_reach_the_screen_harmless() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("catalog-info.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: evil\n  title: \"Evil\\e]0;owned\\a\"\n  description: \"clip \\e]52;c;cm0gLXJm\\a then \\e[2J\\e[31mred\\u202e\"\n  links:\n    - url: \"https://example.com/\\e[31m\"\n      title: \"t\\e]8;;http://x\\e\\\\y\"\nspec:\n  type: service\n  lifecycle: production\n  owner: user:x\n",
    )
    .unwrap();
    let mut app = app_for(dir.path());
    for screen in 0..2 {
        if screen == 1 {
            app.open_entity(
                "component:default/evil",
                greenroom::tui::entity::rows::Tab::Overview,
            );
        }
        for (w, h) in [(80, 24), (130, 40)] {
            let t = render(&mut app, w, h);
            let buf = t.backend().buffer();
            for cell in buf.content() {
                for c in cell.symbol().chars() {
                    assert!(
                        !c.is_control() && c != '\u{202e}',
                        "control {c:?} reached the screen"
                    );
                }
            }
        }
    }
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("clip  then red"), "{text}");
}

#[test]
fn keyboard_walk_find_owner_member_and_back() {
    let mut app = app_for(&examples());
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "shuffle");
    key(&mut app, KeyCode::Enter);
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("Component shuffle-api"), "{text}");
    key(&mut app, KeyCode::Char('o'));
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("User guest"), "owner is user:guest: {text}");
    key(&mut app, KeyCode::Char('3'));
    key(&mut app, KeyCode::Enter);
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("Group team-a"), "a group of the user: {text}");
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Esc);
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(
        text.contains("/ shuffle"),
        "back at the list with the query kept: {text}"
    );
    key(&mut app, KeyCode::Char('f'));
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(
        text.contains("Component shuffle-api"),
        "forward again: {text}"
    );
}

/// Enter straight after typing opens what the query finds, even while the search worker has
/// not answered yet.
#[test]
fn enter_before_the_search_worker_answers_opens_the_match() {
    let mut app = app_for(&examples());
    let press = |app: &mut Portal, code: KeyCode| {
        app.handle(AppEvent::Terminal(Event::Key(KeyEvent::new(
            code,
            KeyModifiers::NONE,
        ))));
    };
    press(&mut app, KeyCode::Char('/'));
    for c in "shuffle".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    press(&mut app, KeyCode::Enter);
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("Component shuffle-api"), "{text}");
    // The worker's late answers for older queries change nothing.
    app.run_searches_inline();
    let text = screen_text(&render(&mut app, 80, 24));
    assert!(text.contains("Component shuffle-api"), "{text}");
}

/// Over SSH, opening a link would open it on the remote machine, so it is copied instead.
#[test]
fn opening_a_link_over_ssh_copies_it() {
    use greenroom::tui::app::{Effect, Screen};
    let mut app = app_for(&examples());
    app.settings.remote = true;
    app.open_entity(
        "component:default/artist-lookup",
        greenroom::tui::entity::rows::Tab::Overview,
    );
    let on_link = |app: &App| match app.screen() {
        Screen::Entity(s) => app.rows()[s.cursor].link.clone(),
        _ => None,
    };
    for _ in 0..20 {
        if on_link(&app).is_some() {
            break;
        }
        key(&mut app, KeyCode::Down);
    }
    let url = on_link(&app).expect("a link row is reachable with the keyboard");
    app.take_effects();
    key(&mut app, KeyCode::Char('x'));
    assert_eq!(app.take_effects(), vec![Effect::Clipboard(url.clone())]);
    let text = screen_text(&render(&mut app, 120, 40));
    assert!(text.contains("copied link (remote session"), "{text}");
    app.settings.remote = false;
    key(&mut app, KeyCode::Char('x'));
    assert_eq!(app.take_effects(), vec![Effect::OpenUrl(url)]);
}

/// Every screen's key-hint bar, in one reviewed snapshot: what the action table hints in the
/// contexts in force, with the table's labels, in the table's order.
#[test]
fn hint_bars_come_from_the_action_table() {
    use greenroom::tui::views::hint_actions;
    let mut app = app_for(&examples());
    let mut out = String::new();
    let mut bar = |app: &mut App, name: &str| {
        let hints = hint_actions(app);
        let contexts = app.contexts();
        assert!(!hints.is_empty(), "{name}: no hints");
        for (action, label) in &hints {
            assert_eq!(*label, action.hint(), "{name}: {action:?}'s label");
            assert!(
                action.hinted_in(&contexts),
                "{name}: {action:?} not hinted here"
            );
        }
        let text = screen_text(&render(app, 200, 30));
        let last = text.lines().last().unwrap().trim_end().to_owned();
        // Every hint with a key is drawn, in the table's order.
        let mut at = 0;
        let drawn = format!("{last} ");
        for (action, label) in &hints {
            // Help keeps its place at the end of the bar.
            if *action == greenroom::tui::action::Action::Help
                || app.keymap.keys_for(&contexts, *action).is_empty()
            {
                continue;
            }
            let found = drawn[at..]
                .find(&format!(" {label} "))
                .unwrap_or_else(|| panic!("{name}: {label:?} not in order in {drawn:?}"));
            at += found + 1 + label.len();
        }
        out.push_str(&format!("{name:<16}{last}\n"));
    };
    bar(&mut app, "catalog");
    key(&mut app, KeyCode::Char('/'));
    bar(&mut app, "search");
    key(&mut app, KeyCode::Esc);
    app.open_entity(
        "component:default/wayback-archive",
        greenroom::tui::entity::rows::Tab::Overview,
    );
    bar(&mut app, "entity");
    key(&mut app, KeyCode::Char('2'));
    bar(&mut app, "relations");
    key(&mut app, KeyCode::Char('5'));
    bar(&mut app, "status tab");
    key(&mut app, KeyCode::Char('!'));
    bar(&mut app, "problems");
    key(&mut app, KeyCode::Char('O'));
    bar(&mut app, "on call");
    key(&mut app, KeyCode::Char('W'));
    bar(&mut app, "watch");
    key(&mut app, KeyCode::Char('?'));
    bar(&mut app, "help");
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char(':'));
    bar(&mut app, "palette");
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('n'));
    bar(&mut app, "templates");
    insta::assert_snapshot!("hint_bars", out);
}
