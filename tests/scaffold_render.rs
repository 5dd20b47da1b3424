//! `${{ }}` rendering, table by table, with the behaviour the research notes verified against
//! nunjitsu 0.7.0 and the scaffolder's workflow runner.

use greenroom::scaffold::render::{RenderContext, RenderOptions, Renderer, is_truthy};
use serde_json::{Value as Json, json};

fn ctx() -> RenderContext {
    RenderContext::new(&json!({
        "parameters": {
            "name": "shop", "a": [1, 2], "n": 0, "flag": false, "obj": {"k": "v"},
            "repoUrl": "gitlab.com?owner=group&repo=shop", "owner": "team-a", "text": "Hello World",
            "nested": {"deep": {"x": 1}}, "count": 2.0, "price": 2.5
        },
        "steps": {"fetch": {"output": {"files": ["a", "b"]}}},
        "user": {"ref": "user:default/ada"},
        "each": {"key": "0", "value": {"region": "eu"}},
        "secrets": {"token": "t0k"}
    }))
}

#[test]
fn values_keep_their_type_only_when_alone() {
    let r = Renderer::new(RenderOptions::default());
    let table: &[(&str, Option<Json>)] = &[
        ("${{ parameters.a }}", Some(json!([1, 2]))),
        ("${{parameters.a}}", Some(json!([1, 2]))),
        ("${{ parameters.n }}", Some(json!(0))),
        ("${{ parameters.flag }}", Some(json!(false))),
        ("${{ parameters.obj }}", Some(json!({"k": "v"}))),
        ("${{ parameters.count }}", Some(json!(2))),
        ("${{ parameters.price * 2 }}", Some(json!(5))),
        ("${{ parameters.nope }}", None),
        ("${{ parameters.nested.deep.x }}", Some(json!(1))),
        ("${{ parameters.nested.missing.x }}", None),
        ("${{ parameters.a | length }}", Some(json!(2))),
        (
            "${{ parameters.name === 'shop' and parameters.n === 0 }}",
            Some(json!(true)),
        ),
        (
            "${{ parameters.name if parameters.flag else 'other' }}",
            Some(json!("other")),
        ),
        (
            "${{ parameters.name ~ '-' ~ parameters.owner }}",
            Some(json!("shop-team-a")),
        ),
        ("${{ steps.fetch.output.files }}", Some(json!(["a", "b"]))),
        ("${{ each.value.region }}", Some(json!("eu"))),
        ("${{ secrets.token }}", Some(json!("t0k"))),
        ("x ${{ parameters.a }}", Some(json!("x 1,2"))),
        ("${{ parameters.flag }} ", Some(json!("false "))),
        ("${{ parameters.count }}%", Some(json!("2%"))),
        ("${{ parameters.price }}", Some(json!(2.5))),
        (
            "{{ parameters.name }}",
            Some(json!("{{ parameters.name }}")),
        ),
        (
            "{% if parameters.flag %}yes{% else %}no{% endif %}",
            Some(json!("no")),
        ),
        (
            "{% for x in parameters.a %}${{ x }}{% if not loop.last %}-{% endif %}{% endfor %}",
            Some(json!("1-2")),
        ),
        (
            "{# note #}${{ parameters.name | upper }}",
            Some(json!("SHOP")),
        ),
        (
            "${{ parameters.text | lower | replace('world', 'there') }}",
            Some(json!("hello there")),
        ),
        (
            "${{ parameters.text | truncate(8) }}",
            Some(json!("Hello...")),
        ),
        ("${{ parameters.text | wordcount }}", Some(json!(2))),
        (
            "${{ parameters.nope | default('fallback') }}",
            Some(json!("fallback")),
        ),
        ("${{ parameters.a | join('|') }}", Some(json!("1|2"))),
        (
            "${{ parameters.repoUrl | parseRepoUrl | pick('owner') }}",
            Some(json!("group")),
        ),
        (
            "${{ parameters.repoUrl | projectSlug }}",
            Some(json!("group/shop")),
        ),
        (
            "${{ parameters.owner | parseEntityRef({ defaultKind: 'group', defaultNamespace: 'default' }) }}",
            Some(json!({"kind": "group", "namespace": "default", "name": "team-a"})),
        ),
        (
            "${{ user.ref | parseEntityRef | pick('name') }}",
            Some(json!("ada")),
        ),
        ("${{ parameters.obj | dump }}", Some(json!("{\"k\":\"v\"}"))),
    ];
    for (source, expected) in table {
        assert_eq!(
            &r.render_value(source, &ctx()).unwrap(),
            expected,
            "{source}"
        );
    }
}

#[test]
fn step_conditions_use_the_scaffolders_truthiness() {
    let r = Renderer::new(RenderOptions::default());
    let table = [
        ("${{ parameters.a }}", true),
        ("${{ parameters.n }}", false),
        ("${{ parameters.flag }}", false),
        ("${{ parameters.nope }}", false),
        ("${{ parameters.obj }}", true),
        ("${{ parameters.name === 'other' }}", false),
        // Text around an expression makes a string: "false" is not empty, so it is true.
        (
            "{% if parameters.flag %}true{% else %}false{% endif %}",
            true,
        ),
        (" ${{ parameters.flag }}", true),
    ];
    for (source, expected) in table {
        let v = r.render_tree(&json!(source), &ctx());
        assert_eq!(is_truthy(v.as_ref()), expected, "{source}");
    }
}

#[test]
fn failures_keep_the_original_string_in_step_input() {
    let r = Renderer::new(RenderOptions::default());
    let input = json!({"bad": "${{ parameters.name | parseRepoUrl }}", "syntax": "${{ parameters. }}", "ok": "${{ parameters.name }}"});
    assert_eq!(
        r.render_tree(&input, &ctx()).unwrap(),
        json!({"bad": "${{ parameters.name | parseRepoUrl }}", "syntax": "${{ parameters. }}", "ok": "shop"})
    );
}

/// Non-ASCII text, emoji, combining characters, control characters and escape sequences put
/// at every position of expressions, tags and filters: rendering answers (a value or an
/// error), never panics, and an error's text carries no control characters.
#[test]
fn any_text_in_any_position_renders_or_fails_cleanly() {
    let r = Renderer::new(RenderOptions::default());
    let sources = [
        "${{ parameters.name }}",
        "${{ parameters.name === 'x' }}",
        "a ${{ parameters.obj | dump }} b",
        "${{ parameters.text | truncate(3) | center(9) | capitalize }}",
        "${{ parameters.owner | parseEntityRef({defaultKind: 'group'}) | pick('name') }}",
        "${{ parameters.repoUrl | parseRepoUrl | pick('repo') | replace('s', 'z') }}",
        "${{ parameters.text | join('-') | wordcount }}",
        "{% if parameters.flag !== true %}${{ parameters.a | join(', ') }}{% endif %}",
        "{% for x in parameters.a %}${{ x | string | striptags }}{% endfor %}{# c #}",
    ];
    let nasties = [
        "é",
        "🦀",
        "e\u{301}",
        "日本",
        "\u{1b}[31m",
        "\u{1b}]0;t\u{7}",
        "\0",
        "\u{202E}",
        "\u{FEFF}",
        "'",
        "\"",
        "\\",
        "}}",
        "{%",
        "${{",
    ];
    let mut cases = 0;
    for source in sources {
        let boundaries: Vec<usize> = source
            .char_indices()
            .map(|(i, _)| i)
            .chain([source.len()])
            .collect();
        for nasty in nasties {
            for &at in &boundaries {
                let text = format!("{}{nasty}{}", &source[..at], &source[at..]);
                cases += 1;
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    (
                        r.render(&text, &ctx()).err(),
                        r.render_value(&text, &ctx()).err(),
                        r.render_tree(&json!({ "k": text }), &ctx()),
                    )
                }));
                let Ok((e1, e2, _)) = outcome else {
                    panic!("rendering {text:?} panicked");
                };
                for e in [e1, e2].into_iter().flatten() {
                    assert!(
                        !e.to_string().chars().any(char::is_control),
                        "{text:?}: {e:?}"
                    );
                }
            }
        }
    }
    assert!(cases > 1000, "{cases}");
}

#[test]
fn a_non_ascii_expression_is_a_located_error() {
    let r = Renderer::new(RenderOptions::default());
    for source in ["${{ é }}", "line one\n${{ 🦀 }}", "${{ e\u{301} }}"] {
        let e = r.render_value(source, &ctx()).unwrap_err().to_string();
        assert!(e.contains("syntax error"), "{source:?}: {e}");
        let line = if source.contains('\n') { 2 } else { 1 };
        assert!(e.contains(&format!("line {line}")), "{source:?}: {e}");
    }
}

#[test]
fn error_messages_carry_no_escape_sequences() {
    let r = Renderer::new(RenderOptions::default());
    let e = r
        .render(
            "${{ '\u{1b}]0;pwned\u{7}\u{1b}[2Jx' | parseRepoUrl }}",
            &ctx(),
        )
        .unwrap_err()
        .to_string();
    assert!(!e.contains('\u{1b}') && !e.contains('\u{7}'), "{e:?}");
}

/// Hostile templates end (quickly: fuel, not a clock) with an error that says which limit
/// they hit; they are never rendered forever, nor to gigabytes.
#[test]
fn hostile_templates_hit_a_limit() {
    use greenroom::limits::{TEMPLATE_FUEL, TEMPLATE_OUTPUT_BYTES};
    let r = Renderer::new(RenderOptions::default());
    let work = [
        "{% for i in range(100000) %}{% for j in range(100000) %}${{ i }}{% endfor %}{% endfor %}",
        "${{ range(100000) | map('string') | join(',') | length }}{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "{% macro f(n) %}{% for i in range(100000) %}{% endfor %}${{ f(n + 1) }}{% endmacro %}${{ f(0) }}",
    ];
    for source in work {
        let e = r.render(source, &ctx()).unwrap_err();
        assert!(e.is_limit(), "{source}: {e}");
        assert!(
            e.to_string()
                .contains(&format!("more than {TEMPLATE_FUEL} units of work")),
            "{e}"
        );
    }
    // A step input fails instead of keeping its source text.
    let nested = "${{ (range(100000) | map('string') | list | length) }}{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}";
    assert!(
        r.try_render_tree(&json!({"k": nested}), &ctx())
            .unwrap_err()
            .is_limit()
    );
    let size = [
        "{% for i in range(100000) %}${{ 'x' * 1000 }}{% endfor %}",
        "${{ 'x' * 10000000 }}",
        "${{ 'ab' | indent(100000000000) }}\nline",
        "${{ 'a\nb\nc' | indent(5000000, true) }}",
        "${{ 'x' | center(100000000000) }}",
        "${{ ('x' * 1000) | replace('x', 'y' * 100000) }}",
        "${{ ('x' * 1000) | replace('', 'y' * 100000) }}",
        "${{ range(10000) | join('y' * 10000) }}",
        "${{ ('x' * 10000) | join('y' * 10000) }}",
    ];
    for source in size {
        for result in [
            r.render(source, &ctx()).map(|_| ()),
            r.render_value(source, &ctx()).map(|_| ()),
        ] {
            let e = result.unwrap_err();
            assert!(e.is_limit(), "{source}: {e}");
            assert!(
                e.to_string()
                    .contains(&format!("{TEMPLATE_OUTPUT_BYTES} bytes")),
                "{source}: {e}"
            );
        }
        assert!(
            r.try_render_tree(&json!([{ "k": source }]), &ctx())
                .unwrap_err()
                .is_limit()
        );
    }
    // Ordinary errors still keep the source text in a step input (Backstage's behaviour).
    assert_eq!(
        r.try_render_tree(
            &json!({"k": "${{ parameters.name | parseRepoUrl }}"}),
            &ctx()
        )
        .unwrap(),
        Some(json!({"k": "${{ parameters.name | parseRepoUrl }}"}))
    );
    // Below the limits the same filters work as before.
    assert_eq!(
        r.render("${{ 'a\nb' | indent(2) }}|${{ 'x' | center(5) }}|${{ 'aXa' | replace('X', 'y') }}|${{ [1, 2] | join('-') }}", &ctx())
            .unwrap(),
        "a\n  b|  x  |aya|1-2"
    );
}
