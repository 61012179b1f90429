"""Write docs/api-reference.md from the OpenAPI document the server serves (drf-spectacular).

    python scripts/api_reference.py          # rewrite docs/api-reference.md
    python scripts/api_reference.py --check  # exit 1 when the committed file differs

`make docs` runs the first; tests/unit/core/test_docs.py fails when the committed file is not what
this script generates, so the reference moves with the code. The rules behind the shapes are in
docs/api-guide.md.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "api-reference.md"
METHODS = ("get", "post", "put", "patch", "delete")


def schema() -> dict[str, Any]:
    """The OpenAPI document as JSON data, in English, whatever the environment's office speaks."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import orjson
    from django.utils import translation
    from drf_spectacular.generators import SchemaGenerator
    from rest_framework.utils.encoders import JSONEncoder

    with translation.override("en"):
        document = SchemaGenerator().get_schema(request=None, public=True)
        data: dict[str, Any] = orjson.loads(orjson.dumps(document, default=JSONEncoder().default))
    return data


def _cell(text: Any) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _type(prop: dict[str, Any]) -> str:
    """A short type: `integer`, `string (date-time)`, `Order`, `array of OrderItem`, `A or B`."""
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    for key in ("allOf", "oneOf", "anyOf"):
        if key in prop:
            return " or ".join(_type(part) for part in prop[key])
    kind = prop.get("type", "object")
    if kind == "array":
        return f"array of {_type(prop.get('items', {}))}"
    if "format" in prop:
        kind = f"{kind} ({prop['format']})"
    if "enum" in prop:
        kind += ": " + ", ".join(f"`{value}`" for value in prop["enum"] if value not in ("", None))
    if prop.get("nullable"):
        kind += ", nullable"
    return kind


def _body_type(content: dict[str, Any]) -> str:
    parts = []
    for media, body in content.items():
        parts.append(f"`{media}` {_type(body.get('schema', {}))}")
    return "; ".join(parts)


def _operation(lines: list[str], path: str, method: str, op: dict[str, Any]) -> None:
    lines.append(f"### `{method.upper()} {path}`")
    lines.append("")
    if op.get("summary"):
        lines.append(_cell(op["summary"]))
        lines.append("")
    if op.get("description"):
        lines.append(op["description"].strip())
        lines.append("")
    if op.get("security") == [{}] or {} in op.get("security", []):
        lines.append("*Public*: no credentials needed.")
        lines.append("")
    params = op.get("parameters", [])
    if params:
        lines += ["| parameter | in | type | required | description |", "| --- | --- | --- | --- | --- |"]
        for param in params:
            lines.append(
                f"| `{param['name']}` | {param['in']} | {_type(param.get('schema', {}))} | "
                f"{'yes' if param.get('required') else 'no'} | {_cell(param.get('description', ''))} |"
            )
        lines.append("")
    body = op.get("requestBody")
    if body:
        lines.append(f"Request body: {_body_type(body.get('content', {}))}")
        lines.append("")
    lines += ["| status | body | description |", "| --- | --- | --- |"]
    problems = []
    for status, response in sorted(op.get("responses", {}).items()):
        content = response.get("content", {})
        if list(content) == ["application/problem+json"]:
            problems.append(f"{status} {_cell(response.get('description', ''))}".strip())
            continue
        lines.append(f"| {status} | {_body_type(content) or 'none'} | {_cell(response.get('description', ''))} |")
    lines.append("")
    if problems:
        lines.append(
            "Errors ([Problem](#problem), see [api-guide.md](api-guide.md#errors)): " + "; ".join(problems) + "."
        )
        lines.append("")


def _component(lines: list[str], name: str, component: dict[str, Any]) -> None:
    lines.append(f"### {name}")
    lines.append("")
    if component.get("description"):
        lines.append(_cell(component["description"]))
        lines.append("")
    properties = component.get("properties")
    if not properties:
        lines.append(f"Type: {_type(component)}")
        lines.append("")
        return
    required = set(component.get("required", []))
    lines += ["| field | type | required | notes |", "| --- | --- | --- | --- |"]
    for field, prop in properties.items():
        notes = []
        if prop.get("readOnly"):
            notes.append("read-only")
        if prop.get("writeOnly"):
            notes.append("write-only")
        for key, label in (("maxLength", "max length"), ("minimum", "min"), ("maximum", "max")):
            if key in prop:
                notes.append(f"{label} {prop[key]}")
        if prop.get("description"):
            notes.append(_cell(prop["description"]))
        lines.append(f"| `{field}` | {_type(prop)} | {'yes' if field in required else 'no'} | {'; '.join(notes)} |")
    lines.append("")


def render(document: dict[str, Any]) -> str:
    info = document.get("info", {})
    lines = [
        "# API reference",
        "",
        "<!-- Generated by scripts/api_reference.py from the OpenAPI schema (`make docs`); do not edit. -->",
        "",
        f"{info.get('title', '')} {info.get('version', '')}: {_cell(info.get('description', ''))}",
        "Every path is under `/api/v1` and answers with or without a trailing slash. The conventions",
        "every endpoint shares (errors, pagination, `ETag`/`If-Match`, `Idempotency-Key`, webhooks) are",
        "in [api-guide.md](api-guide.md); the live schema is `GET /api/v1/schema/?format=json`.",
        "",
    ]
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                op = item[method]
                tag = (op.get("tags") or ["other"])[0]
                by_tag.setdefault(tag, []).append((path, method, op))
    lines.append("## Endpoints")
    lines.append("")
    for tag in sorted(by_tag):
        lines.append(f"- [{tag}](#{tag.lower().replace(' ', '-')})")
    lines.append("")
    for tag in sorted(by_tag):
        lines.append(f"## {tag}")
        lines.append("")
        for path, method, op in by_tag[tag]:
            _operation(lines, path, method, op)
    lines.append("## Schemas")
    lines.append("")
    for name, component in sorted(document.get("components", {}).get("schemas", {}).items()):
        _component(lines, name, component)
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str]) -> int:
    text = render(schema())
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET.relative_to(ROOT)} is out of date: run `make docs`", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)} ({len(text.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
