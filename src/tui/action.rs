//! Every user intent has a name. Keymaps bind keys to these names; the help overlay, the key-hint
//! bar and the command palette are generated from the same table, so they cannot disagree.

macro_rules! actions {
    ($($variant:ident => $name:literal, $description:literal;)*) => {
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
        }
    };
}

actions! {
    Quit => "app.quit", "Quit greenroom";
    Help => "app.help", "Show the keys in force";
    Palette => "app.palette", "Command palette: every action and entity";
    Suspend => "app.suspend", "Suspend to the shell (fg to return)";
    ToggleMouse => "app.toggle_mouse", "Turn mouse capture on or off";
    Reload => "app.reload", "Read the catalogue again";
    Back => "nav.back", "Go back";
    Forward => "nav.forward", "Go forward again";
    Home => "nav.catalog", "The catalogue list";
    Problems => "nav.problems", "Problems found in the catalogue";
    Up => "cursor.up", "Move up";
    Down => "cursor.down", "Move down";
    PageUp => "cursor.page_up", "Page up";
    PageDown => "cursor.page_down", "Page down";
    Top => "cursor.top", "Go to the top";
    Bottom => "cursor.bottom", "Go to the bottom";
    SearchFocus => "search.focus", "Type a search query";
    SearchClear => "search.clear", "Clear the search query";
    SearchDone => "search.done", "Leave the query line, keep the filter";
    Open => "entity.open", "Open the selected entity";
    Owner => "entity.owner", "Jump to the owner";
    WhoOwns => "entity.who_owns", "Who owns this: the owner, its people, the chain up";
    NextTab => "tab.next", "Next tab";
    PrevTab => "tab.prev", "Previous tab";
    Overview => "tab.overview", "Overview tab";
    Relations => "tab.relations", "Relations tree tab";
    Ownership => "tab.ownership", "Ownership tab";
    Definition => "tab.definition", "API definition tab";
    Toggle => "tree.toggle", "Expand or collapse";
    Expand => "tree.expand", "Expand";
    Collapse => "tree.collapse", "Collapse";
    ToggleTransitive => "ownership.toggle_transitive", "Include what sub-groups own";
    CopyRef => "copy.ref", "Copy the entity ref to the clipboard";
    CopyLink => "copy.link", "Copy the selected link to the clipboard";
    OpenLink => "link.open", "Open the selected link (copies it over SSH)";
    TogglePreview => "view.toggle_preview", "Show or hide the preview pane";
    Templates => "nav.templates", "Software templates: create a service, site or library";
    ScaffoldStart => "scaffold.start", "Fill in the selected template's form";
    FieldNext => "form.next_field", "Next field";
    FieldPrev => "form.prev_field", "Previous field";
    FormActivate => "form.activate", "On a field: tick, choose, pick, new line, or go on";
    FormToggle => "form.toggle", "Tick or untick; the next choice";
    ChoiceNext => "form.next_choice", "Next choice (or option of a checkbox group)";
    ChoicePrev => "form.prev_choice", "Previous choice (or option of a checkbox group)";
    ItemAdd => "form.add_item", "Add an item to the list";
    ItemRemove => "form.remove_item", "Remove the list item (or line)";
    PageNext => "form.next_page", "Next page, or the review after the last";
    PagePrev => "form.prev_page", "Previous page";
    FormCancel => "form.cancel", "Leave the form (asks first when something was typed)";
    PickerChoose => "picker.choose", "Choose the highlighted item (or those marked)";
    PickerMark => "picker.mark", "Mark or unmark the item (several-choice pickers)";
    PickerClose => "picker.close", "Close the picker without choosing";
    ConfirmYes => "confirm.yes", "Yes / accept";
    ConfirmNo => "confirm.no", "No / cancel";
    ScaffoldCreate => "scaffold.create", "Create it: choose the folder, then run every step";
    ScaffoldDryRun => "scaffold.dry_run", "Dry run: the files and the log, nothing written";
    ScaffoldBack => "scaffold.back", "Back one stage (to the review, to the form)";
    ScaffoldCancel => "scaffold.cancel", "Cancel the run (once it has ended: back)";
    ScaffoldToggleLog => "scaffold.toggle_log", "Show the files or the step log";
    StatusTab => "tab.status", "Live status tab: CI, deploys, health, metrics, alerts, on call";
    StatusRefresh => "status.refresh", "Fetch the live status on screen now";
    OnCall => "nav.oncall", "Who is on call now, for every team";
    ScorecardsTab => "tab.scorecards", "Scorecards tab: levels, what fails and the fix; a team's roll-up";
    Scorecards => "nav.scorecards", "Scorecards overview: teams by scorecard level, worst first";
    Watch => "nav.watch", "The watch workspace: pinned entities in split panes";
    Pin => "watch.pin", "Pin the entity (or the selected status widget) to a watch pane";
    SplitRight => "pane.split_right", "Split the pane: a new empty pane to the right";
    SplitDown => "pane.split_down", "Split the pane: a new empty pane below";
    FocusLeft => "pane.focus_left", "Focus the pane to the left";
    FocusRight => "pane.focus_right", "Focus the pane to the right";
    FocusUp => "pane.focus_up", "Focus the pane above";
    FocusDown => "pane.focus_down", "Focus the pane below";
    FocusNext => "pane.focus_next", "Focus the next pane";
    FocusPrev => "pane.focus_prev", "Focus the previous pane";
    Grow => "pane.grow", "Make the pane bigger";
    Shrink => "pane.shrink", "Make the pane smaller";
    Zoom => "pane.zoom", "Zoom the pane to the whole workspace, or back";
    ClosePane => "pane.close", "Close the pane";
    SaveLayout => "layout.save", "Save the panes as a named layout in the config file";
    InputSubmit => "input.submit", "Accept what was typed";
    InputCancel => "input.cancel", "Close the prompt without doing anything";
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
        }
    }
}
