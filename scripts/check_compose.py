"""Validate docker-compose.yml against the Compose Specification's JSON schema (kept in .ci/).

There is no Docker engine in CI, and PyPI's docker-compose 1.x predates the specification, so the
file is checked structurally here, plus the wiring every service of ours needs, plus safe defaults:
production settings unless told otherwise, and every secret required from the environment
(``${NAME:?message}``), never written in the file or given a default.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml
from jsonschema import Draft201909Validator

ROOT = Path(__file__).resolve().parent.parent
REQUIRED_SERVICES = {"postgres", "redis", "web", "worker", "beat", "mailpit"}
APP_SERVICES = ("web", "worker", "beat")
# (service, variable) pairs holding a secret; DATABASE_URL's password is checked inside the URL.
SECRETS = (
    *((name, "SECRET_KEY") for name in APP_SERVICES),
    *((name, "JWT_SIGNING_KEY") for name in APP_SERVICES),
    ("postgres", "POSTGRES_PASSWORD"),
)
REQUIRED = re.compile(r"^\$\{(?P<name>[A-Z_][A-Z0-9_]*):\?[^}]*\}$")
DATABASE_URL = re.compile(r"^[a-z]+://[^:@/]+:(?P<password>[^@]*)@")


def _secret_problems(services: dict) -> list[str]:
    problems = []
    for service, key in SECRETS:
        env = services.get(service, {}).get("environment", {}) or {}
        value = str(env.get(key, "")) if isinstance(env, dict) else ""
        if not REQUIRED.match(value):
            problems.append(f"{service}: {key} must be required from the environment as ${{{key}:?...}}, not {value!r}")
    for service in APP_SERVICES:
        env = services.get(service, {}).get("environment", {}) or {}
        url = DATABASE_URL.match(str(env.get("DATABASE_URL", "")))
        if url is not None and not REQUIRED.match(url.group("password")):
            problems.append(f"{service}: the DATABASE_URL password must be required from the environment")
        django_env = str(env.get("DJANGO_ENV", ""))
        if django_env not in ("production", "${DJANGO_ENV:-production}"):
            problems.append(f"{service}: DJANGO_ENV must default to production, not {django_env!r}")
    return problems


def problems_in(compose_file: Path) -> list[str]:
    schema = json.loads((ROOT / ".ci" / "compose-spec.json").read_text())
    document = yaml.safe_load(compose_file.read_text())
    problems = [
        f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
        for error in Draft201909Validator(schema).iter_errors(document)
    ]
    services = document.get("services", {})
    missing = REQUIRED_SERVICES - set(services)
    if missing:
        problems.append(f"services missing: {', '.join(sorted(missing))}")
    for name in ("postgres", "redis", "web"):
        if name in services and "healthcheck" not in services[name]:
            problems.append(f"{name}: no healthcheck")
    for name in APP_SERVICES:
        env = services.get(name, {}).get("environment", {})
        for key in ("DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_URL"):
            if key not in env:
                problems.append(f"{name}: {key} is not set")
    return problems + _secret_problems(services)


def image_problems(root: Path = ROOT) -> list[str]:
    """The image runs production settings by default, and the keys file never enters it."""
    problems = []
    dockerfile = (root / "Dockerfile").read_text()
    if not re.search(r"^ENV DJANGO_ENV=production\s*$", dockerfile, re.MULTILINE):
        problems.append("Dockerfile: the image must default to DJANGO_ENV=production")
    ignored = {line.strip() for line in (root / ".dockerignore").read_text().splitlines()}
    if ".env" not in ignored:
        problems.append(".dockerignore: .env (the compose keys) must never be copied into the image")
    return problems


def main() -> int:
    compose_file = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docker-compose.yml"
    problems = problems_in(compose_file) + image_problems(compose_file.parent)
    for problem in problems:
        print(f"{compose_file.name}: {problem}", file=sys.stderr)
    if not problems:
        print(f"{compose_file.name}: valid against the Compose Specification")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
