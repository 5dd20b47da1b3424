#!/usr/bin/env bash
# Rebuilds the seed corpora in fuzz/corpus/<target>/ from tests/fixtures and demo/ (small files
# only, so the repository stays small). Run from anywhere; it replaces only the seed_* files,
# so corpus entries added by hand (or minimised from a fuzzing run) stay.
set -euo pipefail
cd "$(dirname "$0")/.."
C=fuzz/corpus
for t in yaml catalog render template search status config; do
  mkdir -p "$C/$t"
  rm -f "$C/$t"/seed_*
done

# yaml: descriptors, an OpenAPI definition, a template, hand-written corner cases.
n=0
for f in demo/catalog-info.yaml demo/components/checkout-service/catalog-info.yaml \
         demo/apis/checkout-api/catalog-info.yaml demo/apis/checkout-api/openapi.yaml \
         demo/org/people-leadership.yaml demo/templates/techdocs-site/template.yaml \
         tests/fixtures/backstage-examples/examples/all.yaml \
         tests/fixtures/backstage-examples/examples/all-components.yaml; do
  n=$((n + 1)); cp "$f" "$C/yaml/seed_$n.yaml"
done
printf 'a: &a [1, &b two, {k: &c v}]\nb: *a\nc: *b\n? &k [x, y]\n: *k\nd: *c\n' > "$C/yaml/seed_anchors.yaml"
printf '%%YAML 1.2\n---\na: 1\n...\n---\nb: [unclosed\n---\nc: !!int "3"\nd: !!str 4\ne: !custom x\n' > "$C/yaml/seed_documents.yaml"
printf 'x0: &x0 [a, a, a, a]\nx1: &x1 [*x0, *x0, *x0, *x0]\nx2: &x2 [*x1, *x1, *x1, *x1]\n' > "$C/yaml/seed_aliases.yaml"
printf 'bomb: &a0 [&a1 [&a2 [&a3 [x, x, x, x]]]]\nflow: {a: [b, {c: d}], "q": '"'"'s'"'"'}\nblock: |\n  text\n  more\nfolded: >-\n  one\n  two\n' > "$C/yaml/seed_styles.yaml"

# catalog: small trees in the archive format (`#=== path` starts a file; see MemFs).
archive() { # out, then files relative to a root dir: root file...
  local out=$1 root=$2; shift 2
  : > "$out"
  for f in "$@"; do printf '#=== %s\n' "$f" >> "$out"; cat "$root/$f" >> "$out"; done
}
archive "$C/catalog/seed_examples" tests/fixtures/backstage-examples/examples \
  all.yaml all-apis.yaml all-components.yaml all-domains.yaml all-systems.yaml \
  all-resources.yaml acme-corp.yaml
sed -i '1s/.*/#=== catalog-info.yaml/' "$C/catalog/seed_examples"
{
  printf 'apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: root\nspec:\n  targets: [./apis/checkout-api/catalog-info.yaml, ./components/*/catalog-info.yaml, ./missing.yaml]\n'
  printf '#=== apis/checkout-api/catalog-info.yaml\n'; cat demo/apis/checkout-api/catalog-info.yaml
  printf '#=== apis/checkout-api/openapi.yaml\n'; head -c 1500 demo/apis/checkout-api/openapi.yaml
  printf '#=== components/checkout-service/catalog-info.yaml\n'; cat demo/components/checkout-service/catalog-info.yaml
} > "$C/catalog/seed_demo"
{
  printf '/walk: a leading slash loads the whole tree\n'
  printf '#=== a/catalog-info.yaml\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: a\n  annotations:\n    github.com/project-slug: encore/a\n    prometheus.io/rule: "rate(x[5m])|job,instance"\n    pagerduty.com/service-id: P123\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n  providesApis: [a-api]\n'
  printf '#=== a/api.yaml\nopenapi: 3.0.0\n'
  printf '#=== b/catalog-info.yaml\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: a-api\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition:\n    $text: ../a/api.yaml\n---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\nspec:\n  type: team\n  children: []\n  profile: {displayName: {$json: ./x.json}}\n---\nkind: Location\napiVersion: backstage.io/v1alpha1\nmetadata: {name: loop}\nspec: {target: ../catalog-info.yaml}\n'
  printf '#=== b/x.json\n"Team A"\n'
} > "$C/catalog/seed_walk"

# render: expressions as the demo and Backstage's samples use them (first byte: options).
r=0
while IFS= read -r line; do
  r=$((r + 1)); printf '\0%s' "$line" > "$C/render/seed_$r"
done <<'LINES'
${{ parameters.name }}
${{ parameters.repoUrl | parseRepoUrl }}
${{ parameters.owner | parseEntityRef | pick('name') }}
${{ parameters.tags | join(',') }}-${{ parameters.count + 1 }}
${{ parameters.flag === true and parameters.count !== 2 }}
{% if parameters.flag %}yes{% else %}no{% endif %} ${{ parameters.nested.y[1] }}
{% for t in parameters.tags %}${{ loop.index }}:${{ t | upper }}{% endfor %}
${{ steps['fetch'].output.path }} ${{ user.entity.metadata.name }}
${{ parameters.repoUrl | projectSlug }} ${{ parameters | dump }}
{{ not an expression }} ${{ 'a' ~ "b" }} {# comment #}
${{ parameters.missing }}
LINES
printf '\1{{ cookiecutter.name }} ${{ parameters.name }}' > "$C/render/seed_cookiecutter"
printf '\0{"a": "${{ parameters.name }}", "b": ["${{ parameters.count }}", "${{ parameters.missing }}"]}' > "$C/render/seed_tree"

# template: Templates from the demo and Backstage's samples; one with values.
t=0
for f in demo/templates/techdocs-site/template.yaml demo/templates/typescript-library/template.yaml \
         tests/fixtures/templates/backstage-repo-sample-templates/conditional-output-demo/template.yaml \
         tests/fixtures/templates/backstage-repo-sample-templates/conditional-parameters-demo/template.yaml; do
  t=$((t + 1)); cp "$f" "$C/template/seed_$t.yaml"
done
cat > "$C/template/seed_values.yaml" <<'YAML'
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: small
spec:
  owner: group:default/platform
  type: service
  parameters:
    - title: Name
      required: [name]
      properties:
        name: {type: string, pattern: '^[a-z-]+$', maxLength: 20}
        count: {type: integer, minimum: 1, default: 2}
        kind: {type: string, enum: [a, b], default: a}
        tags: {type: array, items: {type: string}, uniqueItems: true}
  steps:
    - id: log
      name: Log
      action: debug:log
      input:
        message: 'Hello ${{ parameters.name }} x${{ parameters.count }}'
    - id: write
      name: Write
      action: catalog:write
      input:
        entity:
          apiVersion: backstage.io/v1alpha1
          kind: Component
          metadata: {name: '${{ parameters.name }}'}
          spec: {type: service, owner: me, lifecycle: experimental}
    - id: mv
      action: fs:rename
      if: ${{ parameters.kind === 'b' }}
      input:
        files: [{from: catalog-info.yaml, to: x/../y.yaml}]
  output:
    links: [{title: Repo, url: 'https://example.com/${{ parameters.name }}'}]
---
name: checkout
count: 3
tags: [a, b]
YAML

# search: the query language.
s=0
while IFS= read -r line; do
  s=$((s + 1)); printf '%s' "$line" > "$C/search/seed_$s"
done <<'LINES'
checkout
owner:payments -lifecycle:deprecated api
kind:component type:service "payment gateway"
tag:kafka system:ticketing domain:commerce ns:default
-kind:user -kind:group pay
k:api lifecycle:production,experimental
"unclosed phrase
owner: -: "" - kind:
LINES

# status: first byte picks the parser (see fuzzing::status), the rest is a recorded payload.
S=tests/fixtures/status
st() { printf "\\$(printf '%03o' "$1")" > "$C/status/seed_$2"; cat "$S/$3" >> "$C/status/seed_$2"; }
st 0 argocd argocd-application.json
st 0 argocd-list argocd-applications-list.json
st 1 kubernetes kubernetes-deployments-list.json
st 2 prometheus-matrix prometheus-query-range-matrix.json
st 2 prometheus-vector prometheus-query-vector.json
st 2 prometheus-scalar prometheus-query-scalar.json
st 2 prometheus-error prometheus-error-bad-data-400.json
st 3 prometheus-alerts prometheus-alerts.json
st 4 pagerduty-oncalls pagerduty-oncalls-include-users.json
st 4 pagerduty-service pagerduty-service.json
st 5 health-details spring-actuator-health-up-details.json
st 5 health-down spring-actuator-health-down.json
st 6 github github-actions-runs.json
st 7 gitlab gitlab-pipelines.json
# Bytes that are not JSON generate a value structure-first.
printf '\3\7\1\2\3\4\5\6\7\10\11\12\13\14\15\16\17\20' > "$C/status/seed_generated"

# config: first byte 0 config.toml, 1 keymap.toml, 2 a theme file.
printf '\0' > "$C/config/seed_config"
sed -n '/^```toml$/,/^```$/p' README.md | sed -n '2,/^```$/p' | sed '$d' >> "$C/config/seed_config"
k=0
for f in keymaps/*.toml; do k=$((k + 1)); { printf '\1'; cat "$f"; } > "$C/config/seed_keymap_$k"; done
printf '\1inherits = "vim"\n[global]\n"ctrl-q" = "app.quit"\n"q" = "none"\n"ctrl-h" = "app.help"\n"g g g" = "list.top"\n' > "$C/config/seed_keymap_user"
k=0
for f in themes/*.toml; do k=$((k + 1)); { printf '\2'; cat "$f"; } > "$C/config/seed_theme_$k"; done
printf '\2inherits = "light"\n[roles]\naccent = "#ff8800"\nmuted = "@244"\nerror = { fg = "red", bg = "#000000", bold = true }\nnope = "blue"\n' > "$C/config/seed_theme_user"

du -sh fuzz/corpus
