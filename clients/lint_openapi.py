"""What generated clients stumble on, refused in openapi/openapi.json (part
of make test, through clients/check.sh): each finding names the schema
path at fault.

- a bare object (`{"type": "object"}` with no members and no
  `additionalProperties`): generators make it `Record<string, never>`;
- a non-JSON body (CSV, XLSX, SVG) typed as anything but a string;
- a header or path parameter that may be null;
- a member both optional and nullable where absent and null would mean the
  same (`Problem.errors`, which is always present).
"""

import json
import sys

doc = json.load(open(sys.argv[1] if len(sys.argv) > 1 else "openapi/openapi.json"))
findings = []


def walk(node, path):
    if isinstance(node, dict):
        t = node.get("type")
        if (
            t == "object"
            and not node.get("properties")
            and "additionalProperties" not in node
            and not any(k in node for k in ("allOf", "oneOf", "anyOf", "$ref"))
        ):
            findings.append(f"{path}: a bare object (give it members, or say which are allowed)")
        for k, v in node.items():
            walk(v, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            walk(v, f"{path}/{i}")


walk(doc, "#")

for route, operations in doc["paths"].items():
    for method, op in operations.items():
        if not isinstance(op, dict):
            continue
        where = f"{method.upper()} {route}"
        for p in op.get("parameters", []):
            kinds = p.get("schema", {}).get("type")
            if p["in"] in ("header", "path") and isinstance(kinds, list) and "null" in kinds:
                findings.append(f"{where}: parameter {p['name']} may be null")
        for status, r in op.get("responses", {}).items():
            for media, c in (r.get("content") or {}).items():
                if "json" in media:
                    continue
                schema = c.get("schema", {})
                if "$ref" in schema:
                    schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
                if schema.get("type") != "string":
                    findings.append(f"{where} {status} {media}: a non-JSON body must be a string")

problem = doc["components"]["schemas"]["Problem"]
if "errors" not in problem.get("required", []):
    findings.append("#/components/schemas/Problem/errors: must always be present")

for f in findings:
    print(f"openapi: {f}")
sys.exit(1 if findings else 0)
