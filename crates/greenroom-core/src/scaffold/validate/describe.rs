//! Plain words for what a regular expression asks, when it is simple enough to say: anchored
//! runs of character classes like `^[a-z0-9-]+$` or `^[a-z][a-z0-9-]*$`.

/// Words for one character class body (`a-z0-9-`), or `None` when it has parts we do not name.
fn class_words(body: &str) -> Option<Vec<&'static str>> {
    let mut words = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let (word, len) = if rest.starts_with("a-z") {
            ("lower-case letters", 3)
        } else if rest.starts_with("A-Z") {
            ("upper-case letters", 3)
        } else if rest.starts_with("0-9") || rest.starts_with("\\d") {
            ("digits", if rest.starts_with("0-9") { 3 } else { 2 })
        } else if rest.starts_with("\\w") {
            ("letters, digits and underscores", 2)
        } else if rest.starts_with('-') || rest.starts_with("\\-") {
            ("dashes", if rest.starts_with('-') { 1 } else { 2 })
        } else if rest.starts_with('_') {
            ("underscores", 1)
        } else if rest.starts_with('.') || rest.starts_with("\\.") {
            ("dots", if rest.starts_with('.') { 1 } else { 2 })
        } else if rest.starts_with('/') || rest.starts_with("\\/") {
            ("slashes", if rest.starts_with('/') { 1 } else { 2 })
        } else if rest.starts_with(' ') {
            ("spaces", 1)
        } else {
            return None;
        };
        if !words.contains(&word) {
            words.push(word);
        }
        rest = &rest[len..];
    }
    // "lower-case letters" + "upper-case letters" read better as "letters".
    if let (Some(l), Some(u)) = (
        words.iter().position(|w| *w == "lower-case letters"),
        words.iter().position(|w| *w == "upper-case letters"),
    ) {
        words[l.min(u)] = "letters";
        words.remove(l.max(u));
    }
    Some(words)
}

fn list(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// One `[class]` with its quantifier, parsed from the front of `s`.
fn class_run(s: &str) -> Option<(Vec<&'static str>, char, &str)> {
    let s = s.strip_prefix('[')?;
    let end = s.find(']')?;
    let words = class_words(&s[..end])?;
    let rest = &s[end + 1..];
    let q = rest.chars().next().filter(|c| matches!(c, '+' | '*' | '?'));
    let rest = q.map_or(rest, |c| &rest[c.len_utf8()..]);
    Some((words, q.unwrap_or('1'), rest))
}

/// Describes a pattern in plain words, or `None` when it is not one we can say simply.
pub fn describe(pattern: &str) -> Option<String> {
    let body = pattern.strip_prefix('^')?.strip_suffix('$')?;
    let (first, q1, rest) = class_run(body)?;
    if rest.is_empty() {
        let what = list(&first);
        return Some(match q1 {
            '+' => format!("{what} only"),
            '*' => format!("only {what}, or nothing"),
            _ => format!("one character: {what}"),
        });
    }
    let (second, q2, rest2) = class_run(rest)?;
    if !rest2.is_empty() || q1 != '1' || !matches!(q2, '*' | '+') {
        // A trailing single class (`[a-z0-9]$`) is a common "must end with" form.
        if q1 == '1'
            && matches!(q2, '*' | '+')
            && let Some((third, '1', "")) = class_run(rest2)
        {
            return Some(format!(
                "{}; starting with {} and ending with {}",
                list(&second),
                singular(&first),
                singular(&third)
            ));
        }
        return None;
    }
    Some(format!(
        "{}, starting with {}",
        list(&second),
        singular(&first)
    ))
}

fn singular(words: &[&str]) -> String {
    let one: Vec<String> = words
        .iter()
        .map(|w| match *w {
            "lower-case letters" => "a lower-case letter".to_owned(),
            "upper-case letters" => "an upper-case letter".to_owned(),
            "letters" => "a letter".to_owned(),
            "digits" => "a digit".to_owned(),
            other => other.to_owned(),
        })
        .collect();
    match one.as_slice() {
        [a] => a.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
        [] => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_common_patterns() {
        assert_eq!(
            describe("^[a-z0-9-]+$").as_deref(),
            Some("lower-case letters, digits and dashes only")
        );
        assert_eq!(
            describe("^[a-z][a-z0-9-]*$").as_deref(),
            Some("lower-case letters, digits and dashes, starting with a lower-case letter")
        );
        assert_eq!(
            describe("^[a-zA-Z0-9_]+$").as_deref(),
            Some("letters, digits and underscores only")
        );
        assert_eq!(
            describe("^[a-z0-9][a-z0-9-]*[a-z0-9]$").as_deref(),
            Some(
                "lower-case letters, digits and dashes; starting with a lower-case letter or a digit and ending with a lower-case letter or a digit"
            )
        );
        assert_eq!(describe("^(foo|bar)$"), None);
        assert_eq!(describe("[a-z]+"), None);
    }
}
