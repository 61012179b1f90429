"""Validate docker-compose.yml against the Compose Specification's JSON schema (kept in .ci/).

There is no Docker engine in CI, and PyPI's docker-compose 1.x predates the specification, so the
file is checked structurally here, plus the wiring every service of ours needs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml
from jsonschema import Draft201909Validator

ROOT = Path(__file__).resolve().parent.parent
REQUIRED_SERVICES = {"postgres", "redis", "minio", "web", "worker", "beat", "mailpit"}
# Documentos live in the bucket, so every process that reads or writes them shares one.
S3_ENVIRONMENT = (
    "STORAGE_BACKEND",
    "AWS_S3_ENDPOINT_URL",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
)


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
    for name in ("postgres", "redis", "minio", "web"):
        if name in services and "healthcheck" not in services[name]:
            problems.append(f"{name}: no healthcheck")
    for name in ("web", "worker", "beat"):
        env = services.get(name, {}).get("environment", {})
        for key in ("DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_URL"):
            if key not in env:
                problems.append(f"{name}: {key} is not set")
    for name in ("web", "worker"):
        env = services.get(name, {}).get("environment", {})
        for key in S3_ENVIRONMENT:
            if key not in env:
                problems.append(f"{name}: {key} is not set")
        if env.get("STORAGE_BACKEND") != "s3":
            problems.append(
                f"{name}: STORAGE_BACKEND is not s3 (a second web server could not read the first one's files)"
            )
    return problems


def main() -> int:
    compose_file = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docker-compose.yml"
    problems = problems_in(compose_file)
    for problem in problems:
        print(f"{compose_file.name}: {problem}", file=sys.stderr)
    if not problems:
        print(f"{compose_file.name}: valid against the Compose Specification")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
