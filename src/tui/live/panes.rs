//! The watch workspace's pane tree: panes split right or down, resized, focused by direction,
//! zoomed and closed; laid out into any rectangle; and turned into (and back from) a list of
//! rectangles in percent, which is how layouts are saved. Pure data: no terminal, no I/O.

use ratatui::layout::Rect;
use std::collections::BTreeMap;

pub type PaneId = u32;

/// How a split arranges its two children.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    /// Side by side: the new pane to the right.
    Right,
    /// Stacked: the new pane below.
    Down,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Left,
    Right,
    Up,
    Down,
}

/// The first child's share of a split, in percent, stays within these bounds so no pane
/// resizes away to nothing.
pub const MIN_RATIO: u16 = 10;
pub const MAX_RATIO: u16 = 90;
/// How far one grow or shrink moves a split, in percent.
pub const RESIZE_STEP: i16 = 5;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Node {
    Leaf(PaneId),
    Split {
        split: Split,
        /// The first child's share, in percent.
        ratio: u16,
        first: Box<Node>,
        second: Box<Node>,
    },
}

impl Node {
    fn leaves(&self, out: &mut Vec<PaneId>) {
        match self {
            Node::Leaf(id) => out.push(*id),
            Node::Split { first, second, .. } => {
                first.leaves(out);
                second.leaves(out);
            }
        }
    }

    fn contains(&self, id: PaneId) -> bool {
        match self {
            Node::Leaf(l) => *l == id,
            Node::Split { first, second, .. } => first.contains(id) || second.contains(id),
        }
    }

    fn layout(&self, area: Rect, out: &mut Vec<(PaneId, Rect)>) {
        match self {
            Node::Leaf(id) => out.push((*id, area)),
            Node::Split {
                split,
                ratio,
                first,
                second,
            } => {
                let (a, b) = divide(area, *split, *ratio);
                first.layout(a, out);
                second.layout(b, out);
            }
        }
    }

    /// Replaces the leaf `id` with `with`; true when found.
    fn replace_leaf(&mut self, id: PaneId, with: &mut Option<Node>) -> bool {
        match self {
            Node::Leaf(l) if *l == id => {
                if let Some(n) = with.take() {
                    *self = n;
                }
                true
            }
            Node::Leaf(_) => false,
            Node::Split { first, second, .. } => {
                first.replace_leaf(id, with) || second.replace_leaf(id, with)
            }
        }
    }

    /// Removes leaf `id`: its sibling takes the parent's place. Returns the new subtree
    /// (None when this node was the leaf itself).
    fn remove_leaf(self, id: PaneId) -> Option<Node> {
        match self {
            Node::Leaf(l) if l == id => None,
            leaf @ Node::Leaf(_) => Some(leaf),
            Node::Split {
                split,
                ratio,
                first,
                second,
            } => {
                if matches!(*first, Node::Leaf(l) if l == id) {
                    return Some(*second);
                }
                if matches!(*second, Node::Leaf(l) if l == id) {
                    return Some(*first);
                }
                Some(Node::Split {
                    split,
                    ratio,
                    first: Box::new(first.remove_leaf(id)?),
                    second: Box::new(second.remove_leaf(id)?),
                })
            }
        }
    }

    /// Moves the ratio of the split nearest above leaf `id` by `delta` in favour of the side
    /// holding `id`. True when there was such a split.
    fn resize(&mut self, id: PaneId, delta: i16) -> bool {
        let Node::Split {
            ratio,
            first,
            second,
            ..
        } = self
        else {
            return false;
        };
        // A deeper split around the pane takes the change first.
        if first.resize(id, delta) || second.resize(id, delta) {
            return true;
        }
        let sign = if first.contains(id) {
            1
        } else if second.contains(id) {
            -1
        } else {
            return false;
        };
        let next = (*ratio as i16 + sign * delta).clamp(MIN_RATIO as i16, MAX_RATIO as i16);
        *ratio = next as u16;
        true
    }
}

/// Splits `area` in two; the first part gets `ratio` percent (rounded), each part at least
/// nothing, never more than the whole.
fn divide(area: Rect, split: Split, ratio: u16) -> (Rect, Rect) {
    let share = |total: u16| -> u16 {
        let v = (u32::from(total) * u32::from(ratio) + 50) / 100;
        v.min(u32::from(total)) as u16
    };
    match split {
        Split::Right => {
            let w = share(area.width);
            (
                Rect { width: w, ..area },
                Rect {
                    x: area.x + w,
                    width: area.width - w,
                    ..area
                },
            )
        }
        Split::Down => {
            let h = share(area.height);
            (
                Rect { height: h, ..area },
                Rect {
                    y: area.y + h,
                    height: area.height - h,
                    ..area
                },
            )
        }
    }
}

/// A tree of panes, each holding a `T`, one of them focused, perhaps zoomed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaneTree<T> {
    root: Option<Node>,
    contents: BTreeMap<PaneId, T>,
    focus: PaneId,
    zoomed: bool,
    next_id: PaneId,
}

impl<T> Default for PaneTree<T> {
    fn default() -> Self {
        PaneTree {
            root: None,
            contents: BTreeMap::new(),
            focus: 0,
            zoomed: false,
            next_id: 1,
        }
    }
}

/// The whole space saved layouts are measured in: percent of the width and the height.
pub const SPACE: Rect = Rect {
    x: 0,
    y: 0,
    width: 100,
    height: 100,
};

impl<T> PaneTree<T> {
    pub fn new() -> Self {
        PaneTree::default()
    }

    pub fn is_empty(&self) -> bool {
        self.root.is_none()
    }

    pub fn len(&self) -> usize {
        self.contents.len()
    }

    /// Pane ids in reading order: by where their top-left corner is, row by row, so a 2×2
    /// grid reads 1 2 / 3 4 and adding a pane never renumbers the ones before it on screen.
    pub fn panes(&self) -> Vec<PaneId> {
        let mut out = Vec::new();
        if let Some(r) = &self.root {
            r.leaves(&mut out);
        }
        // A fine virtual grid, so even deeply split panes have distinct corners.
        let fine = Rect {
            x: 0,
            y: 0,
            width: 10_000,
            height: 10_000,
        };
        let corners: BTreeMap<PaneId, (u16, u16)> = self
            .layout_all(fine)
            .into_iter()
            .map(|(id, r)| (id, (r.y, r.x)))
            .collect();
        out.sort_by_key(|id| corners.get(id).copied().unwrap_or_default());
        out
    }

    /// The focused pane (None when there are none).
    pub fn focus(&self) -> Option<PaneId> {
        self.contents
            .contains_key(&self.focus)
            .then_some(self.focus)
    }

    pub fn is_zoomed(&self) -> bool {
        self.zoomed && self.len() > 1
    }

    pub fn get(&self, id: PaneId) -> Option<&T> {
        self.contents.get(&id)
    }

    pub fn get_mut(&mut self, id: PaneId) -> Option<&mut T> {
        self.contents.get_mut(&id)
    }

    pub fn focused(&self) -> Option<&T> {
        self.focus().and_then(|id| self.contents.get(&id))
    }

    pub fn focused_mut(&mut self) -> Option<&mut T> {
        let id = self.focus()?;
        self.contents.get_mut(&id)
    }

    /// 1-based position of a pane in reading order, as shown in its title.
    pub fn number(&self, id: PaneId) -> Option<usize> {
        self.panes().iter().position(|p| *p == id).map(|i| i + 1)
    }

    fn new_id(&mut self) -> PaneId {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Splits the focused pane (or starts the tree) and focuses the new pane, which holds
    /// `content`. Returns its id.
    pub fn split(&mut self, split: Split, content: T) -> PaneId {
        let id = self.new_id();
        self.contents.insert(id, content);
        let focus = self.focus();
        match (&mut self.root, focus) {
            (Some(root), Some(f)) => {
                let mut with = Some(Node::Split {
                    split,
                    ratio: 50,
                    first: Box::new(Node::Leaf(f)),
                    second: Box::new(Node::Leaf(id)),
                });
                root.replace_leaf(f, &mut with);
            }
            _ => self.root = Some(Node::Leaf(id)),
        }
        self.focus = id;
        id
    }

    /// Adds a pane where there is most room: the largest pane (in a space shaped like a
    /// terminal, twice as wide as tall per cell) is split along its longer side. Four
    /// additions make a 2×2 grid.
    pub fn add_where_roomy(&mut self, content: T) -> PaneId {
        let space = Rect::new(0, 0, 200, 50);
        let largest = self.layout_all(space).into_iter().max_by_key(|(id, r)| {
            (
                u32::from(r.width) * u32::from(r.height),
                std::cmp::Reverse(*id),
            )
        });
        match largest {
            Some((id, r)) => {
                self.focus = id;
                let split = if r.width > r.height * 2 {
                    Split::Right
                } else {
                    Split::Down
                };
                self.split(split, content)
            }
            None => self.split(Split::Right, content),
        }
    }

    /// Closes the focused pane; its sibling takes the room and the focus. Returns what the
    /// pane held.
    pub fn close_focused(&mut self) -> Option<T> {
        let id = self.focus()?;
        let panes = self.panes();
        let at = panes.iter().position(|p| *p == id).unwrap_or(0);
        self.root = self.root.take().and_then(|r| r.remove_leaf(id));
        let content = self.contents.remove(&id);
        let rest = self.panes();
        // Focus the pane that took its place: the next in reading order, else the previous.
        self.focus = rest
            .get(at.min(rest.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0);
        if rest.len() <= 1 {
            self.zoomed = false;
        }
        content
    }

    /// Grows (positive) or shrinks (negative) the focused pane by `delta` percent of the
    /// split it belongs to. False when there is nothing to resize (one pane).
    pub fn resize_focused(&mut self, delta: i16) -> bool {
        let Some(id) = self.focus() else {
            return false;
        };
        self.root.as_mut().is_some_and(|r| r.resize(id, delta))
    }

    pub fn toggle_zoom(&mut self) -> bool {
        if self.len() > 1 {
            self.zoomed = !self.zoomed;
        } else {
            self.zoomed = false;
        }
        self.zoomed
    }

    /// Focuses a pane; false when there is no such pane.
    pub fn set_focus(&mut self, id: PaneId) -> bool {
        let known = self.contents.contains_key(&id);
        if known {
            self.focus = id;
        }
        known
    }

    pub fn focus_next(&mut self, forward: bool) {
        let panes = self.panes();
        if panes.is_empty() {
            return;
        }
        let at = panes.iter().position(|p| *p == self.focus).unwrap_or(0);
        let n = panes.len();
        self.focus = panes[if forward {
            (at + 1) % n
        } else {
            (at + n - 1) % n
        }];
    }

    /// Moves the focus to the neighbour in `dir`, judged on a layout of `area` (the screen,
    /// so the move matches what is seen). The neighbour sharing the longest edge wins.
    /// False when there is none in that direction.
    pub fn focus_toward(&mut self, dir: Direction, area: Rect) -> bool {
        let rects = self.layout_all(area);
        let Some(&(_, cur)) = rects.iter().find(|(id, _)| *id == self.focus) else {
            return false;
        };
        let overlap = |a0: u16, a1: u16, b0: u16, b1: u16| a1.min(b1).saturating_sub(a0.max(b0));
        let best = rects
            .iter()
            .filter(|(id, _)| *id != self.focus)
            .filter_map(|(id, r)| {
                let (adjacent, shared) = match dir {
                    Direction::Right => (
                        r.x >= cur.right(),
                        overlap(cur.y, cur.bottom(), r.y, r.bottom()),
                    ),
                    Direction::Left => (
                        r.right() <= cur.x,
                        overlap(cur.y, cur.bottom(), r.y, r.bottom()),
                    ),
                    Direction::Down => (
                        r.y >= cur.bottom(),
                        overlap(cur.x, cur.right(), r.x, r.right()),
                    ),
                    Direction::Up => (
                        r.bottom() <= cur.y,
                        overlap(cur.x, cur.right(), r.x, r.right()),
                    ),
                };
                let gap = match dir {
                    Direction::Right => r.x.saturating_sub(cur.right()),
                    Direction::Left => cur.x.saturating_sub(r.right()),
                    Direction::Down => r.y.saturating_sub(cur.bottom()),
                    Direction::Up => cur.y.saturating_sub(r.bottom()),
                };
                (adjacent && shared > 0).then_some((gap, std::cmp::Reverse(shared), *id))
            })
            .min();
        match best {
            Some((_, _, id)) => {
                self.focus = id;
                true
            }
            None => false,
        }
    }

    /// Where every pane goes in `area`, zoom ignored.
    pub fn layout_all(&self, area: Rect) -> Vec<(PaneId, Rect)> {
        let mut out = Vec::new();
        if let Some(r) = &self.root {
            r.layout(area, &mut out);
        }
        out
    }

    /// What to draw: every pane, or only the focused one when zoomed.
    pub fn layout(&self, area: Rect) -> Vec<(PaneId, Rect)> {
        match self.focus() {
            Some(f) if self.is_zoomed() => vec![(f, area)],
            _ => self.layout_all(area),
        }
    }

    /// Each pane's rectangle in percent of the whole, in reading order, with its content;
    /// and the focused pane's index. The inverse of `from_rects`.
    pub fn to_rects(&self) -> (Vec<(Rect, &T)>, usize) {
        let mut rects = self.layout_all(SPACE);
        let order = self.panes();
        rects.sort_by_key(|(id, _)| order.iter().position(|p| p == id));
        let focus = rects
            .iter()
            .position(|(id, _)| *id == self.focus)
            .unwrap_or(0);
        let list = rects
            .into_iter()
            .filter_map(|(id, r)| self.contents.get(&id).map(|c| (r, c)))
            .collect();
        (list, focus)
    }

    /// Rebuilds a tree from panes given as rectangles in percent that tile the whole space
    /// (as `to_rects` writes them, or as a person edits them). Each step finds a straight cut
    /// across the remaining space with every pane on one side of it.
    pub fn from_rects(panes: Vec<(Rect, T)>, focus: usize, zoomed: bool) -> Result<Self, String> {
        if panes.is_empty() {
            return Ok(PaneTree::new());
        }
        let mut tree = PaneTree::new();
        let mut items = Vec::new();
        for (i, (r, content)) in panes.into_iter().enumerate() {
            if r.width == 0 || r.height == 0 {
                return Err(format!("pane {} has no area ({})", i + 1, describe(r)));
            }
            if r.right() > SPACE.width || r.bottom() > SPACE.height {
                return Err(format!(
                    "pane {} reaches outside 0..100 ({})",
                    i + 1,
                    describe(r)
                ));
            }
            let id = tree.new_id();
            tree.contents.insert(id, content);
            items.push((id, r));
        }
        let total: u32 = items
            .iter()
            .map(|(_, r)| u32::from(r.width) * u32::from(r.height))
            .sum();
        if total != 100 * 100 {
            return Err(format!(
                "the panes cover {}% of the screen, not 100% (gaps or overlaps)",
                f64::from(total) / 100.0
            ));
        }
        tree.root = Some(build(SPACE, &items)?);
        // `focus` indexes the list as given.
        tree.focus = items.get(focus).map_or(items[0].0, |(id, _)| *id);
        tree.zoomed = zoomed && tree.len() > 1;
        Ok(tree)
    }
}

fn describe(r: Rect) -> String {
    format!("at = [{}, {}, {}, {}]", r.x, r.y, r.width, r.height)
}

/// Builds the subtree for the panes inside `area` (which they tile).
fn build(area: Rect, items: &[(PaneId, Rect)]) -> Result<Node, String> {
    if let [(id, r)] = items {
        return if *r == area {
            Ok(Node::Leaf(*id))
        } else {
            Err(format!(
                "a pane does not fill its place: {} where [{}, {}, {}, {}] is free",
                describe(*r),
                area.x,
                area.y,
                area.width,
                area.height
            ))
        };
    }
    // A vertical cut first (side by side), then a horizontal one.
    for split in [Split::Right, Split::Down] {
        let (start, len) = match split {
            Split::Right => (area.x, area.width),
            Split::Down => (area.y, area.height),
        };
        let mut cuts: Vec<u16> = items
            .iter()
            .map(|(_, r)| match split {
                Split::Right => r.x,
                Split::Down => r.y,
            })
            .filter(|c| *c > start && *c < start + len)
            .collect();
        cuts.sort_unstable();
        cuts.dedup();
        for cut in cuts {
            let before = |r: &Rect| match split {
                Split::Right => r.right() <= cut,
                Split::Down => r.bottom() <= cut,
            };
            let after = |r: &Rect| match split {
                Split::Right => r.x >= cut,
                Split::Down => r.y >= cut,
            };
            if !items.iter().all(|(_, r)| before(r) || after(r)) {
                continue;
            }
            let (a, b): (Vec<_>, Vec<_>) = items.iter().partition(|(_, r)| before(r));
            let share = cut - start;
            let (first_area, second_area) = match split {
                Split::Right => (
                    Rect {
                        width: share,
                        ..area
                    },
                    Rect {
                        x: cut,
                        width: len - share,
                        ..area
                    },
                ),
                Split::Down => (
                    Rect {
                        height: share,
                        ..area
                    },
                    Rect {
                        y: cut,
                        height: len - share,
                        ..area
                    },
                ),
            };
            let ratio = ((u32::from(share) * 100 + u32::from(len) / 2) / u32::from(len)) as u16;
            return Ok(Node::Split {
                split,
                ratio: ratio.clamp(1, 99),
                first: Box::new(build(first_area, &a)?),
                second: Box::new(build(second_area, &b)?),
            });
        }
    }
    Err(format!(
        "the panes in [{}, {}, {}, {}] cannot be cut into two groups by a straight line (they must come from splitting panes right or down)",
        area.x, area.y, area.width, area.height
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn screen() -> Rect {
        Rect::new(0, 0, 80, 22)
    }

    #[test]
    fn splits_focus_the_new_pane_and_lay_out_side_by_side_or_stacked() {
        let mut t = PaneTree::new();
        let a = t.split(Split::Right, "a");
        assert_eq!(t.focus(), Some(a));
        let b = t.split(Split::Right, "b");
        assert_eq!(t.focus(), Some(b));
        let c = t.split(Split::Down, "c");
        assert_eq!(t.panes(), vec![a, b, c]);
        let rects = t.layout(screen());
        assert_eq!(rects[0], (a, Rect::new(0, 0, 40, 22)));
        assert_eq!(rects[1], (b, Rect::new(40, 0, 40, 11)));
        assert_eq!(rects[2], (c, Rect::new(40, 11, 40, 11)));
        assert_eq!(t.number(c), Some(3));
    }

    #[test]
    fn four_roomy_additions_make_a_grid() {
        let mut t = PaneTree::new();
        for name in ["a", "b", "c", "d"] {
            t.add_where_roomy(name);
        }
        let mut rects: Vec<Rect> = t.layout(screen()).into_iter().map(|(_, r)| r).collect();
        rects.sort_by_key(|r| (r.y, r.x));
        assert_eq!(
            rects,
            vec![
                Rect::new(0, 0, 40, 11),
                Rect::new(40, 0, 40, 11),
                Rect::new(0, 11, 40, 11),
                Rect::new(40, 11, 40, 11),
            ]
        );
    }

    #[test]
    fn focus_moves_by_direction_to_the_neighbour_sharing_most_edge() {
        let mut t = PaneTree::new();
        let a = t.split(Split::Right, "a");
        let b = t.split(Split::Right, "b");
        let c = t.split(Split::Down, "c");
        // a | b/c, focus on c (bottom right).
        assert!(t.focus_toward(Direction::Left, screen()));
        assert_eq!(t.focus(), Some(a));
        assert!(
            !t.focus_toward(Direction::Left, screen()),
            "nothing left of a"
        );
        assert!(t.focus_toward(Direction::Right, screen()));
        assert_eq!(t.focus(), Some(b), "the top one wins a tie on shared edge");
        assert!(t.focus_toward(Direction::Down, screen()));
        assert_eq!(t.focus(), Some(c));
        assert!(t.focus_toward(Direction::Up, screen()));
        assert_eq!(t.focus(), Some(b));
        t.focus_next(true);
        assert_eq!(t.focus(), Some(c));
        t.focus_next(true);
        assert_eq!(t.focus(), Some(a), "wraps around");
        t.focus_next(false);
        assert_eq!(t.focus(), Some(c));
    }

    #[test]
    fn grow_and_shrink_move_the_nearest_split_within_bounds() {
        let mut t = PaneTree::new();
        t.split(Split::Right, "a");
        assert!(!t.resize_focused(5), "a single pane has nothing to resize");
        t.split(Split::Right, "b");
        assert!(t.resize_focused(RESIZE_STEP));
        assert_eq!(t.layout(Rect::new(0, 0, 100, 10))[1].1.width, 55);
        for _ in 0..20 {
            t.resize_focused(RESIZE_STEP);
        }
        // The second pane grows, so the first child's share shrinks to the minimum.
        assert_eq!(t.layout(Rect::new(0, 0, 100, 10))[0].1.width, MIN_RATIO);
        for _ in 0..40 {
            t.resize_focused(-RESIZE_STEP);
        }
        assert_eq!(t.layout(Rect::new(0, 0, 100, 10))[0].1.width, MAX_RATIO);
    }

    #[test]
    fn zoom_shows_only_the_focused_pane_and_close_gives_the_room_back() {
        let mut t = PaneTree::new();
        assert!(!t.toggle_zoom(), "nothing to zoom");
        let a = t.split(Split::Right, "a");
        let b = t.split(Split::Down, "b");
        assert!(t.toggle_zoom());
        assert_eq!(t.layout(screen()), vec![(b, screen())]);
        assert_eq!(t.close_focused(), Some("b"));
        assert!(!t.is_zoomed(), "zoom ends with one pane left");
        assert_eq!(t.focus(), Some(a));
        assert_eq!(t.layout(screen()), vec![(a, screen())]);
        assert_eq!(t.close_focused(), Some("a"));
        assert!(t.is_empty());
        assert_eq!(t.focus(), None);
        assert_eq!(t.close_focused(), None);
        assert!(t.layout(screen()).is_empty());
    }

    #[test]
    fn closing_a_middle_pane_keeps_the_rest_in_place() {
        let mut t = PaneTree::new();
        for n in ["a", "b", "c", "d"] {
            t.add_where_roomy(n);
        }
        let before = t.panes();
        t.focus = before[1];
        t.close_focused();
        assert_eq!(t.len(), 3);
        let total: u32 = t
            .layout(screen())
            .iter()
            .map(|(_, r)| u32::from(r.width) * u32::from(r.height))
            .sum();
        assert_eq!(total, 80 * 22, "the panes still cover the screen");
    }

    #[test]
    fn rectangles_round_trip() {
        let mut t = PaneTree::new();
        t.split(Split::Right, "a");
        t.split(Split::Down, "b");
        t.split(Split::Right, "c");
        t.resize_focused(10);
        t.split(Split::Down, "d");
        t.focus_next(false);
        t.toggle_zoom();
        let (rects, focus) = t.to_rects();
        let owned: Vec<(Rect, &str)> = rects.iter().map(|(r, c)| (*r, **c)).collect();
        let back = PaneTree::from_rects(owned.clone(), focus, true).unwrap();
        let (again, focus_again) = back.to_rects();
        let again: Vec<(Rect, &str)> = again.iter().map(|(r, c)| (*r, **c)).collect();
        assert_eq!(owned, again);
        assert_eq!(focus, focus_again);
        assert!(back.is_zoomed());
        assert_eq!(back.focused(), t.focused());
        // And it draws the same at another size.
        fn lay<'a>(x: &PaneTree<&'a str>) -> Vec<(Rect, &'a str)> {
            x.layout_all(Rect::new(0, 0, 120, 38))
                .into_iter()
                .map(|(id, r)| (r, *x.get(id).unwrap()))
                .collect()
        }
        assert_eq!(lay(&t), lay(&back));
    }

    #[test]
    fn hand_written_rectangles_are_checked() {
        let r = Rect::new;
        let ok = PaneTree::from_rects(
            vec![
                (r(0, 0, 50, 100), 1),
                (r(50, 0, 50, 30), 2),
                (r(50, 30, 50, 70), 3),
            ],
            9,
            false,
        )
        .unwrap();
        assert_eq!(ok.len(), 3);
        assert_eq!(
            ok.focused(),
            Some(&1),
            "an out-of-range focus falls back to the first"
        );
        let gap = PaneTree::from_rects(vec![(r(0, 0, 50, 100), 1)], 0, false).unwrap_err();
        assert!(gap.contains("50% of the screen"), "{gap}");
        let outside = PaneTree::from_rects(vec![(r(60, 0, 50, 100), 1)], 0, false).unwrap_err();
        assert!(outside.contains("outside"), "{outside}");
        let empty = PaneTree::from_rects(vec![(r(0, 0, 0, 100), 1)], 0, false).unwrap_err();
        assert!(empty.contains("no area"), "{empty}");
        // A pinwheel tiles the square but no straight cut separates it.
        let pinwheel = vec![
            (r(0, 0, 60, 40), 1),
            (r(60, 0, 40, 60), 2),
            (r(40, 60, 60, 40), 3),
            (r(0, 40, 40, 60), 4),
            (r(40, 40, 20, 20), 5),
        ];
        let e = PaneTree::from_rects(pinwheel, 0, false).unwrap_err();
        assert!(e.contains("straight line"), "{e}");
        let overlap = PaneTree::from_rects(
            vec![(r(0, 0, 60, 100), 1), (r(50, 0, 50, 100), 2)],
            0,
            false,
        )
        .unwrap_err();
        assert!(overlap.contains("110% of the screen"), "{overlap}");
    }

    #[test]
    fn never_panics_on_tiny_areas() {
        let mut t = PaneTree::new();
        for i in 0..12 {
            t.add_where_roomy(i);
        }
        for area in [
            Rect::new(0, 0, 0, 0),
            Rect::new(0, 0, 1, 1),
            Rect::new(3, 2, 5, 3),
        ] {
            let rects = t.layout(area);
            assert_eq!(rects.len(), 12);
            for (_, r) in rects {
                assert!(r.right() <= area.right() && r.bottom() <= area.bottom());
            }
            for d in [
                Direction::Left,
                Direction::Right,
                Direction::Up,
                Direction::Down,
            ] {
                t.focus_toward(d, area);
            }
        }
    }
}
