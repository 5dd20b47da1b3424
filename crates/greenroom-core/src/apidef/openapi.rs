//! OpenAPI 2 (Swagger) and 3.x, YAML or JSON, as a tree: servers, then tags → operations
//! (method and path) → parameters, request body, responses, each schema expanded with its
//! `$ref`s followed; then the named schemas. Each operation copies as a `curl` line.

use super::schema::{Resolver, line_of, ref_name, str_at, text};
use super::{ApiTree, Diagnostic, Format, Node, Role, first_line, shell_quote};
use crate::yaml::{self, Limits, Node as Y};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Reads a YAML or JSON text (JSON is YAML) into a positioned tree, or a located diagnostic.
pub(crate) fn read(text: &str, format: Format) -> Result<Y, ApiTree> {
    match yaml::parse_single(text, &Limits::default()) {
        Ok(Some(root)) if root.as_map().is_some() => Ok(root),
        Ok(Some(root)) => Err(ApiTree::failed(
            format,
            root.pos.line,
            root.pos.column,
            format!("expected a map at the top, found {}", root.type_name()),
        )),
        Ok(None) => Err(ApiTree::failed(format, 0, 0, "the definition is empty")),
        Err(e) => Err(ApiTree::failed(format, e.pos.line, e.pos.column, e.message)),
    }
}

pub fn parse(text: &str) -> ApiTree {
    let root = match read(text, Format::OpenApi) {
        Ok(r) => r,
        Err(t) => return t,
    };
    let mut tree = ApiTree::empty(Format::OpenApi);
    tree.title = root.at(&["info", "title"]).and_then(super::schema::text);
    tree.version = root.at(&["info", "version"]).and_then(super::schema::text);
    let v2 = root.get("swagger").is_some();
    if root.get("openapi").is_none() && !v2 {
        tree.diagnostics.push(Diagnostic {
            line: 1,
            column: 1,
            message: "no `openapi:` or `swagger:` version at the top; read as OpenAPI 3".into(),
        });
    }
    let mut r = Resolver::new(&root);
    let base = base_url(&root, v2);

    if let Some(servers) = servers(&root, v2) {
        tree.nodes.push(servers);
    }

    // Tags in the order the definition declares them, then any others as they appear.
    let mut tags: Vec<(String, String, Vec<Node>)> = Vec::new();
    if let Some(declared) = root.get("tags").and_then(Y::as_seq) {
        for t in declared {
            if let Some(name) = str_at(t, "name") {
                let d = str_at(t, "description").map(first_line).unwrap_or_default();
                tags.push((name.to_owned(), d, Vec::new()));
            }
        }
    }
    let mut count = 0;
    if let Some(paths) = root.get("paths").and_then(Y::as_map) {
        for (pk, item) in paths {
            let path = pk.as_str().unwrap_or_default();
            let (item, _) = r.deref(item);
            let shared = item.get("parameters");
            for (mk, op) in item.as_map().unwrap_or_default() {
                let method = mk.as_str().unwrap_or_default();
                if !METHODS.contains(&method) {
                    continue;
                }
                count += 1;
                let node = operation(&mut r, method, path, op, shared, &base, v2, &root);
                let tag = op
                    .get("tags")
                    .and_then(Y::as_seq)
                    .and_then(|t| t.first())
                    .and_then(Y::as_str)
                    .unwrap_or("default")
                    .to_owned();
                match tags.iter_mut().find(|(n, _, _)| *n == tag) {
                    Some((_, _, ops)) => ops.push(node),
                    None => tags.push((tag, String::new(), vec![node])),
                }
            }
        }
    }
    for (name, description, ops) in tags {
        if ops.is_empty() {
            continue;
        }
        let mut detail = format!("{} operation{}", ops.len(), plural(ops.len()));
        if !description.is_empty() {
            detail.push_str(&format!(" — {description}"));
        }
        let mut group = Node::new(Role::Group, name).detail(detail);
        group.children = ops;
        tree.nodes.push(group);
    }
    if count == 0 {
        tree.nodes.push(Node::note("no operations under `paths`"));
    }

    let (schemas, prefix) = if v2 {
        (root.get("definitions"), "#/definitions/")
    } else {
        (root.at(&["components", "schemas"]), "#/components/schemas/")
    };
    if let Some(map) = schemas.and_then(Y::as_map) {
        let mut group = Node::new(Role::Group, "Schemas")
            .detail(format!("{} schema{}", map.len(), plural(map.len())))
            .line(schemas.and_then(line_of));
        for (k, v) in map {
            let name = k.as_str().unwrap_or_default();
            let pointer = format!("{prefix}{}", name.replace('~', "~0").replace('/', "~1"));
            group.children.push(r.named(name, v, &pointer));
        }
        tree.nodes.push(group);
    }
    tree.truncated |= r.truncated;
    tree.diagnostics.append(&mut r.diagnostics);
    tree
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The first server's URL (v3), or `scheme://host/basePath` (v2); empty when none is given.
fn base_url(root: &Y, v2: bool) -> String {
    if v2 {
        let Some(host) = str_at(root, "host") else {
            return str_at(root, "basePath").unwrap_or_default().to_owned();
        };
        let scheme = root
            .get("schemes")
            .and_then(Y::as_seq)
            .and_then(|s| s.first())
            .and_then(Y::as_str)
            .unwrap_or("https");
        let base = str_at(root, "basePath").unwrap_or_default();
        return format!("{scheme}://{host}{}", base.trim_end_matches('/'));
    }
    root.get("servers")
        .and_then(Y::as_seq)
        .and_then(|s| s.first())
        .and_then(|s| str_at(s, "url"))
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_owned()
}

fn servers(root: &Y, v2: bool) -> Option<Node> {
    let mut group = Node {
        folded: true,
        ..Node::new(Role::Group, "Servers")
    };
    if v2 {
        let base = base_url(root, true);
        if base.is_empty() {
            return None;
        }
        group
            .children
            .push(Node::note(base).line(root.get("host").and_then(line_of)));
    } else {
        let list = root.get("servers").and_then(Y::as_seq)?;
        group.line = root.get("servers").and_then(line_of);
        for s in list {
            let url = str_at(s, "url").unwrap_or_default();
            let mut n = Node::note(url).line(line_of(s));
            n.detail = str_at(s, "description").map(first_line).unwrap_or_default();
            group.children.push(n);
        }
    }
    group.detail = format!("{}", group.children.len());
    Some(group)
}

/// One operation: its badge is the method, its label the path, and under it the parameters
/// (path-level ones merged in), the request body and the responses.
#[allow(clippy::too_many_arguments)]
fn operation<'a>(
    r: &mut Resolver<'a>,
    method: &str,
    path: &str,
    op: &'a Y,
    shared: Option<&'a Y>,
    base: &str,
    v2: bool,
    root: &'a Y,
) -> Node {
    let summary = str_at(op, "summary")
        .map(first_line)
        .or_else(|| str_at(op, "operationId").map(str::to_owned))
        .unwrap_or_default();
    let mut node = Node::new(Role::Operation, path)
        .badge(method.to_uppercase())
        .detail(summary)
        .line(line_of(op));
    if op.get("deprecated").and_then(text).as_deref() == Some("true") {
        node.detail = format!("(deprecated) {}", node.detail);
    }
    if let Some(id) = str_at(op, "operationId") {
        node.children.push(
            Node::note(format!("operationId {id}")).line(op.get("operationId").and_then(line_of)),
        );
    }
    if let Some(d) = str_at(op, "description") {
        for l in d.lines().map(str::trim).filter(|l| !l.is_empty()).take(6) {
            node.children.push(Node::note(l));
        }
    }

    // Parameters: the operation's own override path-level ones with the same name and place.
    let mut params: Vec<(&'a Y, &'a Y)> = Vec::new();
    for list in [shared, op.get("parameters")].into_iter().flatten() {
        for p in list.as_seq().unwrap_or_default() {
            let (resolved, _) = r.deref(p);
            let key = (str_at(resolved, "name"), str_at(resolved, "in"));
            params.retain(|(_, q)| (str_at(q, "name"), str_at(q, "in")) != key);
            params.push((p, resolved));
        }
    }
    let mut body_v2 = None;
    let mut headers = Vec::new();
    if !params.is_empty() {
        let mut group = Node::new(Role::Group, "parameters");
        for (orig, p) in &params {
            let name = str_at(p, "name").unwrap_or("?");
            let place = str_at(p, "in").unwrap_or("?");
            if v2 && place == "body" {
                body_v2 = Some(*p);
                continue;
            }
            let required = p.get("required").and_then(text).as_deref() == Some("true");
            if place == "header" && required {
                headers.push(name.to_owned());
            }
            let schema = if v2 { Some(*p) } else { p.get("schema") };
            let mut n = match schema {
                Some(s) => r.field(name, s, required, 1),
                None => Node::new(Role::Field, name),
            };
            n.badge = Some(place.to_owned());
            n.line = line_of(orig);
            if let Some(d) = str_at(p, "description").map(first_line)
                && !n.detail.contains(&d)
            {
                n.detail.push_str(&format!(" — {d}"));
            }
            if v2 && n.detail.is_empty() {
                n.detail = str_at(p, "type").unwrap_or_default().to_owned();
            }
            group.children.push(n);
        }
        group.detail = format!("{}", group.children.len());
        if !group.children.is_empty() {
            node.children.push(group);
        }
    }

    // The request body.
    let mut content_type = None;
    if let Some(body) = op.get("requestBody") {
        let (body, _) = r.deref(body);
        let required = body.get("required").and_then(text).as_deref() == Some("true");
        let mut group = Node::new(Role::Group, "request body").line(line_of(body));
        let mut types = Vec::new();
        for (ct, media) in body.get("content").and_then(Y::as_map).unwrap_or_default() {
            let ct = ct.as_str().unwrap_or_default();
            types.push(ct.to_owned());
            content_type.get_or_insert_with(|| ct.to_owned());
            group.children.push(media_node(r, ct, media));
        }
        group.detail = types.join(", ");
        if required {
            group.detail.push_str(" · required");
        }
        node.children.push(group);
    } else if let Some(p) = body_v2 {
        let mut group = Node::new(Role::Group, "request body").line(line_of(p));
        if let Some(s) = p.get("schema") {
            group.detail = r.type_of(s);
            group.children = r.expand(s, 1);
        }
        let consumes = op
            .get("consumes")
            .or_else(|| root.get("consumes"))
            .and_then(Y::as_seq)
            .and_then(|c| c.first())
            .and_then(Y::as_str)
            .unwrap_or("application/json");
        content_type = Some(consumes.to_owned());
        node.children.push(group);
    }

    // Responses, by status.
    if let Some(responses) = op.get("responses").and_then(Y::as_map) {
        let mut group = Node::new(Role::Group, "responses");
        let mut codes = Vec::new();
        for (code, resp) in responses {
            let code = text(code).unwrap_or_default();
            codes.push(code.clone());
            let (resp, _) = r.deref(resp);
            let mut n = Node::new(Role::Field, code)
                .detail(
                    str_at(resp, "description")
                        .map(first_line)
                        .unwrap_or_default(),
                )
                .line(line_of(resp));
            if v2 {
                if let Some(s) = resp.get("schema") {
                    let mut m = Node::new(Role::Type, r.type_of(s)).line(line_of(s));
                    m.children = r.expand(s, 1);
                    n.children.push(m);
                }
            } else {
                for (ct, media) in resp.get("content").and_then(Y::as_map).unwrap_or_default() {
                    n.children
                        .push(media_node(r, ct.as_str().unwrap_or_default(), media));
                }
            }
            if let Some(h) = resp.get("headers").and_then(Y::as_map) {
                for (hk, hv) in h {
                    let (hv, _) = r.deref(hv);
                    let schema = if v2 { Some(hv) } else { hv.get("schema") };
                    let name = hk.as_str().unwrap_or_default();
                    let mut f = match schema {
                        Some(s) => r.field(name, s, false, 2),
                        None => Node::new(Role::Field, name),
                    };
                    f.badge = Some("header".into());
                    n.children.push(f);
                }
            }
            group.children.push(n);
        }
        group.detail = codes.join(" ");
        node.children.push(group);
    }
    node.copy = Some(curl(method, base, path, content_type.as_deref(), &headers));
    node
}

/// One content type of a body: its schema's type and inside.
fn media_node<'a>(r: &mut Resolver<'a>, ct: &str, media: &'a Y) -> Node {
    let mut n = Node::new(Role::Type, ct).line(line_of(media));
    if let Some(s) = media.get("schema") {
        n.detail = r.type_of(s);
        if let Some(rf) = str_at(s, "$ref") {
            n.detail = ref_name(rf);
        }
        n.children = r.expand(s, 1);
    }
    n
}

/// The operation as a `curl` line a user can paste: every word shell-quoted, path
/// parameters left as `{name}` to fill in, required headers as placeholders.
pub fn curl(
    method: &str,
    base: &str,
    path: &str,
    content_type: Option<&str>,
    headers: &[String],
) -> String {
    let mut words = vec!["curl".to_owned()];
    if method != "get" {
        words.push("-X".into());
        words.push(method.to_uppercase());
    }
    words.push(shell_quote(&format!("{base}{path}")));
    for h in headers {
        words.push("-H".into());
        words.push(shell_quote(&format!("{h}: <{h}>")));
    }
    if let Some(ct) = content_type {
        words.push("-H".into());
        words.push(shell_quote(&format!("Content-Type: {ct}")));
        words.push("--data".into());
        words.push("@body.json".into());
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PETS: &str = r##"openapi: 3.0.3
info: {title: Pets, version: "1.2"}
servers: [{url: "https://pets.example/v1/"}]
tags: [{name: pets, description: "Everything about pets"}]
paths:
  /pets/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
    get:
      tags: [pets]
      summary: Find a pet
      parameters:
        - $ref: '#/components/parameters/Trace'
      responses:
        "200":
          description: The pet
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
        default: {description: Error}
    post:
      tags: [pets]
      operationId: updatePet
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Missing'}
      responses: {"204": {description: Done}}
components:
  parameters:
    Trace: {name: X-Trace, in: header, required: true, schema: {type: string}}
  schemas:
    Pet:
      type: object
      required: [name]
      properties:
        name: {type: string}
        tags: {type: array, items: {type: string}}
        parent: {$ref: '#/components/schemas/Pet'}
        owner: {$ref: '#/components/schemas/Owner'}
    Owner:
      properties:
        pets: {type: array, items: {$ref: '#/components/schemas/Pet'}}
"##;

    fn labels(nodes: &[Node]) -> Vec<String> {
        nodes
            .iter()
            .map(|n| match &n.badge {
                Some(b) => format!("{b} {}", n.label),
                None => n.label.clone(),
            })
            .collect()
    }

    fn find<'n>(nodes: &'n [Node], label: &str) -> &'n Node {
        nodes
            .iter()
            .find(|n| n.label == label)
            .unwrap_or_else(|| panic!("{label} not in {:?}", labels(nodes)))
    }

    #[test]
    fn tags_operations_parameters_and_responses() {
        let t = parse(PETS);
        assert_eq!(t.title.as_deref(), Some("Pets"));
        assert_eq!(t.version.as_deref(), Some("1.2"));
        assert_eq!(labels(&t.nodes), ["Servers", "pets", "Schemas"]);
        let pets = find(&t.nodes, "pets");
        assert_eq!(
            labels(&pets.children),
            ["GET /pets/{id}", "POST /pets/{id}"]
        );
        assert!(pets.detail.contains("Everything about pets"));
        let get = &pets.children[0];
        assert_eq!(get.detail, "Find a pet");
        assert_eq!(get.line, Some(10));
        let params = find(&get.children, "parameters");
        assert_eq!(labels(&params.children), ["path id", "header X-Trace"]);
        assert!(params.children[0].detail.contains("required"));
        let responses = find(&get.children, "responses");
        assert_eq!(responses.detail, "200 default");
        let ok = find(&responses.children, "200");
        let json = find(&ok.children, "application/json");
        assert_eq!(json.detail, "Pet");
        assert_eq!(labels(&json.children), ["name", "tags", "parent", "owner"]);
        assert_eq!(json.children[0].detail, "string · required");
        assert_eq!(json.children[1].detail, "array of string");
    }

    #[test]
    fn ref_cycles_are_cut_and_missing_refs_located() {
        let t = parse(PETS);
        let schemas = find(&t.nodes, "Schemas");
        let pet = find(&schemas.children, "Pet");
        let parent = find(&pet.children, "parent");
        assert_eq!(parent.children.len(), 1);
        assert!(parent.children[0].label.contains("↻ Pet"), "{parent:?}");
        // Pet → owner → pets → (items) Pet: cut again.
        let owner = find(&pet.children, "owner");
        let pets = find(&owner.children, "pets");
        assert!(pets.children[0].label.contains("↻ Pet"), "{pets:?}");
        let d = &t.diagnostics;
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].message.contains("#/components/schemas/Missing"));
        assert_eq!(d[0].line, 28);
    }

    #[test]
    fn operations_copy_as_curl() {
        let t = parse(PETS);
        let pets = find(&t.nodes, "pets");
        assert_eq!(
            pets.children[0].copy.as_deref(),
            Some("curl 'https://pets.example/v1/pets/{id}' -H 'X-Trace: <X-Trace>'")
        );
        assert_eq!(
            pets.children[1].copy.as_deref(),
            Some(
                "curl -X POST 'https://pets.example/v1/pets/{id}' -H 'Content-Type: application/json' --data @body.json"
            )
        );
    }

    #[test]
    fn swagger_2_in_json() {
        let text = r##"{"swagger": "2.0", "info": {"title": "Old", "version": "1"},
          "host": "old.example", "basePath": "/api", "schemes": ["http"],
          "paths": {"/things": {"post": {"parameters": [
              {"name": "body", "in": "body", "schema": {"$ref": "#/definitions/Thing"}},
              {"name": "q", "in": "query", "type": "integer"}],
            "responses": {"200": {"description": "ok", "schema": {"type": "array", "items": {"$ref": "#/definitions/Thing"}}}}}}},
          "definitions": {"Thing": {"properties": {"id": {"type": "integer", "format": "int64"}}}}}"##;
        let t = parse(text);
        assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);
        let op = &find(&t.nodes, "default").children[0];
        assert_eq!(op.badge.as_deref(), Some("POST"));
        let params = find(&op.children, "parameters");
        assert_eq!(labels(&params.children), ["query q"]);
        assert!(params.children[0].detail.starts_with("integer"));
        let body = find(&op.children, "request body");
        assert_eq!(body.detail, "Thing");
        assert_eq!(body.children[0].detail, "integer (int64)");
        let ok = find(&find(&op.children, "responses").children, "200");
        assert_eq!(ok.children[0].label, "array of Thing");
        assert!(
            op.copy
                .as_deref()
                .unwrap()
                .starts_with("curl -X POST http://old.example/api/things")
        );
    }

    #[test]
    fn malformed_yaml_is_a_located_diagnostic() {
        let t = parse("openapi: 3.0.0\npaths:\n  /a: [\n");
        assert!(t.nodes.is_empty());
        assert_eq!(t.diagnostics.len(), 1);
        assert!(t.diagnostics[0].line >= 3, "{:?}", t.diagnostics);
        let t = parse("- just\n- a list\n");
        assert!(t.diagnostics[0].message.contains("expected a map"));
        let t = parse("");
        assert!(t.diagnostics[0].message.contains("empty"));
    }

    #[test]
    fn a_ref_fan_out_is_bounded() {
        // Ten schemas, each with ten properties pointing at the next: 10^8 paths if expanded
        // naively; the depth limit and the node budget keep it small and quick.
        let mut text = String::from("openapi: 3.0.0\npaths: {}\ncomponents:\n  schemas:\n");
        for i in 0..10 {
            text.push_str(&format!("    S{i}:\n      properties:\n"));
            for p in 0..10 {
                text.push_str(&format!(
                    "        p{p}: {{$ref: '#/components/schemas/S{}'}}\n",
                    (i + 1) % 10
                ));
            }
        }
        let t = super::super::parse(Some("openapi"), &text).unwrap();
        assert!(t.count() <= crate::limits::APIDEF_NODES);
        assert!(t.truncated);
    }
}
