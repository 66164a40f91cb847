#!/usr/bin/env python3
"""Builds the Kuma conformance corpus from Kuma's public sources.

Reads two bare git mirrors (read-only) and writes, deterministically,
src/test/resources/kuma/ next to this script:

  <type>/docs-<page>-<hash>.yaml   universal YAML examples of Kuma's docs (kuma-website app/_src),
                                   every Kuma release the docs render (2.2.x .. 2.14.x)
  <type>/valid-<entry>.yaml        valid cases of Kuma's validator tests (v2.14.3)
  <type>/invalid-<entry>.yaml      invalid cases, Kuma's expected violations as comments
  schemas/<Type>.rest.yaml         Kuma's OpenAPI schema (rest.yaml) of each policy type
  SOURCES.md                       the commits read

Each document starts with comment lines: where it came from, then '# expect: valid|invalid',
then, where it applies, '# kuma-violation: <field>: <message>' (Kuma's expected violations),
'# rest-schema: <path>: <problem>' (Kuma's REST schema refuses a document its validator test
accepts: the REST path is the reference, so the document is expected invalid),
'# kuma-refuses: <why>' (a docs example Kuma 2.14.3 itself refuses, see KUMA_REFUSES) and
'# excluded: <why>' (kept out of the measure; none at present).

Usage: python3 extract.py [--kuma DIR] [--website DIR]
Needs python3 and PyYAML; reads git objects with `git show`, writes nothing else.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap

import yaml

KUMA_DEFAULT = "/work/.mirror/kumahq+kuma/repo"
WEBSITE_DEFAULT = "/work/.mirror/kumahq+kuma-website/repo"
KUMA_REF = "v2.14.3"
WEBSITE_REF = "HEAD"

# The resource types Chronomesh supports (mesh-model ResourceType and Policies), and the
# directory of each policy type in Kuma.
POLICIES = [
    "MeshTimeout",
    "MeshRetry",
    "MeshCircuitBreaker",
    "MeshHealthCheck",
    "MeshLoadBalancingStrategy",
    "MeshHTTPRoute",
    "MeshTCPRoute",
    "MeshFaultInjection",
    "MeshRateLimit",
    "MeshProxyPatch",
    "MeshTrafficPermission",
    "MeshTLS",
]
CORE = ["Mesh", "Dataplane", "MeshService", "MeshTrust", "MeshIdentity"]
TYPES = CORE + POLICIES
CORE_TESTS = {
    "Mesh": "pkg/core/resources/apis/mesh/mesh_validator_test.go",
    "Dataplane": "pkg/core/resources/apis/mesh/dataplane_validator_test.go",
    "MeshService": "pkg/core/resources/apis/meshservice/api/v1alpha1/validator_test.go",
}
# Core types whose validator test reads every case of a folder (test.EntriesForFolder): a
# <case>.input.yaml spec, its violations in <case>.golden.yaml when Kuma finds any.
FOLDER_TESTS = {
    "MeshTrust": "pkg/core/resources/apis/meshtrust/api/v1alpha1/testdata/spec/",
    "MeshIdentity": "pkg/core/resources/apis/meshidentity/api/v1alpha1/testdata/spec/",
}
# Core types with an OpenAPI schema of their own (Mesh and Dataplane have none in Kuma).
REST_SCHEMAS = {
    "MeshService": "pkg/core/resources/apis/meshservice/api/v1alpha1/rest.yaml",
    "MeshTrust": "pkg/core/resources/apis/meshtrust/api/v1alpha1/rest.yaml",
    "MeshIdentity": "pkg/core/resources/apis/meshidentity/api/v1alpha1/rest.yaml",
}
# The releases the docs are rendered for: Kuma's released docs up to the reference version.
RELEASES = [(2, m) for m in range(2, 15)]
META = ("type", "name", "mesh", "labels", "creationTime", "modificationTime")

# Docs examples that Kuma 2.14.3 itself refuses (older or mistaken examples), found by reading
# Kuma's validators; each is expected invalid, with the reason as '# kuma-refuses:'.
GATEWAY_FROM = (
    "top-level Mesh/MeshSubset without proxyTypes includes gateways, and then 'from' must not be "
    "defined (api/common/v1alpha1/targetref.go IncludesGateways; the policy's validateFrom)"
)
MESH_NAME = (
    "'name' with kind Mesh: \"using name with kind Mesh is not yet supported\" "
    "(pkg/core/resources/apis/mesh/validators.go ValidateTargetRef)"
)
NO_MESH = (
    "a mesh-scoped resource without 'mesh': Kuma's PUT refuses it (\"mesh from the URL has to be "
    "the same as in body\", pkg/api-server/resource_endpoints.go validateResourceRequest), "
    "kumactl apply too (\"mesh: cannot be empty\"); the page shows only the spec's shape"
)
KUMA_REFUSES = {
    "meshfaultinjection/docs-meshfaultinjection-0344ada3": GATEWAY_FROM,
    "meshfaultinjection/docs-meshfaultinjection-c112090f": GATEWAY_FROM,
    "meshfaultinjection/docs-meshfaultinjection-1de4bcde": GATEWAY_FROM + "; " + MESH_NAME,
    "meshfaultinjection/docs-meshfaultinjection-9ba200a5": MESH_NAME,
    "meshfaultinjection/docs-meshfaultinjection-a71b4046": MESH_NAME,
    "meshratelimit/docs-meshratelimit-93ff52d0": GATEWAY_FROM,
    "meshratelimit/docs-meshratelimit-e5ce9019": GATEWAY_FROM,
    "meshretry/docs-meshretry-c1802287": (
        "'tags' with kind Dataplane is a disallowed field "
        "(pkg/core/resources/apis/mesh/validators.go ValidateTargetRef)"
    ),
    "meshretry/docs-meshretry-e39f6361": (
        "'tags' with kind Dataplane is a disallowed field "
        "(pkg/core/resources/apis/mesh/validators.go ValidateTargetRef)"
    ),
    "meshservice/docs-introduction-e1f277d1": NO_MESH,
    "meshservice/docs-meshservice-2de1739b": NO_MESH,
    "mesh/docs-secrets-006541d2": (
        "the example writes 'config' instead of 'conf': Kuma's universal parser drops the unknown"
        " field and its provided CA manager then refuses a backend without conf"
        " (pkg/plugins/ca/provided/manager.go ValidateBackend)"
    ),
    "mesh/docs-mutual-tls-e1762142": (
        "the example elides its base64 certificate and key ('...'), which Kuma's parser refuses"
        " as bytes (DataSource.inline)"
    ),
    "dataplane/docs-dpp-on-universal-832b625d": (
        "a Dataplane without networking.address (pkg/core/resources/apis/mesh/"
        "dataplane_validator.go: address can't be empty); the page shows only the admin port"
    ),
}

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "src", "test", "resources", "kuma")


def git(repo, *args):
    return subprocess.run(
        ["git", "-C", repo] + list(args), check=True, capture_output=True, text=True
    ).stdout


def show(repo, ref, path):
    return git(repo, "show", f"{ref}:{path}")


def rel(v):
    return f"{v[0]}.{v[1]}.x"


# ---------------------------------------------------------------- YAML helpers


class Dumper(yaml.SafeDumper):
    pass


def _str(dumper, data):
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


Dumper.add_representer(str, _str)


def dump(doc):
    return yaml.dump(doc, Dumper=Dumper, sort_keys=False, default_flow_style=False, width=1000)


def canonical(doc):
    return json.dumps(doc, sort_keys=True, default=str)


def short_hash(doc):
    return hashlib.sha1(canonical(doc).encode()).hexdigest()[:8]


def slug(text, limit=60):
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s[:limit].rstrip("-") or "case"


def load_all(text):
    try:
        return [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError:
        return None


# ---------------------------------------------------------------- Kuma's REST schema


def rest_schema(kuma, type_name):
    path = REST_SCHEMAS.get(type_name, f"pkg/plugins/policies/{type_name.lower()}/api/v1alpha1/rest.yaml")
    text = show(kuma, KUMA_REF, path)
    return path, text, yaml.safe_load(text)["components"]["schemas"][type_name + "Item"]


def schema_problems(schema, value, path, out):
    """The problems Kuma's REST schema finds in value: types, enums, required, ranges, patterns."""
    if schema is None:
        return
    if value is None:
        return
    for key in ("oneOf", "anyOf"):
        if key in schema:
            if not any(not problems_of(s, value, path) for s in schema[key]):
                out.append((path, f"matches none of {key}"))
    if schema.get("x-kubernetes-int-or-string"):
        if not (isinstance(value, (int, str)) and not isinstance(value, bool)):
            out.append((path, "must be an integer or a string"))
        return
    t = schema.get("type")
    ok = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
    }
    if t in ok and not ok[t](value):
        out.append((path, f"must be of type {t}"))
        return
    if "enum" in schema and value not in schema["enum"]:
        out.append((path, f"must be one of {schema['enum']}"))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            out.append((path, f"must be >= {schema['minimum']}"))
        if "maximum" in schema and value > schema["maximum"]:
            out.append((path, f"must be <= {schema['maximum']}"))
    if isinstance(value, str):
        if "pattern" in schema:
            try:
                if not re.search(schema["pattern"], value):
                    out.append((path, f"must match {schema['pattern']}"))
            except re.error:
                pass
        if "minLength" in schema and len(value) < schema["minLength"]:
            out.append((path, f"must have at least {schema['minLength']} characters"))
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            out.append((path, f"must have at least {schema['minItems']} items"))
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            out.append((path, f"must have at most {schema['maxItems']} items"))
        for i, item in enumerate(value):
            schema_problems(schema.get("items"), item, f"{path}[{i}]", out)
    if isinstance(value, dict):
        for req in schema.get("required", []):
            if value.get(req) is None:
                out.append((f"{path}.{req}" if path else req, "is required"))
        props = schema.get("properties", {})
        for k, v in value.items():
            p = f"{path}.{k}" if path else str(k)
            if k in props:
                schema_problems(props[k], v, p, out)
            elif isinstance(schema.get("additionalProperties"), dict):
                schema_problems(schema["additionalProperties"], v, p, out)


def problems_of(schema, value, path):
    out = []
    schema_problems(schema, value, path, out)
    return out


# ---------------------------------------------------------------- documents


class Corpus:
    def __init__(self, schemas):
        self.schemas = schemas
        self.docs = {}  # file id -> entry
        self.by_content = {}  # (type, canonical) -> file id

    def add(self, type_name, doc, origin, expect, violations=(), base=None):
        """Adds doc; identical documents from the docs are kept once, with every origin."""
        key = (type_name, canonical(doc), expect)
        if key in self.by_content:
            entry = self.docs[self.by_content[key]]
            if origin not in entry["origins"]:
                entry["origins"].append(origin)
            return
        directory = type_name.lower()
        name = base or f"docs-{short_hash(doc)}"
        fid = f"{directory}/{name}"
        n = 2
        while fid in self.docs:
            fid = f"{directory}/{name}-{n}"
            n += 1
        self.docs[fid] = {
            "type": type_name,
            "doc": doc,
            "origins": [origin],
            "expect": expect,
            "violations": list(violations),
        }
        self.by_content[key] = fid

    def write(self):
        """Writes every document; returns type -> [expected valid, expected invalid, excluded]."""
        counts = {}
        for fid, e in sorted(self.docs.items()):
            doc = e["doc"]
            lines = [f"# {o}" for o in e["origins"]]
            expect = e["expect"]
            rest = []
            if e["type"] in self.schemas:
                rest = problems_of(self.schemas[e["type"]], doc, "")
            if expect == "valid" and rest:
                expect = "invalid"
                lines += [f"# rest-schema: {p}: {m}" for p, m in rest]
            if expect == "valid" and fid in KUMA_REFUSES:
                expect = "invalid"
                lines.append(f"# kuma-refuses: {KUMA_REFUSES[fid]}")
            lines.append(f"# expect: {expect}")
            lines += [f"# kuma-violation: {f}: {m}" for f, m in e["violations"]]
            excluded = any(line.startswith("# excluded:") for line in lines)
            slot = 2 if excluded else (0 if expect == "valid" else 1)
            counts.setdefault(e["type"], [0, 0, 0])[slot] += 1
            path = os.path.join(OUT, fid + ".yaml")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write("\n".join(lines) + "\n" + dump(doc))
        return counts


# ---------------------------------------------------------------- Kuma's docs


IF_RE = re.compile(r"\{%-?\s*(if_version\b[^%]*|endif_version)\s*-?%\}")


def version_of(text):
    m = re.match(r"(\d+)\.(\d+)\.x", text.strip())
    return (int(m.group(1)), int(m.group(2))) if m else None


def holds(condition, release):
    for arg in condition.split()[1:]:
        if ":" not in arg:
            continue
        op, val = arg.split(":", 1)
        if op == "inline":
            continue
        v = version_of(val)
        if v is None:
            continue
        if op == "gte" and not release >= v:
            return False
        if op == "lte" and not release <= v:
            return False
        if op == "eq" and release != v:
            return False
        if op == "gt" and not release > v:
            return False
        if op == "lt" and not release < v:
            return False
    return True


def render(text, release):
    """The page as Kuma's docs show it for release: if_version blocks resolved."""
    out = []
    stack = [True]
    pos = 0
    # `gte: 2.6.x` (a space after the colon) occurs once in the docs: normalize it.
    text = re.sub(r"(gte|lte|eq):\s+(\d)", r"\1:\2", text)
    for m in IF_RE.finditer(text):
        if all(stack):
            out.append(text[pos : m.start()])
        tag = m.group(1).strip()
        if tag == "endif_version":
            if len(stack) > 1:
                stack.pop()
        else:
            stack.append(holds(tag, release))
        pos = m.end()
    if all(stack):
        out.append(text[pos:])
    return "".join(out)


def substitute(text, release):
    text = re.sub(r"\{%-?\s*(end)?raw\s*-?%\}", "", text)
    text = re.sub(r"\{\{\s*site\.mesh_namespace\s*\}\}", "kuma-system", text)
    text = re.sub(r"\{\{\s*site\.mesh_product_name\s*\}\}", "Kuma", text)
    text = re.sub(r"\{\{\s*page\.release\s*\}\}", rel(release), text)
    return text


FENCE_RE = re.compile(r"^(\s*)```([^\n`]*)\n(.*?)^\s*```", re.S | re.M)
POLICY_YAML_RE = re.compile(r"\{%\s*policy_yaml([^%]*)%\}(.*?)\{%\s*endpolicy_yaml\s*%\}", re.S)


def universal_variants(doc, use_meshservice, release):
    """What Kuma's policy_yaml tag shows in its Universal tab: the legacy form, and the
    MeshService form too with use_meshservice=true from 2.9 (jekyll-kuma-plugins policyyaml)."""
    variants = [("", transform(doc, legacy=True, path=()))]
    if use_meshservice and release >= (2, 9):
        variants.append(("MeshService form", transform(doc, legacy=False, path=())))
    return variants


def transform(node, legacy, path):
    if isinstance(node, list):
        return [transform(v, legacy, path) for v in node]
    if not isinstance(node, dict):
        return node
    if path == ("spec", "to", "targetRef") and node.get("kind") == "MeshService":
        src = node
        node = {"kind": "MeshService", "name": src.get("name")}
        if not legacy and src.get("sectionName") is not None:
            node["sectionName"] = src["sectionName"]
    elif path in (
        ("spec", "to", "rules", "default", "backendRefs"),
        ("spec", "to", "rules", "default", "filters", "requestMirror", "backendRef"),
    ) and node.get("kind") == "MeshService":
        src = node
        node = {"kind": "MeshService", "name": src.get("name")}
        if legacy:
            if "_version" in src:
                node["kind"] = "MeshServiceSubset"
            if "weight" in src:
                node["weight"] = src["weight"]
            if "_version" in src:
                node["tags"] = {"version": src["_version"]}
        else:
            if src.get("port") is not None:
                node["port"] = src["port"]
            if "weight" in src:
                node["weight"] = src["weight"]
            if "_version" in src:
                node["name"] = f"{src.get('name')}-{src['_version']}"
    return {k: transform(v, legacy, path + (k,)) for k, v in node.items()}


def _name_uni(node):
    # NameTransformer: name_uni becomes the name in Universal.
    if isinstance(node, list):
        return [_name_uni(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for k, v in node.items():
        if k == "name_kube":
            continue
        if k == "name_uni":
            out["name"] = v
            continue
        out[k] = _name_uni(v)
    return out


def yaml_candidates(block):
    """Universal documents inside a code block: the block itself when it is YAML, else YAML
    embedded in shell (heredocs, --dataplane="...", echo '...'), found from each `type:` line."""
    docs = load_all(block)
    if docs is not None and any(isinstance(d, dict) and "type" in d for d in docs):
        return [d for d in docs if isinstance(d, dict)]
    found = []
    lines = block.split("\n")
    for i, line in enumerate(lines):
        m = re.match(r"^(\s*)[\"']?type:\s*(\w+)\s*$", line)
        if not m or m.group(2) not in TYPES:
            continue
        indent = len(m.group(1))
        start = i
        while start > 0:
            prev = lines[start - 1]
            pm = re.match(r"^(\s*)[\"']?([A-Za-z]+):", prev)
            if pm and len(pm.group(1)) == indent and pm.group(2) in META:
                start -= 1
            else:
                break
        end = i + 1
        while end < len(lines):
            ln = lines[end]
            if ln.strip() == "" or re.match(r"^\s*(EOF|---)", ln):
                break
            lead = len(ln) - len(ln.lstrip())
            if lead < indent:
                break
            end += 1
        chunk = "\n".join(lines[start:end])
        chunk = re.sub(r"^(\s*)[\"']", r"\1", chunk, count=1)
        chunk = re.sub(r"[\"']\s*(\|.*)?$", "", chunk.rstrip())
        parsed = load_all(textwrap.dedent(chunk))
        if parsed and isinstance(parsed[0], dict):
            found.append(parsed[0])
    return found


def docs_examples(website, corpus):
    pages = [
        p
        for p in git(website, "ls-tree", "-r", "--name-only", WEBSITE_REF, "app/_src").split("\n")
        if p.endswith(".md")
    ]
    found = {}  # (type, canonical, page, variant) -> [doc, releases]
    for page in sorted(pages):
        source = show(website, WEBSITE_REF, page)
        if "type:" not in source:
            continue
        for release in RELEASES:
            text = substitute(render(source, release), release)
            blocks = []
            for m in POLICY_YAML_RE.finditer(text):
                params = m.group(1)
                inner = FENCE_RE.search(m.group(2))
                if inner:
                    blocks.append((inner.group(3), "use_meshservice=true" in params))
            plain = POLICY_YAML_RE.sub("", text)
            blocks += [(m.group(3), None) for m in FENCE_RE.finditer(plain)]
            for body, use_ms in blocks:
                if "{{" in body or "{%" in body:
                    continue
                for doc in yaml_candidates(body):
                    t = doc.get("type")
                    if t not in TYPES or not isinstance(doc, dict):
                        continue
                    if fragment(t, doc):
                        continue
                    variants = [("", doc)]
                    if use_ms is not None:
                        variants = [
                            (label, _name_uni(d))
                            for label, d in universal_variants(doc, use_ms, release)
                        ]
                    for label, d in variants:
                        key = (t, canonical(d), page, label)
                        found.setdefault(key, [d, []])[1].append(release)
    for (t, _, page, label), (doc, releases) in sorted(found.items(), key=lambda kv: kv[0]):
        stem = os.path.splitext(os.path.basename(page))[0]
        shown = ranges(releases)
        variant = f", {label}" if label else ""
        origin = (
            f"From Kuma's documentation (kuma-website {page}{variant}), "
            f"shown for versions: {shown}"
        )
        base = f"docs-{slug(stem, 40)}-{short_hash(doc)}"
        corpus.add(t, doc, origin, "valid", base=base)


def fragment(type_name, doc):
    """A partial document the docs show to point at one field, not an example to apply."""
    if type_name in POLICIES:
        return "spec" not in doc
    if type_name == "Dataplane":
        return "networking" not in doc
    return False


def ranges(releases):
    rs = sorted(set(releases))
    if len(rs) == len(RELEASES):
        return "all (2.2.x-2.14.x)"
    out = []
    run = [rs[0]]
    for r in rs[1:]:
        if r[1] == run[-1][1] + 1:
            run.append(r)
        else:
            out.append(run)
            run = [r]
    out.append(run)
    return ", ".join(
        rel(r[0]) if len(r) == 1 else f"{rel(r[0])}-{rel(r[-1])}" for r in out
    )


# ---------------------------------------------------------------- Kuma's validator tests

ENTRY_RE = re.compile(
    r"\b(Entry|ErrorCases?|DescribeTable|DescribeErrorCases|DescribeValidCases)\(\s*(\"(?:[^\"\\]|\\.)*\")?"
)
BACKTICK_RE = re.compile(r"`([^`]*)`", re.S)
# An entry whose case lives in testdata/<file>.input.yaml, its violations in <file>.output.yaml
# (MeshTLS's validator test).
FILE_RE = re.compile(r'\bfile:\s*"([^"]+)"')
VIOLATION_RE = re.compile(
    r"Field:\s*(\"(?:[^\"\\]|\\.)*\"|`[^`]*`),\s*Message:\s*(\"(?:[^\"\\]|\\.)*\"|`[^`]*`|[\w.]+)",
    re.S,
)
MESSAGES_GO = "pkg/core/validators/messages.go"


MESSAGES = {}  # Go constant (validators.MustBeDefined) -> its text, read from Kuma


def go_string(lit):
    if lit.startswith("`"):
        return lit[1:-1]
    if not lit.startswith('"'):
        return MESSAGES.get(lit.split(".")[-1], lit)
    return json.loads(lit)


def read_messages(kuma):
    for m in re.finditer(r"^\s+(\w+)\s+= (\"(?:[^\"\\]|\\.)*\")", show(kuma, KUMA_REF, MESSAGES_GO), re.M):
        MESSAGES[m.group(1)] = json.loads(m.group(2))


def test_entries(text):
    """(valid?, entry name, [backtick strings], [(field, message)] from Go literals) per entry."""
    marks = list(ENTRY_RE.finditer(text))
    mode = None
    entries = []
    for i, m in enumerate(marks):
        kind = m.group(1)
        name = go_string(m.group(2)) if m.group(2) else ""
        if kind == "DescribeTable":
            mode = "valid" if re.search(r"pass|valid\b", name) and "return" not in name else "invalid"
            continue
        if kind == "DescribeValidCases":
            mode = "valid"
            continue
        if kind == "DescribeErrorCases":
            mode = "invalid"
            continue
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        chunk = text[m.end() : end]
        strings = BACKTICK_RE.findall(chunk)
        violations = [(go_string(f), go_string(msg)) for f, msg in VIOLATION_RE.findall(chunk)]
        files = FILE_RE.findall(chunk)
        entries.append((mode if kind == "Entry" else "invalid", name, strings, violations, files))
    return entries


def as_document(type_name, data, name):
    """A Kuma universal document of type_name from a test's YAML (a spec, or a whole document
    whose spec fields are at the top level)."""
    if not isinstance(data, dict):
        return None
    if type_name in ("Mesh", "Dataplane"):
        doc = {"type": type_name, "name": name}
        if type_name == "Dataplane":
            doc["mesh"] = "default"
        for k, v in data.items():
            if k not in ("type",):
                doc[k] = v
        if type_name == "Mesh":
            doc.pop("mesh", None)
        return doc
    if "spec" in data and "type" in data:
        return data
    spec = {k: v for k, v in data.items() if k not in META}
    doc = {"type": type_name, "name": data.get("name", name), "mesh": data.get("mesh", "default")}
    if "labels" in data:
        doc["labels"] = data["labels"]
    doc["spec"] = spec
    return doc


def testdata_strings(kuma, test_path, files):
    """The input (then the output, when Kuma has one) of each testdata case an entry names."""
    out = []
    directory = os.path.dirname(test_path) + "/testdata/"
    listed = set(git(kuma, "ls-tree", "--name-only", KUMA_REF, directory).split("\n")) if files else set()
    for f in files:
        for suffix in (".input.yaml", ".output.yaml"):
            if directory + f + suffix in listed:
                out.append(show(kuma, KUMA_REF, directory + f + suffix))
    return out


def folder_tests(kuma, corpus):
    """The cases of the validator tests that read a folder (FOLDER_TESTS)."""
    sources = []
    for t, directory in FOLDER_TESTS.items():
        sources.append(directory)
        listed = sorted(git(kuma, "ls-tree", "--name-only", KUMA_REF, directory).split("\n"))
        for path in listed:
            if not path.endswith(".input.yaml"):
                continue
            case = os.path.basename(path)[: -len(".input.yaml")]
            spec = yaml.safe_load(show(kuma, KUMA_REF, path))
            violations = []
            golden = directory + case + ".golden.yaml"
            if golden in listed:
                for v in (yaml.safe_load(show(kuma, KUMA_REF, golden)) or {}).get("violations") or []:
                    violations.append((v.get("field"), v.get("message")))
            expect = "invalid" if violations else "valid"
            doc = {"type": t, "name": "test", "mesh": "default", "spec": spec}
            origin = f"From Kuma's validator tests (kuma {path}, {KUMA_REF})"
            corpus.add(t, doc, origin, expect, violations, base=f"{expect}-{slug(case)}")
    return sources


def validator_tests(kuma, corpus):
    sources = []
    for t in TYPES:
        if t in FOLDER_TESTS:
            continue
        if t in CORE_TESTS:
            paths = [CORE_TESTS[t]]
        else:
            d = f"pkg/plugins/policies/{t.lower()}/api/v1alpha1/"
            paths = [
                p
                for p in git(kuma, "ls-tree", "-r", "--name-only", KUMA_REF, d).split("\n")
                if re.search(r"valid\w*_test\.go$", p)
            ]
        for path in paths:
            sources.append(path)
            text = show(kuma, KUMA_REF, path)
            seen = {}
            for mode, name, strings, literal, files in test_entries(text):
                doc = None
                violations = list(literal)
                strings = list(strings) + testdata_strings(kuma, path, files)
                for s in strings:
                    parsed = load_all(textwrap.dedent(s))
                    if not parsed or not isinstance(parsed[0], dict):
                        continue
                    if "violations" in parsed[0]:
                        for v in parsed[0]["violations"] or []:
                            violations.append((v.get("field"), v.get("message")))
                    elif doc is None:
                        doc = parsed[0]
                if doc is None or mode is None:
                    continue
                # An entry of an error table that expects no violation is one Kuma accepts.
                expect = "invalid" if violations else "valid"
                base = f"{expect}-{slug(name)}"
                doc = as_document(t, doc, slug(name, 40) or "case")
                if doc is None:
                    continue
                n = seen.get(base, 0) + 1
                seen[base] = n
                if n > 1:
                    base = f"{base}-{n}"
                origin = f'From Kuma\'s validator tests (kuma {path}, {KUMA_REF}): "{name}"'
                corpus.add(t, doc, origin, expect, violations, base=base)
    return sources


# ---------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kuma", default=KUMA_DEFAULT)
    ap.add_argument("--website", default=WEBSITE_DEFAULT)
    args = ap.parse_args()

    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(os.path.join(OUT, "schemas"))

    schemas = {}
    schema_sources = []
    for t in POLICIES + list(REST_SCHEMAS):
        path, text, item = rest_schema(args.kuma, t)
        schemas[t] = item
        schema_sources.append(path)
        with open(os.path.join(OUT, "schemas", f"{t}.rest.yaml"), "w") as f:
            f.write(f"# From Kuma's OpenAPI schema (kuma {path}, {KUMA_REF})\n{text}")

    read_messages(args.kuma)
    corpus = Corpus(schemas)
    tests = validator_tests(args.kuma, corpus) + folder_tests(args.kuma, corpus)
    docs_examples(args.website, corpus)
    counts = corpus.write()

    kuma_commit = git(args.kuma, "rev-parse", KUMA_REF + "^{commit}").strip()
    site_commit = git(args.website, "rev-parse", WEBSITE_REF).strip()
    with open(os.path.join(OUT, "SOURCES.md"), "w") as f:
        f.write("# Sources of the Kuma conformance corpus\n\n")
        f.write("Generated by `kuma-conformance/extract.py`; do not edit by hand.\n\n")
        f.write(f"- kumahq/kuma `{KUMA_REF}` = commit `{kuma_commit}`\n")
        f.write(f"- kumahq/kuma-website `{WEBSITE_REF}` = commit `{site_commit}` ")
        f.write(f"(`app/_src/**/*.md`, rendered for releases {rel(RELEASES[0])}-{rel(RELEASES[-1])})\n\n")
        f.write("| type | expected valid | expected invalid | excluded |\n|---|---|---|---|\n")
        for t in TYPES:
            c = counts.get(t, [0, 0, 0])
            f.write(f"| {t} | {c[0]} | {c[1]} | {c[2]} |\n")
        f.write("\nValidator tests read:\n\n")
        for p in tests:
            f.write(f"- `{p}`\n")
        f.write("\nREST schemas read:\n\n")
        for p in schema_sources:
            f.write(f"- `{p}`\n")
    print(f"wrote {len(corpus.docs)} documents to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
