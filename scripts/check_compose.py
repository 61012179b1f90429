"""Validate docker-compose.yml against the Compose Specification's JSON schema (kept in .ci/).

There is no Docker engine in CI, and PyPI's docker-compose 1.x predates the specification, so the
file is checked structurally here, plus the wiring every service of ours needs (documentos in the
MinIO bucket for every web server and worker), plus safe defaults:
production settings unless told otherwise, and every secret required from the environment
(``${NAME:?message}``), never written in the file or given a default. The local topology
(``Procfile.local``, ``make up-local``) is kept in step: every compose service runs there too (the
machine's PostgreSQL and Redis stand for those two, and its disk for MinIO: the local servers share
one filesystem), with the same program and arguments, and every connection setting the compose
services get is set there as well.
"""

from __future__ import annotations

import json
import re
import shlex
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
# Compose services the local topology takes from the machine (its disk stands for the bucket:
# the local servers share one filesystem), and Procfile names that differ.
MACHINE_SERVICES = {"postgres", "redis", "minio", "minio-bucket"}
STORAGE_SERVICES = {"minio"}
PROCFILE_NAMES = {"mail": "mailpit", "balancer": "web"}  # the balancer is compose's published web port
# Options whose value is per environment (where to listen, the worker's node name): not compared.
PER_ENVIRONMENT_OPTIONS = {"--bind", "-b", "-n", "--hostname"}
APP_SERVICES = ("web", "worker", "beat")
# (service, variable) pairs holding a secret; DATABASE_URL's password is checked inside the URL.
SECRETS = (
    *((name, "SECRET_KEY") for name in APP_SERVICES),
    *((name, "JWT_SIGNING_KEY") for name in APP_SERVICES),
    *((name, "AWS_SECRET_ACCESS_KEY") for name in APP_SERVICES),
    ("postgres", "POSTGRES_PASSWORD"),
    ("minio", "MINIO_ROOT_PASSWORD"),
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
    for name in ("postgres", "redis", "minio", "web"):
        if name in services and "healthcheck" not in services[name]:
            problems.append(f"{name}: no healthcheck")
    for name in APP_SERVICES:
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


def _command_words(command: str | list[str]) -> list[str]:
    """The server's program and its fixed arguments: from ``gunicorn``/``celery`` on, without
    ``--opt=value`` options and per-environment options; the program by its base name."""
    words = shlex.split(command) if isinstance(command, str) else [str(word) for word in command]
    if words[:2] in (["sh", "-c"], ["bash", "-c"]) and len(words) > 2:
        words = shlex.split(words[2])
    words = [word.rsplit("/", 1)[-1] if index == 0 else word for index, word in enumerate(words)]
    start = next((i for i, word in enumerate(words) if word.rsplit("/", 1)[-1] in ("gunicorn", "celery")), 0)
    kept: list[str] = []
    skip = False
    for word in words[start:]:
        if skip:
            skip = False
        elif word in PER_ENVIRONMENT_OPTIONS:
            skip = True
        elif not (word.startswith("-") and "=" in word) and word not in ("&&", ";"):
            kept.append(word.rsplit("/", 1)[-1] if word.endswith(("gunicorn", "celery")) else word)
    return kept


def _is_subsequence(wanted: list[str], words: list[str]) -> bool:
    rest = iter(words)
    return all(any(word == candidate for candidate in rest) for word in wanted)


def procfile_problems(compose_file: Path, procfile_path: Path) -> list[str]:
    """Where ``Procfile.local`` and the compose file have drifted apart."""
    if str(ROOT) not in sys.path:  # run as `python scripts/check_compose.py`
        sys.path.insert(0, str(ROOT))
    from scripts.local_topology import environment, procfile

    services = yaml.safe_load(compose_file.read_text()).get("services", {})
    entries = procfile(procfile_path)
    by_service: dict[str, list[str]] = {}
    for name in entries:
        base = name.rstrip("0123456789")
        by_service.setdefault(PROCFILE_NAMES.get(base, base), []).append(name)
    problems = [
        f"{procfile_path.name}: {name} runs no compose service"
        for service, names in by_service.items()
        if service not in services
        for name in names
    ]
    env = environment({})
    for service, spec in services.items():
        if service in MACHINE_SERVICES:
            continue
        names = [name for name in by_service.get(service, []) if name.rstrip("0123456789") != "balancer"]
        if not names:
            problems.append(f"{procfile_path.name}: no process runs compose service {service}")
            continue
        wanted = _command_words(spec.get("command", [])) if service in ("web", "worker", "beat") else []
        for name in names:
            if not _is_subsequence(wanted, _command_words(entries[name])):
                problems.append(f"{procfile_path.name}: {name} does not run {' '.join(wanted)} as compose's {service}")
        # Settings that point at another compose service (postgres://...@postgres:5432, redis://redis:6379),
        # but the bucket's: locally documentos stay on the shared disk.
        wiring = [
            key
            for key, value in (spec.get("environment") or {}).items()
            if any(
                f"@{other}:" in str(value) or f"//{other}:" in str(value)
                for other in services
                if other not in STORAGE_SERVICES
            )
        ]
        missing = sorted(key for key in wiring if key not in env)
        if missing:
            problems.append(f"{procfile_path.name}: {service} gets {', '.join(missing)} in compose, not locally")
    return problems


def main() -> int:
    compose_file = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docker-compose.yml"
    problems = problems_in(compose_file) + image_problems(compose_file.parent)
    if len(sys.argv) <= 1:
        problems += procfile_problems(compose_file, ROOT / "Procfile.local")
    for problem in problems:
        print(f"{compose_file.name}: {problem}", file=sys.stderr)
    if not problems:
        print(f"{compose_file.name}: valid against the Compose Specification (Procfile.local in step)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
