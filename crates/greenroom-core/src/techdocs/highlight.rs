//! Syntax colours for code blocks in docs: syntect's bundled Sublime Text grammars (Rust, Go,
//! Python, Java, JavaScript, shell, YAML, JSON, SQL, C and C++, HTML, CSS and more) run by its
//! pure-Rust regex engine. No colour themes: each token's scope is mapped to one of greenroom's
//! theme roles (comments muted, strings `ok`, keywords `accent`, numbers and constants `warn`,
//! names of functions and types `info`), so the colours follow the user's theme, mono and
//! NO_COLOR included. A language it does not know, code past [`HIGHLIGHT_BYTES`] in a page, or a line
//! its grammar cannot get through leaves the block plain.

use crate::limits::HIGHLIGHT_BYTES;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use syntect::easy::ScopeRangeIterator;
use syntect::parsing::{ParseState, Scope, ScopeStack, SyntaxReference, SyntaxSet};

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// Loads the grammars now, and compiles those of the languages docs use most (a worker can,
/// so the first code block drawn does not wait for them).
pub fn warm_up() {
    syntaxes();
    for lang in ["bash", "yaml", "json"] {
        let _ = colour(lang, "x: 1 # y");
    }
}

/// Scope prefixes and the role their text takes, most specific first.
fn roles() -> &'static [(Scope, &'static str)] {
    static ROLES: OnceLock<Vec<(Scope, &'static str)>> = OnceLock::new();
    ROLES.get_or_init(|| {
        [
            ("comment", "muted"),
            ("punctuation.definition.comment", "muted"),
            ("string", "ok"),
            ("constant.character", "ok"),
            ("constant.numeric", "warn"),
            ("constant.language", "warn"),
            ("constant", "warn"),
            ("keyword.operator", "text"),
            ("keyword", "accent"),
            ("storage", "accent"),
            ("entity.name.tag", "accent"),
            ("entity.name", "info"),
            ("entity.other.attribute-name", "info"),
            ("support.function", "info"),
            ("support.type", "info"),
            ("support.class", "info"),
            ("variable.function", "info"),
            ("invalid", "error"),
        ]
        .iter()
        .filter_map(|(s, r)| Some((Scope::new(s).ok()?, *r)))
        .collect()
    })
}

fn role_of(stack: &ScopeStack) -> &'static str {
    for scope in stack.as_slice().iter().rev() {
        if let Some((_, role)) = roles().iter().find(|(p, _)| p.is_prefix_of(*scope)) {
            return role;
        }
    }
    "text"
}

/// The grammar for a fence's language (`rust`, `py`, `sh`, `yml`, ...), if one is bundled.
fn syntax_for(lang: &str) -> Option<&'static SyntaxReference> {
    let lang = lang.trim().to_ascii_lowercase();
    let lang = match lang.as_str() {
        "shell" | "console" | "shell-session" | "zsh" => "bash",
        "yml" => "yaml",
        "js" | "jsx" | "node" => "javascript",
        "golang" => "go",
        "c++" => "cpp",
        "jsonc" | "json5" => "json",
        other => other,
    };
    if lang.is_empty() {
        return None;
    }
    let set = syntaxes();
    set.find_syntax_by_token(lang)
        .or_else(|| set.find_syntax_by_extension(lang))
}

/// The lines of a code block as runs of (text, role), or None to show it plain.
pub fn highlight(lang: &str, text: &str) -> Option<Vec<Vec<(String, &'static str)>>> {
    if text.len() > HIGHLIGHT_BYTES {
        return None;
    }
    let key = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (lang, text).hash(&mut h);
        h.finish()
    };
    // A page is laid out again at each width: its blocks are coloured once.
    static MEMO: OnceLock<Mutex<HashMap<u64, Arc<Highlighted>>>> = OnceLock::new();
    let memo = MEMO.get_or_init(Default::default);
    if let Some(done) = memo.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return done.as_ref().clone();
    }
    let done = colour(lang, text);
    let mut memo = memo.lock().unwrap_or_else(|e| e.into_inner());
    if memo.len() >= MEMO_BLOCKS {
        memo.clear();
    }
    memo.insert(key, Arc::new(done.clone()));
    done
}

/// Highlighted blocks remembered (the memo starts over past it).
const MEMO_BLOCKS: usize = 512;

type Highlighted = Option<Vec<Vec<(String, &'static str)>>>;

fn colour(lang: &str, text: &str) -> Highlighted {
    let syntax = syntax_for(lang)?;
    let set = syntaxes();
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let mut out = Vec::new();
    for line in text.split('\n') {
        // The grammars are the "newlines" kind: each line is parsed with its line break.
        let with_break = format!("{line}\n");
        let ops = state.parse_line(&with_break, set).ok()?;
        let mut runs: Vec<(String, &'static str)> = Vec::new();
        for (range, op) in ScopeRangeIterator::new(&ops, &with_break) {
            stack.apply(op).ok()?;
            let piece = with_break.get(range)?.trim_end_matches('\n');
            if piece.is_empty() {
                continue;
            }
            let role = role_of(&stack);
            match runs.last_mut() {
                Some((t, r)) if *r == role => t.push_str(piece),
                _ => runs.push((piece.to_owned(), role)),
            }
        }
        out.push(runs);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles_in(lang: &str, code: &str) -> Vec<(String, &'static str)> {
        highlight(lang, code)
            .unwrap()
            .into_iter()
            .flatten()
            .filter(|(t, _)| !t.trim().is_empty())
            .map(|(t, r)| (t.trim().to_owned(), r))
            .collect()
    }

    #[test]
    fn rust_keywords_strings_and_comments_take_their_roles() {
        let runs = roles_in("rust", "fn main() {\n    // hi\n    let s = \"x\";\n}");
        assert!(runs.contains(&("fn".into(), "accent")), "{runs:?}");
        assert!(runs.contains(&("main".into(), "info")), "{runs:?}");
        assert!(
            runs.iter()
                .any(|(t, r)| t.contains("// hi") && *r == "muted"),
            "{runs:?}"
        );
        assert!(
            runs.iter().any(|(t, r)| t.contains("\"x\"") && *r == "ok"),
            "{runs:?}"
        );
    }

    #[test]
    fn the_text_is_kept_whole_line_by_line() {
        let code = "key: value # note\nlist:\n  - 42\n\n";
        let lines = highlight("yml", code).unwrap();
        let back: Vec<String> = lines
            .iter()
            .map(|l| l.iter().map(|(t, _)| t.as_str()).collect())
            .collect();
        assert_eq!(back, code.split('\n').collect::<Vec<_>>());
        let runs = roles_in("yaml", code);
        assert!(runs.contains(&("42".into(), "warn")), "{runs:?}");
        assert!(
            runs.iter()
                .any(|(t, r)| t.contains("# note") && *r == "muted"),
            "{runs:?}"
        );
    }

    #[test]
    fn unknown_languages_and_huge_blocks_stay_plain() {
        assert!(highlight("", "x").is_none());
        assert!(highlight("no-such-language", "x").is_none());
        let big = "a\n".repeat(HIGHLIGHT_BYTES / 2 + 1);
        let fits = "a\n".repeat(HIGHLIGHT_BYTES / 4);
        assert!(highlight("rust", &fits).is_some());
        assert!(highlight("rust", &big).is_none());
        assert!(highlight("sh", "kubectl get pods # list").is_some());
    }
}

#[cfg(test)]
mod layout_tests {
    #[test]
    fn a_fenced_block_is_laid_out_in_colours_and_an_unfenced_one_plain() {
        let doc = crate::techdocs::markdown::parse(
            "```rust\nfn x() {}\n```\n\n```\nfn y() {}\n```\n",
            "p.md",
        );
        let laid = crate::techdocs::layout(&doc, 80);
        let code: Vec<_> = laid.lines.iter().filter(|l| l.code).collect();
        assert_eq!(code.len(), 2);
        let roles = |i: usize| -> Vec<&str> { code[i].segs.iter().map(|s| s.style.role).collect() };
        assert!(
            roles(0).contains(&"accent") && roles(0).contains(&"info"),
            "{:?}",
            code[0]
        );
        assert_eq!(code[0].text(), "│ fn x() {}");
        assert_eq!(roles(1), ["muted", "accent"]);
    }

    #[test]
    fn a_page_colours_code_up_to_its_budget_then_plain() {
        let block = format!(
            "```rust\n{}\n```\n\n",
            "let a = 1;\n".repeat(crate::limits::HIGHLIGHT_BYTES / 22)
        );
        let doc = crate::techdocs::markdown::parse(&block.repeat(3), "p.md");
        let laid = crate::techdocs::layout(&doc, 80);
        let coloured = |l: &&crate::techdocs::Line| l.segs.iter().any(|s| s.style.role == "warn");
        let code: Vec<_> = laid
            .lines
            .iter()
            .filter(|l| l.code && l.text().contains("let"))
            .collect();
        let first = code.iter().position(|l| !coloured(l)).unwrap();
        assert!(
            first > 0 && code[first..].iter().all(|l| !coloured(l)),
            "{first}"
        );
    }
}
