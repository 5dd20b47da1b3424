//! The form model over real templates: every template loads and yields pages and fields, the
//! kitchen-sink form can be filled field by field and validates, conditional fields come and
//! go, messages name the field, the review masks secrets, and pickers offer the right entities.

use greenroom::catalog::Catalog;
use greenroom::scaffold::form::{FieldPath, Widget};
use greenroom::scaffold::pickers::{PickerKind, RepoUrlPicker};
use greenroom::scaffold::{Form, Template};
use greenroom::sources::{self, LoadOptions, Source, files::FileSource};
use serde_json::{Value as Json, json};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn template(rel: &str) -> Template {
    Template::from_file(&fixtures().join("templates").join(rel)).unwrap()
}

fn kitchen_sink() -> Template {
    template("backstage-repo-sample-templates/bui-kitchen-sink-demo/template.yaml")
}

fn examples() -> Catalog {
    let root = fixtures().join("backstage-examples/root.yaml");
    let source: Box<dyn Source> = Box::new(FileSource::disk(&[root]).unwrap());
    sources::load(
        &[source],
        &LoadOptions {
            online: false,
            ..LoadOptions::default()
        },
    )
}

fn path(p: &str) -> FieldPath {
    FieldPath::parse(p)
}

#[test]
fn every_fixture_template_loads_into_a_form() {
    let mut seen = 0;
    for entry in walkdir::WalkDir::new(fixtures().join("templates")) {
        let entry = entry.unwrap();
        if entry.file_name() != "template.yaml" {
            continue;
        }
        let t = Template::from_file(entry.path()).unwrap();
        let form = Form::new(&t);
        assert!(form.page_count() > 0, "{}", t.name);
        for page in 0..form.page_count() {
            assert!(!form.pages()[page].title.is_empty());
            if form.page_shown(page) {
                assert!(
                    !form.fields(page).is_empty(),
                    "{} page {page} has no fields",
                    t.name
                );
            }
        }
        assert!(!t.steps.is_empty(), "{}", t.name);
        seen += 1;
    }
    assert_eq!(seen, 4);
}

#[test]
fn kitchen_sink_fields_have_the_right_widgets() {
    let form = Form::new(&kitchen_sink());
    let widget = |p: &str| form.field(&path(p)).unwrap_or_else(|| panic!("{p}")).widget;
    assert!(matches!(
        widget("description"),
        Widget::TextArea { rows: Some(3) }
    ));
    assert!(matches!(widget("email"), Widget::Text { format: Some(f), .. } if f == "email"));
    assert_eq!(widget("password"), Widget::Password);
    assert_eq!(widget("secret"), Widget::Hidden);
    assert!(matches!(
        widget("replicas"),
        Widget::Number {
            integer: true,
            minimum: Some(1.0),
            maximum: Some(10.0),
            ..
        }
    ));
    assert!(matches!(
        widget("confidence"),
        Widget::Number {
            integer: false,
            slider: true,
            ..
        }
    ));
    assert_eq!(widget("enabled"), Widget::Boolean);
    match widget("consent") {
        Widget::Select {
            choices,
            radio: true,
        } => {
            assert_eq!(
                choices.iter().map(|c| c.label.as_str()).collect::<Vec<_>>(),
                ["I agree", "I disagree"]
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        widget("region"),
        Widget::Select { radio: true, .. }
    ));
    assert!(matches!(widget("features"), Widget::Checkboxes { choices } if choices.len() == 4));
    assert_eq!(widget("tags"), Widget::StringList);
    assert_eq!(widget("owner"), Widget::Group);
    assert_eq!(
        widget("owner/displayName"),
        Widget::Text {
            format: None,
            input_type: None
        }
    );
    assert_eq!(widget("contacts"), Widget::ObjectList);
    assert_eq!(widget("componentName"), Widget::EntityName);
    assert!(matches!(widget("ownerRef"), Widget::Entity(p) if p.kind == PickerKind::Owner));
    assert!(matches!(widget("relatedEntities"), Widget::Entity(p) if p.is_multi()));
    assert!(matches!(widget("myGroups"), Widget::Entity(p) if p.kind == PickerKind::MyGroups));
    assert!(matches!(widget("entityTags"), Widget::EntityTags(_)));
    assert!(
        matches!(widget("repoUrl"), Widget::RepoUrl(p) if p.allowed_hosts == ["github.com", "gitlab.com"])
    );
    assert_eq!(widget("deployToken"), Widget::Secret);
    assert!(matches!(widget("repoOwner"), Widget::Custom { name } if name == "RepoOwnerPicker"));
    // Defaults are in place, autofocus and required are known.
    assert_eq!(form.value(&path("replicas")), Some(&json!(3)));
    assert_eq!(
        form.value(&path("secret")),
        Some(&json!("hidden-default-value"))
    );
    let name = form.field(&path("name")).unwrap();
    assert!(name.autofocus && name.required);
    assert!(form.field(&path("owner/displayName")).unwrap().required);
    assert!(
        !form
            .visible_fields(0)
            .iter()
            .any(|f| f.path == path("secret")),
        "hidden fields are not drawn"
    );
}

const USER: &str = "user:default/amelia.park";

/// A value for a field as a person would give it, through the form's API.
fn fill(form: &mut Form, catalog: &Catalog, field: &greenroom::scaffold::Field) {
    let p = &field.path;
    let result = match &field.widget {
        Widget::Text { format, .. } => {
            let text = match format.as_deref() {
                Some("email") => "ada@example.com",
                Some("uri") => "https://example.com/ticket-service",
                Some("date") => "2024-05-31",
                Some("date-time") => "2024-05-31T10:00:00Z",
                Some("time") => "10:00:00",
                Some("color") => "#00ff00",
                Some("data-url") => "data:text/plain;base64,aGVsbG8=",
                _ => "ticket-service",
            };
            form.set_text(p, text)
        }
        Widget::TextArea { .. } => form.set_text(p, "line one\nline two"),
        Widget::Password => form.set_text(p, "pa55word-kitchen"),
        Widget::Secret => form.set_text(p, "s3cr3t-deploy-token"),
        Widget::Number {
            minimum, maximum, ..
        } => {
            let v = match (minimum, maximum) {
                (Some(a), Some(b)) => ((a + b) / 2.0).round(),
                _ => 4.0,
            };
            form.set_text(p, &v.to_string())
        }
        Widget::Boolean => form.set_text(p, "yes"),
        Widget::Select { choices, .. } => form.set_text(p, &choices.last().unwrap().label),
        Widget::Checkboxes { choices } => {
            form.set_text(p, &format!("{}, {}", choices[0].label, choices[1].label))
        }
        Widget::StringList => form.set_text(p, "alpha\nbeta"),
        Widget::ObjectList => form.add_item(p).map(|_| ()),
        Widget::EntityName => form.set_text(p, "ticket-service"),
        Widget::EntityTags(tags) => {
            let suggestions = tags.suggestions(catalog, "");
            assert!(
                suggestions.iter().any(|(t, _)| t == "java"),
                "{suggestions:?}"
            );
            form.set(p, json!([suggestions[0].0, "new-tag"]))
        }
        Widget::Entity(picker) => {
            let candidates = picker.candidates(catalog, Some(USER), "");
            assert!(!candidates.is_empty(), "{}: no candidates", field.label);
            if picker.is_multi() {
                form.set(p, json!([candidates[0].value, candidates[1].value]))
            } else {
                form.set(p, json!(candidates[0].value))
            }
        }
        Widget::RepoUrl(picker) => {
            let parts = picker.parts(None);
            let host = parts[0].value.clone();
            form.set_text(
                p,
                &RepoUrlPicker::compose(&[
                    ("host", &host),
                    ("owner", "acme"),
                    ("repo", "ticket-service"),
                ]),
            )
        }
        Widget::Custom { .. } => {
            let text = field
                .ui_option("allowedOwners")
                .and_then(|o| o[0].as_str())
                .unwrap_or("main");
            form.set_text(p, text)
        }
        Widget::Hidden => form.set(p, json!("hidden-but-settable")),
        Widget::Group | Widget::Item { .. } => Ok(()),
    };
    result.unwrap_or_else(|e| panic!("{}: {e}", field.label));
}

#[test]
fn kitchen_sink_every_field_can_be_filled_and_validates() {
    let catalog = examples();
    let template = kitchen_sink();
    let mut form = Form::new(&template);
    let mut filled = Vec::new();
    // Adding a list item reveals its fields, so go round until nothing is left empty.
    for _ in 0..4 {
        for page in 0..form.page_count() {
            for field in form.fields(page) {
                if filled.contains(&field.path) {
                    continue;
                }
                fill(&mut form, &catalog, &field);
                filled.push(field.path.clone());
            }
        }
    }
    for page in 0..form.page_count() {
        for field in form
            .fields(page)
            .into_iter()
            .filter(|f| f.widget.holds_value())
        {
            assert!(
                form.value(&field.path).is_some(),
                "{} ({}) has no value",
                field.label,
                field.path
            );
        }
        assert_eq!(form.validate_page(page), vec![], "page {page}");
    }
    let values = form.values();
    assert_eq!(
        values["contacts"],
        json!([{"name": "ticket-service", "role": "Designer", "primary": true}])
    );
    assert_eq!(
        values["owner"],
        json!({"displayName": "ticket-service", "slack": "ticket-service"})
    );
    assert_eq!(values["features"], json!(["logging", "metrics"]));
    assert_eq!(values["consent"], json!(false));
    assert_eq!(values["replicas"], json!(6));
    assert_eq!(values["secret"], json!("hidden-but-settable"));
    assert_eq!(values["enabled"], json!(true));
    assert_eq!(values["confidence"], json!(50));
    assert_eq!(values["myGroups"], json!("group:default/team-b"));
    assert_eq!(
        values["ownedEntity"]
            .as_str()
            .map(|s| s.starts_with("component:default/")),
        Some(true)
    );
    assert_eq!(
        values["repoUrl"],
        json!("github.com?owner=acme&repo=ticket-service")
    );
    assert!(
        values.get("deployToken").is_none(),
        "Secret fields stay out of values"
    );
    assert_eq!(
        form.secrets().get("deployToken"),
        Some("s3cr3t-deploy-token")
    );
    // The review lists every value, secrets masked.
    let review = form.review();
    let row = |label: &str| {
        review
            .iter()
            .find(|r| r.label == label)
            .unwrap_or_else(|| panic!("{label}: {review:?}"))
    };
    assert_eq!(row("Password").value, "******");
    assert_eq!(row("Deploy token").value, "******");
    assert_eq!(row("Consent").value, "I disagree");
    assert_eq!(row("Owner profile / Display name").value, "ticket-service");
    assert_eq!(row("Contacts / Contacts #1 / Role").value, "Designer");
    let listing = format!("{review:?}");
    assert!(
        !listing.contains("s3cr3t-deploy-token") && !listing.contains("pa55word-kitchen"),
        "{listing}"
    );
    assert!(
        !format!("{form:?}").contains("s3cr3t"),
        "Debug of the form shows no values"
    );
}

#[test]
fn validation_messages_name_the_field_and_block_the_page() {
    let mut form = Form::new(&kitchen_sink());
    let errors = form.validate_page(0);
    let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages, ["Name is required.", "Email is required."]);
    form.set_text(&path("name"), "x").unwrap();
    form.set_text(&path("email"), "not-an-email").unwrap();
    form.set_text(&path("website"), "example.com").unwrap();
    let messages: Vec<String> = form
        .validate_page(0)
        .into_iter()
        .map(|e| format!("{}: {}", e.path, e.message))
        .collect();
    assert_eq!(
        messages,
        [
            "/email: Email must be an email address, like name@example.com.",
            "/website: Website must be a full URL, like https://example.com/path.",
        ]
    );
    form.set_text(&path("replicas"), "11").unwrap();
    assert_eq!(
        form.validate_page(1)[0].message,
        "Replicas must be at most 10."
    );
    assert_eq!(
        form.set_text(&path("replicas"), "three")
            .unwrap_err()
            .to_string(),
        "Replicas must be a whole number, like 3."
    );
    form.set_text(&path("componentName"), "-bad-").unwrap();
    assert!(
        form.validate_page(5)[0]
            .message
            .starts_with("Component name must start and end with an alphanumeric character")
    );
    form.set(&path("repoUrl"), json!("bitbucket.org?owner=a&repo=b"))
        .unwrap();
    assert_eq!(
        form.validate_page(5)[1].message,
        "Repository URL needs a workspace."
    );
}

#[test]
fn patterns_are_explained_for_the_command_line_too() {
    let t = Template::from_json(
        json!({
            "apiVersion": "scaffolder.backstage.io/v1beta3", "kind": "Template",
            "metadata": {"name": "t"},
            "spec": {"parameters": {"required": ["name"], "properties": {
                "name": {"title": "Name", "type": "string", "pattern": "^[a-z0-9-]+$", "maxLength": 10}
            }}, "steps": []}
        })
        .as_object()
        .unwrap(),
        None,
    )
    .unwrap();
    let errors = greenroom::scaffold::task_from_values(
        &t,
        &json!({"name": "Bad Name!!!!"}),
        &Default::default(),
        Default::default(),
    )
    .unwrap_err();
    let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "Name must be at most 10 characters long.",
            "Name must match ^[a-z0-9-]+$: lower-case letters, digits and dashes only."
        ]
    );
}

fn conditional_template() -> Template {
    let doc: Json = serde_yaml::from_str(
        r#"
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: conditional}
spec:
  parameters:
    - title: Kind
      properties:
        kind: {title: Kind, type: string, enum: [service, website], default: service}
        database: {title: Database, type: boolean, default: false}
        visibility: {title: Visibility, type: string, enum: [private, public]}
      required: [kind]
      dependencies:
        database:
          oneOf:
            - properties: {database: {const: false}}
            - properties:
                database: {const: true}
                engine: {title: Engine, type: string, enum: [postgres, mysql], default: postgres, ui:help: Which engine}
              required: [engine]
        visibility:
          properties:
            reason: {title: Reason, type: string}
          required: [reason]
      allOf:
        - if: {properties: {kind: {const: website}}}
          then:
            properties:
              domain: {title: Domain, type: string, ui:placeholder: example.com}
            required: [domain]
          else:
            properties:
              port: {title: Port, type: integer, default: 8080}
    - title: Extra
      when: ${{ parameters.kind === 'website' }}
      properties:
        cdn: {title: CDN, type: boolean}
  steps: []
"#,
    )
    .unwrap();
    Template::from_json(doc.as_object().unwrap(), None).unwrap()
}

fn keys(form: &Form) -> Vec<String> {
    form.visible_fields(0)
        .into_iter()
        .map(|f| f.path.to_string())
        .collect()
}

#[test]
fn conditional_fields_appear_and_disappear() {
    let t = conditional_template();
    let mut form = Form::new(&t);
    assert_eq!(keys(&form), ["/kind", "/database", "/visibility", "/port"]);
    assert_eq!(form.value(&path("port")), Some(&json!(8080)));
    assert!(!form.page_shown(1));

    form.set(&path("database"), json!(true)).unwrap();
    assert_eq!(
        keys(&form),
        ["/kind", "/database", "/visibility", "/port", "/engine"]
    );
    let engine = form.field(&path("engine")).unwrap();
    assert_eq!(engine.help.as_deref(), Some("Which engine"));
    assert!(engine.required);
    assert_eq!(
        form.value(&path("engine")),
        Some(&json!("postgres")),
        "a field that appears gets its default"
    );

    form.set(&path("kind"), json!("website")).unwrap();
    assert_eq!(
        keys(&form),
        ["/kind", "/database", "/visibility", "/domain", "/engine"]
    );
    assert_eq!(
        form.field(&path("domain")).unwrap().placeholder.as_deref(),
        Some("example.com")
    );
    assert!(form.page_shown(1));
    assert_eq!(form.validate_page(0)[0].message, "Domain is required.");

    assert_eq!(
        form.next_page(0).unwrap_err()[0].message,
        "Domain is required."
    );
    form.set_text(&path("domain"), "shop.example.com").unwrap();
    assert_eq!(
        form.next_page(0),
        Ok(Some(1)),
        "the website page now applies"
    );
    assert_eq!(form.next_page(1), Ok(None));
    assert_eq!(form.previous_page(1), Some(0));
    form.set(&path("visibility"), json!("public")).unwrap();
    assert!(keys(&form).contains(&"/reason".to_owned()));

    form.set(&path("database"), json!(false)).unwrap();
    form.set_text(&path("domain"), "shop.example.com").unwrap();
    form.set_text(&path("reason"), "marketing").unwrap();
    assert!(!keys(&form).contains(&"/engine".to_owned()));
    // Values of fields that went away are not sent.
    assert_eq!(
        form.values(),
        json!({"kind": "website", "database": false, "visibility": "public", "domain": "shop.example.com", "reason": "marketing"})
    );
    assert!(form.validate().is_empty(), "{:?}", form.validate());
}

#[test]
fn pickers_offer_catalogue_entities_by_their_options() {
    let catalog = examples();
    let form = Form::new(&kitchen_sink());
    let picker = |p: &str| match form.field(&path(p)).unwrap().widget {
        Widget::Entity(picker) => picker,
        other => panic!("{other:?}"),
    };
    let owners = picker("ownerRef").candidates(&catalog, None, "");
    assert!(owners.iter().all(|c| c.kind == "User" || c.kind == "Group"));
    assert!(owners.iter().any(|c| c.value == "group:default/team-b"));
    let typed = picker("ownerRef").candidates(&catalog, None, "amelia");
    assert_eq!(typed[0].value, "user:default/amelia.park");
    let components = picker("relatedEntity").candidates(&catalog, None, "");
    assert!(!components.is_empty() && components.iter().all(|c| c.kind == "Component"));
    let mine = picker("ownedEntity").candidates(&catalog, Some(USER), "");
    assert!(
        mine.iter()
            .any(|c| c.value == "component:default/podcast-api"),
        "{mine:?}"
    );
    assert!(mine.iter().all(|c| {
        catalog
            .get(&c.value)
            .unwrap()
            .owner()
            .is_some_and(|o| o.contains("team-b"))
    }));
    let groups = picker("myGroups").candidates(&catalog, Some(USER), "");
    assert_eq!(
        groups.iter().map(|c| c.value.as_str()).collect::<Vec<_>>(),
        ["group:default/team-b"]
    );
    assert!(
        picker("myGroups").value_for_text("anything").is_err(),
        "MyGroupsPicker takes only listed groups"
    );
    // catalogFilter with an array of sets, array values and exists.
    let p = greenroom::scaffold::pickers::EntityPicker::from_options(
        PickerKind::Entity,
        &json!({"catalogFilter": [{"kind": "API", "spec.type": ["grpc", "openapi"]}, {"kind": "Group", "spec.profile.email": {"exists": true}}]}),
    );
    let got = p.candidates(&catalog, None, "");
    assert!(got.iter().any(|c| c.kind == "API") && got.iter().any(|c| c.kind == "Group"));
    assert!(got.iter().all(|c| {
        c.kind == "API"
            || catalog
                .get(&c.value)
                .unwrap()
                .spec()
                .unwrap()
                .get("profile")
                .and_then(|p| p.get("email"))
                .is_some()
    }));
}

#[test]
fn picker_values_and_secrets_schema_are_checked() {
    let catalog = examples();
    let strict = greenroom::scaffold::pickers::EntityPicker::from_options(
        PickerKind::Entity,
        &json!({"catalogFilter": {"kind": "Group"}, "allowArbitraryValues": false}),
    );
    assert!(strict.accepts(&catalog, None, &json!("group:default/team-b")));
    assert!(!strict.accepts(&catalog, None, &json!("group:default/nobody")));
    assert!(!strict.accepts(&catalog, None, &json!("user:default/amelia.park")));
    let t = Template::from_json(
        json!({
            "apiVersion": "scaffolder.backstage.io/v1beta3", "kind": "Template", "metadata": {"name": "s"},
            "spec": {"parameters": [], "steps": [], "secrets": {"schema": {"required": ["apiKey"]}}}
        })
        .as_object()
        .unwrap(),
        None,
    )
    .unwrap();
    let errors = greenroom::scaffold::task_from_values(
        &t,
        &json!({}),
        &Default::default(),
        Default::default(),
    )
    .unwrap_err();
    assert_eq!(errors[0].path.to_string(), "/secrets/apiKey");
    assert_eq!(errors[0].message, "Secret apiKey is required.");
    let mut secrets = greenroom::scaffold::Secrets::default();
    secrets.insert("apiKey", "k");
    assert!(
        greenroom::scaffold::task_from_values(&t, &json!({}), &secrets, Default::default()).is_ok()
    );
}
