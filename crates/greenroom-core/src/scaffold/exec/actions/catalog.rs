//! `catalog:write` (a descriptor file in the workspace) and `catalog:register`, which locally
//! means: read the descriptor this run created and hand its entities to the open catalogue.

use super::ActionContext;
use crate::scaffold::exec::Registration;
use crate::scaffold::yaml_out;
use serde_json::{Value as Json, json};

pub fn write(ctx: &mut ActionContext) -> Result<(), String> {
    let Some(Json::Object(entity)) = ctx.input.get("entity") else {
        return Err(
            "Invalid input passed to action, requires property \"entity\" (an object)".into(),
        );
    };
    let mut entity = entity.clone();
    let path = ctx
        .str_input("filePath")
        .unwrap_or("catalog-info.yaml")
        .to_owned();
    if !ctx.template_ref.is_empty() {
        let metadata = entity.entry("metadata").or_insert_with(|| json!({}));
        if let Json::Object(meta) = metadata {
            let annotations = meta.entry("annotations").or_insert_with(|| json!({}));
            if let Json::Object(a) = annotations {
                a.insert(
                    "backstage.io/source-template".into(),
                    json!(ctx.template_ref),
                );
            }
        }
    }
    ctx.log(format!("Writing {path}"));
    ctx.workspace.write(
        &path,
        yaml_out::to_yaml(&Json::Object(entity)).as_bytes(),
        false,
    )?;
    Ok(())
}

/// The ref `catalog:register` reports: the first non-generated Component, else the first
/// non-generated entity, else the first.
fn chosen_ref(entities: &[Json]) -> Option<String> {
    let name = |e: &Json| {
        e.pointer("/metadata/name")
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let pick = entities
        .iter()
        .find(|e| {
            !name(e).starts_with("generated-")
                && e.get("kind").and_then(Json::as_str) == Some("Component")
        })
        .or_else(|| entities.iter().find(|e| !name(e).starts_with("generated-")))
        .or_else(|| entities.first())?;
    let kind = pick.get("kind").and_then(Json::as_str)?.to_lowercase();
    let namespace = pick
        .pointer("/metadata/namespace")
        .and_then(Json::as_str)
        .unwrap_or("default");
    Some(format!("{kind}:{namespace}/{}", name(pick)))
}

pub fn register(ctx: &mut ActionContext) -> Result<(), String> {
    let url = match (
        ctx.str_input("catalogInfoUrl"),
        ctx.str_input("repoContentsUrl"),
    ) {
        (Some(u), _) => u.to_owned(),
        (None, Some(base)) => {
            let path = ctx
                .str_input("catalogInfoPath")
                .unwrap_or("/catalog-info.yaml");
            format!(
                "{}/{}",
                base.trim_end_matches('/'),
                path.trim_start_matches('/')
            )
        }
        (None, None) => {
            return Err(
                "Invalid input passed to action, requires catalogInfoUrl or repoContentsUrl".into(),
            );
        }
    };
    let optional = ctx.bool_input("optional");
    ctx.log(format!("Registering {url} in the catalog"));
    let rel = url.strip_prefix("file://").and_then(|p| {
        let target = ctx.target?.to_string_lossy().into_owned();
        let rest = p.strip_prefix(target.as_str())?;
        (rest.is_empty() || rest.starts_with('/')).then(|| rest.trim_start_matches('/').to_owned())
    });
    let Some(rel) = rel else {
        let why = format!(
            "catalog:register runs locally and can register only descriptors this run creates; {url} is not one (publish the repository with a publish:* step first)"
        );
        if optional {
            ctx.log(format!("{why}; skipped because the step is optional"));
            ctx.output("catalogInfoUrl", json!(url));
            return Ok(());
        }
        return Err(why);
    };
    let path = ctx.workspace.resolve(&rel)?;
    let text = std::fs::read_to_string(&path).map_err(|e| format!("reading {rel}: {e}"))?;
    let mut entities = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(&text) {
        let value: Json =
            serde::Deserialize::deserialize(doc).map_err(|e| format!("{rel}: {e}"))?;
        if value.is_object() {
            entities.push(value);
        }
    }
    let entity_ref = chosen_ref(&entities);
    if let Some(r) = &entity_ref {
        ctx.output("entityRef", json!(r));
    }
    ctx.output("catalogInfoUrl", json!(url));
    ctx.log(format!(
        "catalog:register runs locally: {} will be added to the open catalogue; nothing was sent to a Backstage server",
        entity_ref.as_deref().unwrap_or("the new entity")
    ));
    ctx.registrations.push(Registration {
        catalog_info: rel.into(),
        entities,
        entity_ref,
    });
    Ok(())
}
