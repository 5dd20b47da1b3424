//! The fuzzy scorer: fzf's "v1" algorithm. A forward scan finds the first place the whole
//! pattern fits in order, a backward scan from there finds the shortest window, and the window
//! is scored: points per matched character, more at word starts and for runs of consecutive
//! characters, a penalty for gaps, a bonus for matching from the very start.
//!
//! It is linear in the haystack and allocation-free for ASCII, which is what lets the portal
//! answer every keystroke over 100,000 entities; a full Smith-Waterman scorer
//! (`fuzzy-matcher`'s SkimMatcherV2) measured 15× slower than the budget on this machine.
//! Long texts (descriptions) are matched by word prefix instead: a scattered subsequence of a
//! short query is found in nearly every sentence, which ranks noise and costs a full scan.

const MATCH: i32 = 16;
const BOUNDARY: i32 = 8;
const FIRST_CHAR_BOUNDARY: i32 = 16;
const CONSECUTIVE: i32 = 6;
const GAP_START: i32 = -3;
const GAP_EXTEND: i32 = -1;
const PREFIX: i32 = 12;

/// The highest score a pattern of `len` characters can get (all at word starts, in one run,
/// from the start of the text).
pub fn ceiling(len: usize) -> i32 {
    let len = len as i32;
    PREFIX + len * (MATCH + FIRST_CHAR_BOUNDARY + CONSECUTIVE)
}

fn is_separator(b: u8) -> bool {
    matches!(
        b,
        b'-' | b'_' | b' ' | b'/' | b'.' | b':' | b'(' | b')' | b',' | b'@'
    )
}

/// Where the pattern fits, as the shortest window after the first place it completes.
fn window<T: PartialEq + Copy>(
    hay: &[T],
    needle: &[T],
    find: impl Fn(T, &[T]) -> Option<usize>,
) -> Option<(usize, usize)> {
    let first = *needle.first()?;
    let start_scan = find(first, hay)?;
    let mut from = start_scan + 1;
    for &c in &needle[1..] {
        from += find(c, &hay[from..])? + 1;
    }
    let end = from;
    let mut i = end;
    let mut n = needle.len();
    while n > 0 && i > start_scan {
        i -= 1;
        if hay[i] == needle[n - 1] {
            n -= 1;
        }
    }
    Some((i, end))
}

fn find_byte(c: u8, hay: &[u8]) -> Option<usize> {
    memchr::memchr(c, hay)
}

fn find_char(c: char, hay: &[char]) -> Option<usize> {
    hay.iter().position(|h| *h == c)
}

/// Scores `needle` in `hay` (both already lower-case); None when it does not match.
pub fn score(hay: &str, needle: &str) -> Option<i32> {
    score_known(hay, hay.is_ascii(), needle, needle.is_ascii())
}

/// [`score`] when the caller already knows which texts are ASCII (the index stores it).
pub fn score_known(hay: &str, hay_ascii: bool, needle: &str, needle_ascii: bool) -> Option<i32> {
    if hay_ascii && needle_ascii {
        let (h, n) = (hay.as_bytes(), needle.as_bytes());
        let (start, end) = window(h, n, find_byte)?;
        return Some(score_window(start, end, n.len(), |i| h[i], |k| n[k], None));
    }
    score_chars(hay, needle, None)
}

/// Scores `needle` as the start of a word in `hay` (for long texts like descriptions, where a
/// scattered subsequence would match almost anything): the best is a word that starts the text.
pub fn word_prefix(hay: &str, needle: &str) -> Option<i32> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let first = *n.first()?;
    for p in memchr::memchr_iter(first, h) {
        if (p == 0 || is_separator(h[p - 1])) && h[p..].starts_with(n) && hay.is_char_boundary(p) {
            let len = needle.chars().count() as i32;
            let at_start = if p == 0 { PREFIX } else { 0 };
            return Some(len * (MATCH + CONSECUTIVE) + FIRST_CHAR_BOUNDARY + at_start);
        }
    }
    None
}

/// A long text's word starts, for [`word_prefix_indexed`]: each start's first two bytes
/// (packed, the second 0 at the end of the text) and its offset, sorted. None for a text
/// longer than the offsets can say (`u16`).
pub fn word_starts(hay: &str) -> Option<Vec<(u16, u16)>> {
    let h = hay.as_bytes();
    if h.len() > usize::from(u16::MAX) {
        return None;
    }
    let mut starts: Vec<(u16, u16)> = (0..h.len())
        .filter(|&p| p == 0 || is_separator(h[p - 1]))
        .map(|p| (pair(h, p), p as u16))
        .collect();
    starts.sort_unstable();
    Some(starts)
}

fn pair(h: &[u8], p: usize) -> u16 {
    u16::from(h[p]) << 8 | u16::from(h.get(p + 1).copied().unwrap_or(0))
}

/// [`word_prefix`] over a text's [`word_starts`]: the words starting with the needle's first
/// two bytes are found by binary search, so a 1 KB description costs a few comparisons
/// instead of a scan of every occurrence of the first byte. Same answers as `word_prefix`.
pub fn word_prefix_indexed(hay: &str, starts: &[(u16, u16)], needle: &str) -> Option<i32> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let first = *n.first()?;
    let (low, high) = match n.get(1) {
        Some(&second) => {
            let key = u16::from(first) << 8 | u16::from(second);
            (key, key)
        }
        None => (u16::from(first) << 8, u16::from(first) << 8 | 0xFF),
    };
    let from = starts.partition_point(|(k, _)| *k < low);
    let len = needle.chars().count() as i32;
    let mut found = None;
    for &(k, p) in &starts[from..] {
        if k > high {
            break;
        }
        let p = usize::from(p);
        if h[p..].starts_with(n) {
            if p == 0 {
                return Some(len * (MATCH + CONSECUTIVE) + FIRST_CHAR_BOUNDARY + PREFIX);
            }
            found = Some(len * (MATCH + CONSECUTIVE) + FIRST_CHAR_BOUNDARY);
        }
    }
    found
}

/// The positions (in characters) that the scorer matched, for highlighting.
pub fn positions(hay: &str, needle: &str) -> Option<Vec<usize>> {
    let mut p = Vec::new();
    if hay.is_ascii() && needle.is_ascii() {
        let (h, n) = (hay.as_bytes(), needle.as_bytes());
        let (start, end) = window(h, n, find_byte)?;
        score_window(start, end, n.len(), |i| h[i], |k| n[k], Some(&mut p));
    } else {
        score_chars(hay, needle, Some(&mut p))?;
    }
    Some(p)
}

fn score_chars(hay: &str, needle: &str, positions: Option<&mut Vec<usize>>) -> Option<i32> {
    let hay: Vec<char> = hay.chars().collect();
    let needle: Vec<char> = needle.chars().collect();
    let (start, end) = window(&hay, &needle, find_char)?;
    let ascii = |c: char| if c.is_ascii() { c as u8 } else { b'x' };
    // Scoring only looks at separators and equality, so map to bytes with a stand-in for
    // non-ASCII letters, and compare the real characters for equality.
    Some(score_window_eq(
        start,
        end,
        needle.len(),
        |p| ascii(hay[p]),
        |p, k| hay[p] == needle[k],
        positions,
    ))
}

fn score_window(
    start: usize,
    end: usize,
    needle_len: usize,
    hay: impl Fn(usize) -> u8,
    needle: impl Fn(usize) -> u8,
    positions: Option<&mut Vec<usize>>,
) -> i32 {
    score_window_eq(
        start,
        end,
        needle_len,
        &hay,
        |p, k| hay(p) == needle(k),
        positions,
    )
}

fn score_window_eq(
    start: usize,
    end: usize,
    needle_len: usize,
    hay: impl Fn(usize) -> u8,
    eq: impl Fn(usize, usize) -> bool,
    mut positions: Option<&mut Vec<usize>>,
) -> i32 {
    let mut score = 0;
    let mut k = 0;
    let mut run = 0;
    let mut in_gap = false;
    for p in start..end {
        if k < needle_len && eq(p, k) {
            let boundary = p == 0 || is_separator(hay(p - 1));
            let mut s = MATCH;
            if boundary {
                s += if k == 0 {
                    FIRST_CHAR_BOUNDARY
                } else {
                    BOUNDARY
                };
            }
            if run > 0 {
                s += CONSECUTIVE;
            }
            score += s;
            run += 1;
            in_gap = false;
            if let Some(out) = positions.as_deref_mut() {
                out.push(p);
            }
            k += 1;
        } else if k > 0 {
            score += if in_gap { GAP_EXTEND } else { GAP_START };
            in_gap = true;
            run = 0;
        }
    }
    if start == 0 {
        score += PREFIX;
    }
    score.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_in_order_only() {
        assert!(score("payments-api", "pay").is_some());
        assert!(score("payments-api", "pmi").is_some());
        assert!(score("payments-api", "ipa").is_none());
        assert!(score("", "a").is_none());
        assert!(score("abc", "").is_none());
    }

    #[test]
    fn ranks_like_people_expect() {
        let s = |h: &str, n: &str| score(h, n).unwrap();
        // Contiguous beats scattered; word starts beat the middle of words; prefixes win.
        assert!(s("checkout", "check") > s("cxhxexcxk", "check"));
        assert!(s("order-service", "os") > s("photos", "os"));
        assert!(s("api-gateway", "api") > s("rapid", "api"));
        assert!(s("pay", "pay") > s("repay", "pay"));
    }

    #[test]
    fn word_prefixes() {
        assert!(word_prefix("handles the ticket flow", "tick").is_some());
        assert!(word_prefix("handles the ticket flow", "icket").is_none());
        assert!(word_prefix("handles the ticket flow", "tf").is_none());
        assert!(
            word_prefix("ticket", "ticket").unwrap() > word_prefix("a ticket", "ticket").unwrap()
        );
        assert!(word_prefix("crème brûlée", "brû").is_some());
        for (h, n) in [("a b", "a"), ("xyz", "xyz")] {
            assert!(word_prefix(h, n).unwrap() <= ceiling(n.len()));
        }
    }

    #[test]
    fn indexed_word_prefixes_answer_as_the_scan_does() {
        let mut rng = fastrand::Rng::with_seed(12);
        const PIECES: &[&str] = &[
            "ti", "ticket", "t", "e", "é", "-", " ", "__", ".", "a", "ab", "tick", "crème", "x",
        ];
        for _ in 0..3000 {
            let text: String = (0..rng.usize(0..40))
                .map(|_| PIECES[rng.usize(..PIECES.len())])
                .collect();
            let needle: String = (0..rng.usize(1..3))
                .map(|_| PIECES[rng.usize(..PIECES.len())])
                .collect();
            let starts = word_starts(&text).unwrap();
            assert_eq!(
                word_prefix_indexed(&text, &starts, &needle),
                word_prefix(&text, &needle),
                "{text:?} {needle:?}"
            );
        }
        assert_eq!(word_starts(&"a ".repeat(40_000)), None);
    }

    #[test]
    fn ceiling_bounds_every_score() {
        for (h, n) in [
            ("a", "a"),
            ("a-b-c", "abc"),
            ("abc", "abc"),
            ("x-y", "xy"),
            ("checkout", "c"),
        ] {
            assert!(score(h, n).unwrap() <= ceiling(n.len()), "{h} {n}");
        }
    }

    #[test]
    fn shortest_window_is_scored() {
        // The first 'c' is far from the rest; the window starts at the later one.
        assert_eq!(
            positions("c-----check", "check").unwrap(),
            vec![6, 7, 8, 9, 10]
        );
        assert_eq!(positions("pxaxy", "pay").unwrap(), vec![0, 2, 4]);
    }

    #[test]
    fn unicode_is_matched_by_character() {
        assert_eq!(positions("café-crème", "cr").unwrap(), vec![5, 6]);
        assert!(score("naïve", "ïv").is_some());
        assert!(score("naive", "ï").is_none());
    }
}
