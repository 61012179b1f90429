from pathlib import Path

import pytest

from scripts.check_compose import ROOT, image_problems, problems_in, procfile_problems


def test_repository_compose_file_is_valid():
    assert problems_in(ROOT / "docker-compose.yml") == []


def test_invalid_compose_file_is_reported(tmp_path: Path):
    bad = tmp_path / "docker-compose.yml"
    bad.write_text("services:\n  web:\n    image: 3\n    ports: 8000\n    restart: sometimes-maybe\n")
    problems = problems_in(bad)
    assert any("ports" in problem for problem in problems)
    assert any("services missing" in problem for problem in problems)


def test_the_local_topology_runs_the_compose_services():
    assert procfile_problems(ROOT / "docker-compose.yml", ROOT / "Procfile.local") == []


def test_a_procfile_that_drifted_from_compose_is_reported(tmp_path: Path):
    lines = (ROOT / "Procfile.local").read_text().splitlines()
    drifted = [line.replace("config.wsgi", "config.asgi") for line in lines if not line.startswith("beat:")]
    procfile = tmp_path / "Procfile.local"
    procfile.write_text("\n".join([*drifted, "extra: .venv/bin/python -m something"]) + "\n")
    problems = procfile_problems(ROOT / "docker-compose.yml", procfile)
    assert "Procfile.local: no process runs compose service beat" in problems
    assert any(problem.startswith("Procfile.local: web1 does not run gunicorn") for problem in problems)
    assert "Procfile.local: extra runs no compose service" in problems


SAFE = """
x-app: &app
  image: expedientes:latest
  environment:
    DJANGO_ENV: ${DJANGO_ENV:-production}
    SECRET_KEY: ${SECRET_KEY:?set SECRET_KEY}
    JWT_SIGNING_KEY: ${JWT_SIGNING_KEY:?set JWT_SIGNING_KEY}
    DATABASE_URL: postgres://expedientes:${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}@postgres:5432/expedientes
    CELERY_BROKER_URL: redis://redis:6379/0
    EMAIL_URL: smtp://mailpit:1025
    STORAGE_BACKEND: s3
    AWS_S3_ENDPOINT_URL: http://minio:9000
    AWS_STORAGE_BUCKET_NAME: expedientes
    AWS_ACCESS_KEY_ID: expedientes
    AWS_SECRET_ACCESS_KEY: ${MINIO_ROOT_PASSWORD:?set MINIO_ROOT_PASSWORD}
services:
  postgres:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}
    healthcheck: {test: ["CMD", "true"]}
  redis: {image: "redis:7", healthcheck: {test: ["CMD", "true"]}}
  minio:
    image: minio/minio:latest
    environment:
      MINIO_ROOT_PASSWORD: ${MINIO_ROOT_PASSWORD:?set MINIO_ROOT_PASSWORD}
    healthcheck: {test: ["CMD", "true"]}
  mailpit: {image: "axllent/mailpit:latest"}
  web: {<<: *app, healthcheck: {test: ["CMD", "true"]}}
  worker: {<<: *app}
  beat: {<<: *app}
"""


def test_a_compose_file_with_required_secrets_passes(tmp_path: Path):
    good = tmp_path / "docker-compose.yml"
    good.write_text(SAFE)
    assert problems_in(good) == []


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("${SECRET_KEY:?set SECRET_KEY}", "${SECRET_KEY:-compose-development-secret}", "SECRET_KEY"),
        ("${SECRET_KEY:?set SECRET_KEY}", "a-literal-secret-written-in-the-file", "SECRET_KEY"),
        ("${JWT_SIGNING_KEY:?set JWT_SIGNING_KEY}", "${JWT_SIGNING_KEY}", "JWT_SIGNING_KEY"),
        ("${DJANGO_ENV:-production}", "${DJANGO_ENV:-development}", "DJANGO_ENV"),
        (
            "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}",
            "      POSTGRES_PASSWORD: pw",
            "POSTGRES_PASSWORD",
        ),
        (
            "      MINIO_ROOT_PASSWORD: ${MINIO_ROOT_PASSWORD:?set MINIO_ROOT_PASSWORD}",
            "      MINIO_ROOT_PASSWORD: minioadmin",
            "MINIO_ROOT_PASSWORD",
        ),
        ("${MINIO_ROOT_PASSWORD:?set MINIO_ROOT_PASSWORD}\nservices", "minioadmin\nservices", "AWS_SECRET_ACCESS_KEY"),
        ("STORAGE_BACKEND: s3", "STORAGE_BACKEND: filesystem", "STORAGE_BACKEND is not s3"),
    ],
    ids=[
        "defaulted-secret",
        "literal-secret",
        "optional-jwt-key",
        "development-by-default",
        "literal-db-password",
        "literal-minio-password",
        "literal-bucket-secret",
        "documentos-on-one-disk",
    ],
)
def test_a_compose_file_that_starts_with_public_keys_is_reported(tmp_path: Path, before, after, expected):
    assert before in SAFE
    bad = tmp_path / "docker-compose.yml"
    bad.write_text(SAFE.replace(before, after, 1))
    problems = problems_in(bad)
    assert any(expected in problem for problem in problems), problems


def test_the_image_defaults_to_production_and_never_holds_the_keys_file(tmp_path: Path):
    assert image_problems(ROOT) == []
    (tmp_path / "Dockerfile").write_text("FROM python:3.11-slim\nENV DJANGO_ENV=development\n")
    (tmp_path / ".dockerignore").write_text(".venv\n")
    problems = image_problems(tmp_path)
    assert any("DJANGO_ENV=production" in problem for problem in problems)
    assert any(".env" in problem for problem in problems)
