//! AsyncAPI 2 and 3, YAML or JSON, as a tree: servers, channels → operations (publish /
//! subscribe in 2, send / receive in 3) → messages → headers and payload schemas, then the
//! named messages and schemas. A channel copies as its address.

use super::openapi::read;
use super::schema::{Resolver, line_of, ref_name, str_at, text};
use super::{ApiTree, Format, Node, Role, first_line};
use crate::yaml::Node as Y;

pub fn parse(source: &str) -> ApiTree {
    let root = match read(source, Format::AsyncApi) {
        Ok(r) => r,
        Err(t) => return t,
    };
    let mut tree = ApiTree::empty(Format::AsyncApi);
    tree.title = root.at(&["info", "title"]).and_then(text);
    tree.version = root.at(&["info", "version"]).and_then(text);
    let v3 = root
        .get("asyncapi")
        .and_then(text)
        .is_some_and(|v| v.starts_with('3'));
    let mut r = Resolver::new(&root);

    if let Some(servers) = root.get("servers").and_then(Y::as_map) {
        let mut group = Node {
            folded: true,
            ..Node::new(Role::Group, "Servers")
        }
        .detail(servers.len().to_string());
        for (k, s) in servers {
            let (s, _) = r.deref(s);
            let url = str_at(s, "url")
                .map(str::to_owned)
                .or_else(|| {
                    str_at(s, "host")
                        .map(|h| format!("{h}{}", str_at(s, "pathname").unwrap_or_default()))
                })
                .unwrap_or_default();
            let protocol = str_at(s, "protocol").unwrap_or_default();
            group.children.push(
                Node::note(k.as_str().unwrap_or_default())
                    .detail(format!("{url} ({protocol})"))
                    .line(line_of(s)),
            );
        }
        tree.nodes.push(group);
    }

    let mut channels = Node::new(Role::Group, "Channels");
    for (k, ch) in root.get("channels").and_then(Y::as_map).unwrap_or_default() {
        let id = k.as_str().unwrap_or_default();
        let (ch, _) = r.deref(ch);
        let address = if v3 {
            str_at(ch, "address").unwrap_or(id).to_owned()
        } else {
            id.to_owned()
        };
        let mut node = Node::new(Role::Type, address.clone())
            .detail(
                str_at(ch, "description")
                    .or_else(|| str_at(ch, "summary"))
                    .map(first_line)
                    .unwrap_or_default(),
            )
            .line(line_of(ch));
        node.copy = Some(address);
        if let Some(params) = ch.get("parameters").and_then(Y::as_map) {
            for (pk, p) in params {
                let (p, _) = r.deref(p);
                let mut f = match p.get("schema") {
                    Some(s) => r.field(pk.as_str().unwrap_or_default(), s, true, 1),
                    None => Node::new(Role::Field, pk.as_str().unwrap_or_default()),
                };
                f.badge = Some("param".into());
                node.children.push(f);
            }
        }
        if v3 {
            // Operations point at channels; list the ones on this channel.
            let pointer = format!("#/channels/{}", id.replace('~', "~0").replace('/', "~1"));
            for (ok, op) in root
                .get("operations")
                .and_then(Y::as_map)
                .unwrap_or_default()
            {
                let (op, _) = r.deref(op);
                if op.at(&["channel", "$ref"]).and_then(Y::as_str) != Some(pointer.as_str()) {
                    continue;
                }
                let action = str_at(op, "action").unwrap_or("?");
                let badge = match action {
                    "send" => "SEND",
                    "receive" => "RECV",
                    other => other,
                };
                let mut o = Node::new(Role::Operation, ok.as_str().unwrap_or_default())
                    .badge(badge)
                    .detail(str_at(op, "summary").map(first_line).unwrap_or_default())
                    .line(line_of(op));
                let refs = op.get("messages").and_then(Y::as_seq);
                match refs {
                    Some(list) => {
                        for m in list {
                            o.children.push(message(&mut r, m, None));
                        }
                    }
                    None => {
                        for (mk, m) in ch.get("messages").and_then(Y::as_map).unwrap_or_default() {
                            o.children.push(message(&mut r, m, mk.as_str()));
                        }
                    }
                }
                node.children.push(o);
            }
            if node.children.iter().all(|c| c.role != Role::Operation) {
                for (mk, m) in ch.get("messages").and_then(Y::as_map).unwrap_or_default() {
                    node.children.push(message(&mut r, m, mk.as_str()));
                }
            }
        } else {
            for (verb, badge) in [("publish", "PUB"), ("subscribe", "SUB")] {
                let Some(op) = ch.get(verb) else { continue };
                let label = str_at(op, "operationId").unwrap_or(verb);
                let mut o = Node::new(Role::Operation, label)
                    .badge(badge)
                    .detail(str_at(op, "summary").map(first_line).unwrap_or_default())
                    .line(line_of(op));
                if let Some(m) = op.get("message") {
                    let (resolved, _) = r.deref(m);
                    match resolved.get("oneOf").and_then(Y::as_seq) {
                        Some(variants) => {
                            for v in variants {
                                o.children.push(message(&mut r, v, None));
                            }
                        }
                        None => o.children.push(message(&mut r, m, None)),
                    }
                }
                node.children.push(o);
            }
        }
        channels.children.push(node);
    }
    channels.detail = channels.children.len().to_string();
    tree.nodes.push(channels);

    if let Some(messages) = root.at(&["components", "messages"]).and_then(Y::as_map) {
        let mut group = Node::new(Role::Group, "Messages").detail(messages.len().to_string());
        for (k, m) in messages {
            group.children.push(message(&mut r, m, k.as_str()));
        }
        tree.nodes.push(group);
    }
    if let Some(schemas) = root.at(&["components", "schemas"]).and_then(Y::as_map) {
        let mut group = Node::new(Role::Group, "Schemas").detail(schemas.len().to_string());
        for (k, s) in schemas {
            let name = k.as_str().unwrap_or_default();
            let pointer = format!("#/components/schemas/{name}");
            group.children.push(r.named(name, s, &pointer));
        }
        tree.nodes.push(group);
    }
    tree.truncated |= r.truncated;
    tree.diagnostics.append(&mut r.diagnostics);
    tree
}

/// One message: its name (from the ref, `name`, or the map key), title or summary, and its
/// headers and payload expanded. Message traits' headers are merged in.
fn message<'a>(r: &mut Resolver<'a>, m: &'a Y, key: Option<&str>) -> Node {
    let (resolved, via) = r.deref(m);
    let name = str_at(resolved, "name")
        .map(str::to_owned)
        .or_else(|| via.as_deref().map(ref_name))
        .or_else(|| key.map(str::to_owned))
        .unwrap_or_else(|| "message".into());
    let mut node = Node::new(Role::Type, name)
        .badge("msg")
        .detail(
            str_at(resolved, "title")
                .or_else(|| str_at(resolved, "summary"))
                .map(first_line)
                .unwrap_or_default(),
        )
        .line(line_of(resolved));
    let mut headers: Vec<&'a Y> = resolved.get("headers").into_iter().collect();
    for t in resolved
        .get("traits")
        .and_then(Y::as_seq)
        .unwrap_or_default()
    {
        let (t, _) = r.deref(t);
        headers.extend(t.get("headers"));
    }
    for h in headers {
        let (h, _) = r.deref(h);
        // AsyncAPI 3 may wrap a schema in a multi-format object.
        let h = h.get("schema").unwrap_or(h);
        let mut n = Node::new(Role::Group, "headers").detail(r.type_of(h));
        n.children = r.expand(h, 1);
        node.children.push(n);
    }
    if let Some(p) = resolved.get("payload") {
        let p = p
            .get("schema")
            .filter(|_| p.get("schemaFormat").is_some())
            .unwrap_or(p);
        let mut n = Node::new(Role::Group, "payload")
            .detail(r.type_of(p))
            .line(line_of(p));
        n.children = r.expand(p, 1);
        node.children.push(n);
    }
    node
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(nodes: &[Node]) -> Vec<String> {
        nodes
            .iter()
            .map(|n| match &n.badge {
                Some(b) => format!("{b} {}", n.label),
                None => n.label.clone(),
            })
            .collect()
    }

    #[test]
    fn asyncapi_2_channels_operations_messages() {
        let text = r##"asyncapi: 2.6.0
info: {title: Orders, version: 2.3.0}
servers:
  prod: {url: "kafka:9094", protocol: kafka}
channels:
  orders.v1:
    description: Order events
    publish:
      operationId: publishOrder
      message:
        oneOf:
          - $ref: '#/components/messages/Created'
          - $ref: '#/components/messages/Paid'
components:
  messageTraits:
    Envelope:
      headers: {type: object, properties: {eventId: {type: string}}}
  messages:
    Created:
      title: Order created
      traits: [{$ref: '#/components/messageTraits/Envelope'}]
      payload: {$ref: '#/components/schemas/Order'}
    Paid:
      payload: {type: object, properties: {orderId: {type: string}}}
  schemas:
    Order:
      type: object
      properties:
        id: {type: string}
        previous: {$ref: '#/components/schemas/Order'}
"##;
        let t = parse(text);
        assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);
        assert_eq!(t.title.as_deref(), Some("Orders"));
        assert_eq!(
            labels(&t.nodes),
            ["Servers", "Channels", "Messages", "Schemas"]
        );
        let ch = &t.nodes[1].children[0];
        assert_eq!(ch.label, "orders.v1");
        assert_eq!(ch.copy.as_deref(), Some("orders.v1"));
        let op = &ch.children[0];
        assert_eq!(op.badge.as_deref(), Some("PUB"));
        assert_eq!(labels(&op.children), ["msg Created", "msg Paid"]);
        let created = &op.children[0];
        assert_eq!(labels(&created.children), ["headers", "payload"]);
        assert_eq!(created.children[1].detail, "Order");
        let payload = &created.children[1].children;
        assert_eq!(labels(payload), ["id", "previous"]);
        assert!(payload[1].children[0].label.contains("↻ Order"));
    }

    #[test]
    fn asyncapi_3_operations_point_at_channels() {
        let text = r##"asyncapi: 3.0.0
info: {title: Lights, version: 1.0.0}
channels:
  lightMeasured:
    address: smartylighting.streetlights.1.0.event.{id}.lighting.measured
    parameters:
      id: {description: The street light}
    messages:
      lightMeasured: {$ref: '#/components/messages/lightMeasured'}
operations:
  receiveLight:
    action: receive
    channel: {$ref: '#/channels/lightMeasured'}
    messages: [{$ref: '#/channels/lightMeasured/messages/lightMeasured'}]
components:
  messages:
    lightMeasured:
      name: lightMeasured
      payload: {type: object, properties: {lumens: {type: integer, minimum: 0}}}
"##;
        let t = parse(text);
        assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);
        let ch = &t.nodes[0].children[0];
        assert!(ch.label.starts_with("smartylighting"));
        assert_eq!(labels(&ch.children), ["param id", "RECV receiveLight"]);
        let msg = &ch.children[1].children[0];
        assert_eq!(msg.label, "lightMeasured");
        assert_eq!(msg.children[0].children[0].label, "lumens");
    }

    #[test]
    fn broken_asyncapi_is_located() {
        let t = parse("asyncapi: 2.0.0\nchannels:\n  a: {b: [}\n");
        assert!(t.nodes.is_empty());
        assert_eq!(t.diagnostics[0].line, 3);
    }
}
