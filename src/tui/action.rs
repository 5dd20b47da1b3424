//! Every user intent has a name, and this table is the one place that says what each is: its
//! name in keymap files, what it does (help, palette), where it applies (the palette offers only
//! actions valid in the contexts in force), its label in the key-hint bar and where that hint is
//! shown, and the handler that performs it. Keymaps bind keys to these names; help, palette,
//! hint bar and dispatch (`App::act`) are all generated from this table, so they cannot disagree.
//! Adding an action is one line here (plus its default key in `keymaps/*.toml`).

use super::app::App;
use super::keymap::Context;

/// What performs an action: a function of the app and the action (one per feature).
pub type Handler = fn(&mut App, Action);

macro_rules! actions {
    (@palette cmd) => { true };
    (@palette key) => { false };
    ($($variant:ident => $name:literal, $description:literal, $kind:ident,
        [$($ctx:ident),*], $hint:literal $(@ [$($hctx:ident),*])?, $handler:ident;)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action {
            $($variant,)*
        }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            /// The name used in keymap files (`search.focus`).
            pub fn name(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)*
                }
            }

            /// What it does, in a few words for the help overlay and the palette.
            pub fn description(self) -> &'static str {
                match self {
                    $(Action::$variant => $description,)*
                }
            }

            pub fn from_name(name: &str) -> Option<Action> {
                match name {
                    $($name => Some(Action::$variant),)*
                    _ => None,
                }
            }

            /// Where the action means something. `Global` stands for every screen whose
            /// contexts include it (the catalogue, an entity, problems, on call, watch, …).
            pub fn contexts(self) -> &'static [Context] {
                match self {
                    $(Action::$variant => &[$(Context::$ctx),*],)*
                }
            }

            /// Whether the palette offers it (commands), or it is a key's job only (moving,
            /// answering a prompt).
            pub fn in_palette(self) -> bool {
                match self {
                    $(Action::$variant => actions!(@palette $kind),)*
                }
            }

            /// The label in the key-hint bar ("" for none).
            pub fn hint(self) -> &'static str {
                match self {
                    $(Action::$variant => $hint,)*
                }
            }

            /// The contexts whose hint bar shows it.
            pub fn hint_contexts(self) -> &'static [Context] {
                match self {
                    $(Action::$variant => &[$($(Context::$hctx),*)?],)*
                }
            }

            /// What performs it.
            pub fn handler(self) -> Handler {
                match self {
                    $(Action::$variant => super::app::handlers::$handler,)*
                }
            }
        }
    };
}

// name => id, description, cmd (in the palette) | key (a key's job), [contexts where it
// applies], "hint label" @ [contexts whose hint bar shows it], handler;
// The hint bar lists hints in this order (help last).
#[rustfmt::skip]
actions! {
    SearchFocus => "search.focus", "Type a search query", cmd, [Global], "search" @ [Catalog], general;
    Open => "entity.open", "Open the selected entity", cmd, [Global, Search, Palette, Templates], "open" @ [Catalog, Search, Entity, Problems, OnCall, Watch, Palette, Port], general;
    PortActions => "port.actions", "Port's self-service actions on this entity (DAY-2, DELETE)", cmd, [Entity, Catalog], "", port;
    PortInbox => "port.inbox", "Port runs waiting for my approval", cmd, [Global], "", port;
    Runs => "runs.recent", "Recent runs: Backstage tasks and Port action runs (Enter follows one)", cmd, [Global], "", port;
    RunsRerun => "runs.rerun", "Run the selected run again with the same values (at the review)", cmd, [Port], "run again" @ [Port], port;
    PortApprove => "port.approve", "Approve the selected run (with a reason)", cmd, [Port], "approve" @ [Port], port;
    PortDecline => "port.decline", "Decline the selected run (with a reason)", cmd, [Port], "decline" @ [Port], port;
    PortRefresh => "port.refresh", "Read Port's actions, inbox and runs again", cmd, [Port], "refresh" @ [Port], port;
    ScaffoldStart => "scaffold.start", "Fill in the selected template's form", cmd, [Templates, Catalog, Entity], "use template" @ [Templates, Catalog, Entity], scaffold;
    FieldNext => "form.next_field", "Next field", key, [Form], "next field" @ [Form], scaffold;
    FieldPrev => "form.prev_field", "Previous field", key, [Form], "", scaffold;
    FormToggle => "form.toggle", "Tick or untick; the next choice", key, [Choice], "tick" @ [Choice], scaffold;
    ChoiceNext => "form.next_choice", "Next choice (or option of a checkbox group)", key, [Choice], "next choice" @ [Choice], scaffold;
    ChoicePrev => "form.prev_choice", "Previous choice (or option of a checkbox group)", key, [Choice], "", scaffold;
    FormActivate => "form.activate", "On a field: tick, choose, pick, new line, or go on", key, [Form], "list / pick" @ [Choice], scaffold;
    ItemAdd => "form.add_item", "Add an item to the list", key, [Form, Choice], "add" @ [Choice], scaffold;
    ItemRemove => "form.remove_item", "Remove the list item (or line)", key, [Choice], "remove" @ [Choice], scaffold;
    PageNext => "form.next_page", "Next page, or the review after the last", cmd, [Form], "next page" @ [Form], scaffold;
    PagePrev => "form.prev_page", "Previous page", cmd, [Form], "prev page" @ [Form], scaffold;
    FormCancel => "form.cancel", "Leave the form (asks first when something was typed)", cmd, [Form], "leave" @ [Form], scaffold;
    PickerMark => "picker.mark", "Mark or unmark the item (several-choice pickers)", key, [Picker], "mark" @ [Picker], scaffold;
    PickerChoose => "picker.choose", "Choose the highlighted item (or those marked)", key, [Picker], "choose" @ [Picker], scaffold;
    ConfirmYes => "confirm.yes", "Yes / accept", key, [Confirm, Prompt], "yes" @ [Confirm, Prompt], scaffold;
    ConfirmNo => "confirm.no", "No / cancel", key, [Confirm, Prompt], "no" @ [Confirm, Prompt], scaffold;
    ScaffoldCreate => "scaffold.create", "Create it: choose the folder, then run every step", cmd, [Review, Preview], "create" @ [Review, Preview], scaffold;
    ScaffoldDryRun => "scaffold.dry_run", "Dry run: the files and the log, nothing written", cmd, [Review, Preview], "dry run" @ [Review], scaffold;
    Up => "cursor.up", "Move up", key, [Global, Search, Palette, Templates, Form, Picker], "", general;
    Down => "cursor.down", "Move down", key, [Global, Search, Palette, Templates, Form, Picker], "move" @ [Search, Help, Templates, Picker, Review, Preview, Progress], general;
    PageUp => "cursor.page_up", "Page up", key, [Global, Search, Palette, Templates, Picker], "", general;
    PageDown => "cursor.page_down", "Page down", key, [Global, Search, Palette, Templates, Picker], "", general;
    Top => "cursor.top", "Go to the top", key, [Global, Templates, Picker], "", general;
    Bottom => "cursor.bottom", "Go to the bottom", key, [Global, Templates, Picker], "", general;
    ScaffoldToggleLog => "scaffold.toggle_log", "Show the files or the step log", cmd, [Preview], "files / log" @ [Preview], scaffold;
    ScaffoldBack => "scaffold.back", "Back one stage (to the review, to the form)", cmd, [Review, Preview], "back" @ [Review, Preview], scaffold;
    ScaffoldCancel => "scaffold.cancel", "Cancel the run (once it has ended: back)", cmd, [Progress], "cancel / back" @ [Progress], scaffold;
    PickerClose => "picker.close", "Close the picker without choosing", key, [Picker], "close" @ [Picker], scaffold;
    SearchDone => "search.done", "Leave the query line, keep the filter", key, [Search], "list" @ [Search], general;
    SearchClear => "search.clear", "Clear the search query (or the templates filter)", cmd, [Catalog, Search, Templates], "clear" @ [Search, Templates], general;
    Back => "nav.back", "Go back", cmd, [Global, Palette, Help, Templates], "back" @ [Entity, Problems, OnCall, Watch, Palette, Help, Templates], general;
    NextTab => "tab.next", "Next tab", cmd, [Entity], "next tab" @ [Entity], general;
    PrevTab => "tab.prev", "Previous tab", cmd, [Entity], "", general;
    Owner => "entity.owner", "Jump to the owner", cmd, [Catalog, Entity, Problems, OnCall, Watch], "owner" @ [Catalog, Entity], general;
    WhoOwns => "entity.who_owns", "Who owns this: the owner, its people, the chain up", cmd, [Catalog, Entity, Problems, OnCall, Watch], "who owns" @ [Catalog], general;
    Overview => "tab.overview", "Overview tab", cmd, [Catalog, Entity], "", general;
    Relations => "tab.relations", "Relations tree tab", cmd, [Catalog, Entity], "", general;
    Ownership => "tab.ownership", "Ownership tab", cmd, [Catalog, Entity], "", general;
    Definition => "tab.definition", "API definition tab", cmd, [Catalog, Entity], "", general;
    DocsTab => "tab.docs", "Docs tab: the entity's TechDocs", cmd, [Catalog, Entity], "", general;
    DocsSearch => "docs.search", "Search every docs site (Enter opens the page at the match)", cmd, [Catalog, Entity, Docs], "search docs" @ [Docs], general;
    DocsFind => "docs.find", "Find in the docs page", cmd, [Docs], "find" @ [Docs], general;
    DocsFindNext => "docs.find_next", "Next line the find text is on", key, [Docs], "", general;
    DocsFindPrev => "docs.find_prev", "Previous line the find text is on", key, [Docs], "", general;
    DocsNextLink => "docs.next_link", "Select the next link on the docs page", key, [Docs], "links" @ [Docs], general;
    DocsPrevLink => "docs.prev_link", "Select the previous link on the docs page", key, [Docs], "", general;
    DocsBack => "docs.back", "Back to the docs page before (or the screen before)", key, [Docs], "back" @ [Docs], general;
    DocsForward => "docs.forward", "Forward to the next docs page again", key, [Docs], "", general;
    DocsToggleNav => "docs.nav", "Show or focus the docs site's nav tree", cmd, [Docs], "nav" @ [Docs], general;
    DocsLeft => "docs.scroll_left", "Scroll code blocks left", key, [Docs], "", general;
    DocsRight => "docs.scroll_right", "Scroll code blocks right", key, [Docs], "", general;
    DefinitionRaw => "view.raw", "The entity as loaded (YAML and where from); on an API's definition, its raw text", cmd, [Entity, Tree], "raw" @ [Tree], general;
    FilterRows => "list.filter", "Filter the rows of this tab (relations, links, members, status, the API tree), the problems, on-call lists, or the help (Esc clears)", cmd, [Entity, Problems, OnCall, Help], "filter" @ [Problems, OnCall], general;
    DefinitionFind => "definition.find", "Find within the API definition (Esc clears)", cmd, [Tree], "find" @ [Tree], general;
    CopyItem => "copy.item", "Copy the selected API operation as curl, or its path", cmd, [Tree], "copy" @ [Tree], general;
    GraphToggle => "relations.graph", "Relations as a graph of boxes, or as a tree", cmd, [Tree], "graph" @ [Tree], general;
    GraphDirection => "graph.direction", "Graph: both ways, outgoing only, incoming only", key, [Tree], "direction" @ [Tree], general;
    GraphDeeper => "graph.deeper", "Graph: one step further out", key, [Tree], "deeper" @ [Tree], general;
    GraphShallower => "graph.shallower", "Graph: one step less", key, [Tree], "shallower" @ [Tree], general;
    GraphKinds => "graph.kinds", "Graph: all kinds, no people, software only", key, [Tree], "kinds" @ [Tree], general;
    GraphRelations => "graph.relations", "Graph: all relations, dependencies, APIs, ownership, structure", key, [Tree], "relations" @ [Tree], general;
    StarToggle => "star.toggle", "Star or unstar the entity (kept across sessions)", cmd, [Catalog, Entity], "", general;
    FilterMine => "list.mine", "The catalogue: only what I or my groups own, or everything", cmd, [Catalog], "", general;
    FilterStarred => "list.starred", "The catalogue: only starred entities, or everything", cmd, [Catalog], "", general;
    SortNext => "list.sort", "Sort the catalogue: relevance, name, kind, owner, lifecycle", cmd, [Catalog], "", general;
    StatusTab => "tab.status", "Live status tab: CI, deploys, health, metrics, alerts, on call", cmd, [Catalog, Entity], "status" @ [Entity], live;
    StatusRefresh => "status.refresh", "Fetch the live status on screen now", cmd, [Entity, OnCall, Watch], "refresh" @ [Entity, OnCall], live;
    ScorecardsTab => "tab.scorecards", "Scorecards tab: levels, what fails and the fix; a team's roll-up", cmd, [Catalog, Entity], "", scores;
    Toggle => "tree.toggle", "Expand or collapse", cmd, [Tree], "expand" @ [Tree], general;
    Expand => "tree.expand", "Expand", key, [Tree], "", general;
    Collapse => "tree.collapse", "Collapse", key, [Tree], "", general;
    ToggleTransitive => "ownership.toggle_transitive", "Include what sub-groups own", cmd, [Tree], "", general;
    Edit => "entity.edit", "Edit the descriptor (or the docs page, definition file) in $EDITOR at its line", cmd, [Catalog, Entity, Problems, OnCall, Watch], "edit" @ [Entity], general;
    CopyMenu => "copy.menu", "Copy menu: ref, name, file path, URLs, the selected link or operation (curl)", cmd, [Catalog, Entity, Problems, OnCall, Watch], "copy…" @ [Entity], general;
    CopyRef => "copy.ref", "Copy the entity ref to the clipboard", cmd, [Catalog, Entity, Problems, OnCall, Watch], "", general;
    CopyLink => "copy.link", "Copy the selected link to the clipboard", cmd, [Entity, Progress], "copy link" @ [Progress], general;
    OpenLink => "link.open", "Open the selected link (copies it over SSH)", cmd, [Entity, Progress], "open link" @ [Entity], general;
    Pin => "watch.pin", "Pin the entity (or the selected status widget) to a watch pane", cmd, [Catalog, Entity, OnCall], "pin" @ [Catalog, Entity, OnCall], live;
    SplitRight => "pane.split_right", "Split the pane: a new empty pane to the right", cmd, [Watch], "split →" @ [Watch], live;
    SplitDown => "pane.split_down", "Split the pane: a new empty pane below", cmd, [Watch], "split ↓" @ [Watch], live;
    FocusLeft => "pane.focus_left", "Focus the pane to the left", key, [Watch], "", live;
    FocusRight => "pane.focus_right", "Focus the pane to the right", key, [Watch], "", live;
    FocusUp => "pane.focus_up", "Focus the pane above", key, [Watch], "", live;
    FocusDown => "pane.focus_down", "Focus the pane below", key, [Watch], "", live;
    FocusNext => "pane.focus_next", "Focus the next pane", cmd, [Watch], "next" @ [Watch], live;
    FocusPrev => "pane.focus_prev", "Focus the previous pane", cmd, [Watch], "", live;
    Zoom => "pane.zoom", "Zoom the pane to the whole workspace, or back", cmd, [Watch], "zoom" @ [Watch], live;
    ClosePane => "pane.close", "Close the pane", cmd, [Watch], "close" @ [Watch], live;
    SaveLayout => "layout.save", "Save the panes as a named layout in the config file", cmd, [Watch], "save" @ [Watch], live;
    Grow => "pane.grow", "Make the pane bigger", cmd, [Watch], "grow" @ [Watch], live;
    Shrink => "pane.shrink", "Make the pane smaller", cmd, [Watch], "shrink" @ [Watch], live;
    InputSubmit => "input.submit", "Accept what was typed", key, [Input], "save" @ [Input], live;
    InputCancel => "input.cancel", "Close the prompt without doing anything", key, [Input], "cancel" @ [Input], live;
    Forward => "nav.forward", "Go forward again", cmd, [Global], "", general;
    Home => "nav.catalog", "The catalogue list", cmd, [Global, Templates], "", general;
    Templates => "nav.templates", "Software templates: create a service, site or library", cmd, [Global, Templates], "templates" @ [Progress], scaffold;
    OnCall => "nav.oncall", "Who is on call now, for every team", cmd, [Global], "on call" @ [Catalog], live;
    Scorecards => "nav.scorecards", "Scorecards overview: teams by scorecard level, worst first", cmd, [Global], "", scores;
    Watch => "nav.watch", "The watch workspace: pinned entities in split panes", cmd, [Global], "watch" @ [Catalog], live;
    Problems => "nav.problems", "Problems found in the catalogue", cmd, [Global], "problems" @ [Catalog], general;
    TogglePreview => "view.toggle_preview", "Show or hide the preview pane", cmd, [Catalog], "", general;
    Reload => "app.reload", "Read the catalogue again", cmd, [Global, Templates], "reload" @ [Templates], general;
    Palette => "app.palette", "Command palette: every action and entity", key, [Global, Search, Templates, Form], "palette" @ [Catalog, Search], general;
    Help => "app.help", "Show the keys in force", cmd, [Global, Search, Templates, Form, Picker], "help" @ [Catalog, Entity, Problems, OnCall, Watch, Templates, Form, Review, Progress], general;
    Suspend => "app.suspend", "Suspend to the shell (fg to return)", cmd, [Global, Search, Templates, Form, Picker, Prompt], "", general;
    ToggleMouse => "app.toggle_mouse", "Turn mouse capture on or off", cmd, [Global], "", general;
    Quit => "app.quit", "Quit greenroom", cmd, [Global, Search, Templates, Form, Picker, Confirm, Prompt, Palette], "quit" @ [Catalog, Problems], general;
}

impl Action {
    /// Whether it applies in `contexts` (those in force, most specific first).
    pub fn applies_in(self, contexts: &[Context]) -> bool {
        self.contexts().iter().any(|c| contexts.contains(c))
    }

    /// Whether its hint belongs in the bar of `contexts`.
    pub fn hinted_in(self, contexts: &[Context]) -> bool {
        !self.hint().is_empty() && self.hint_contexts().iter().any(|c| contexts.contains(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut names = std::collections::HashSet::new();
        for a in Action::ALL {
            assert_eq!(Action::from_name(a.name()), Some(*a));
            assert!(names.insert(a.name()), "{} twice", a.name());
            assert!(!a.description().is_empty());
            assert!(!a.contexts().is_empty(), "{} applies nowhere", a.name());
            assert_eq!(
                a.hint().is_empty(),
                a.hint_contexts().is_empty(),
                "{}: a hint label needs contexts to show in, and contexts a label",
                a.name()
            );
        }
    }

    #[test]
    fn hints_show_only_where_the_action_applies() {
        for a in Action::ALL {
            for c in a.hint_contexts() {
                let in_force = crate::tui::app::contexts_with(*c);
                assert!(
                    a.applies_in(&in_force),
                    "{} is hinted in [{}] but does not apply there",
                    a.name(),
                    c.name()
                );
            }
        }
    }
}
