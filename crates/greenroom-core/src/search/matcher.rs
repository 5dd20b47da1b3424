//! The one fuzzy matcher for "type to filter a list": the command palette, the templates list,
//! the scaffolder's pickers (entities, tags, choices) all rank through here, so the same text
//! typed over the same items ranks them the same everywhere. (The catalogue's query line is a
//! query language with fields and negation, served by the search index beside this module.)
//!
//! Matching is skim's, per typed word: each word's characters in order, case-insensitive, with
//! bonuses for word starts and runs; every word must match, in any order. An item where every
//! typed word starts a word of it (`pay gate` in "payments-gateway") ranks above any that only
//! matches letter by letter. Ties keep the items' own order, so an unfiltered list and equal
//! matches stay as the caller listed them.

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

/// The typed text, ready to score haystacks.
pub struct Matcher {
    text: String,
    skim: SkimMatcherV2,
}

impl Matcher {
    pub fn new(typed: &str) -> Matcher {
        Matcher {
            text: typed.trim().to_owned(),
            skim: SkimMatcherV2::default().ignore_case(),
        }
    }

    /// The text matched (trimmed).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Nothing typed: everything matches with score 0.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// How well `hay` matches (higher is better), or None when it does not.
    pub fn score(&self, hay: &str) -> Option<i64> {
        if self.text.is_empty() {
            return Some(0);
        }
        // Each typed word matches on its own, anywhere: "svc api" finds "api-svc".
        let mut score = 0;
        for word in self.text.split_whitespace() {
            score += self.skim.fuzzy_match(hay, word)?;
        }
        Some(if words_start(hay, &self.text) {
            score + WORD_MATCH
        } else {
            score
        })
    }

    /// Whether text typed after `earlier` can only match a subset of what `earlier` matched
    /// (it extends it), so a list may be narrowed instead of filtered again from its whole
    /// pool.
    pub fn narrows(&self, earlier: &str) -> bool {
        let earlier = earlier.trim();
        !earlier.is_empty() && self.text.len() > earlier.len() && self.text.starts_with(earlier)
    }
}

/// Added to the score of a match where every typed word starts a word of the item.
pub const WORD_MATCH: i64 = 1 << 32;

/// Whether a score is of a match where every typed word starts a word of the item (rather than
/// letters found here and there).
pub fn is_word_match(score: i64) -> bool {
    score >= WORD_MATCH
}

/// Whether every word of `text` starts a word of `hay` (case-insensitive; words are runs of
/// letters and digits).
pub fn words_start(hay: &str, text: &str) -> bool {
    let hay = hay.to_lowercase();
    let words: Vec<&str> = hay
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let text = text.to_lowercase();
    let mut typed = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .peekable();
    typed.peek().is_some() && typed.all(|t| words.iter().any(|w| w.starts_with(t)))
}

/// The positions of the haystacks that match `typed`, best first; equal scores (and everything,
/// when nothing is typed) in the order given.
pub fn rank<'a>(typed: &str, hays: impl IntoIterator<Item = &'a str>) -> Vec<usize> {
    rank_scored(&Matcher::new(typed), hays.into_iter().enumerate())
        .into_iter()
        .map(|(i, _)| i)
        .collect()
}

/// Ranks `(id, haystack)` pairs with a matcher: the ids that match with their scores, best
/// first, equal scores in the order given.
pub fn rank_scored<'a>(
    matcher: &Matcher,
    hays: impl IntoIterator<Item = (usize, &'a str)>,
) -> Vec<(usize, i64)> {
    let mut scored: Vec<(usize, i64)> = hays
        .into_iter()
        .filter_map(|(i, hay)| matcher.score(hay).map(|s| (i, s)))
        .collect();
    // A stable sort: ties keep the given order.
    scored.sort_by_key(|(_, s)| std::cmp::Reverse(*s));
    scored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_typed_keeps_everything_in_order() {
        assert_eq!(rank("  ", ["b", "a", "c"]), vec![0, 1, 2]);
    }

    #[test]
    fn best_match_first_and_non_matches_dropped() {
        let hays = [
            "typescript-library",
            "rust-axum-service",
            "techdocs-site",
            "go-kafka",
        ];
        let ranked = rank("ts", hays);
        assert!(!ranked.contains(&3), "go-kafka has no t…s: {ranked:?}");
        assert_eq!(rank("rust", hays), vec![1]);
        // Case and surrounding spaces do not matter; words match in any order.
        assert_eq!(rank(" RUST ", hays), vec![1]);
        assert_eq!(rank("service axum", hays), vec![1]);
        assert_eq!(rank("axum zzz", hays), Vec::<usize>::new());
    }

    #[test]
    fn ties_keep_the_given_order() {
        assert_eq!(rank("ab", ["xab", "yab", "zab"]), vec![0, 1, 2]);
        assert_eq!(rank("ab", ["zab", "yab", "xab"]), vec![0, 1, 2]);
    }

    #[test]
    fn whole_word_starts_rank_above_scattered_letters() {
        let hays = [
            "user:default/justine.barrow Justine Barrow",
            "group:default/owners Owners",
        ];
        assert_eq!(rank("owner", hays), vec![1, 0]);
        let m = Matcher::new("gate pay");
        assert!(is_word_match(m.score("payments-gateway").unwrap()));
        assert!(!is_word_match(
            Matcher::new("owner").score(hays[0]).unwrap()
        ));
        assert!(words_start("Payments Gateway", "PAY"));
        assert!(!words_start("payments", ""));
    }

    #[test]
    fn narrowing_is_only_for_extended_text() {
        let m = Matcher::new("rus");
        assert!(m.narrows("ru"));
        assert!(!m.narrows(""));
        assert!(!m.narrows("rus"));
        assert!(!m.narrows("x"));
        // What the longer text matches, the shorter matched too (the narrowing is sound).
        let hays = ["rust", "russia", "crust", "ruby", "trust us"];
        let wide = rank("ru", hays);
        for i in rank("rus", hays) {
            assert!(wide.contains(&i));
        }
    }
}
