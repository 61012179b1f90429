"""The production guard: the process refuses to start on unsafe settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
REAL_SECRET = "k" * 30 + "-production-secret-" + "z" * 20


def run(env_overrides, *args):
    # DJANGO_ALLOW_ASYNC_UNSAFE is set by the e2e conftest (Playwright) and would fail --deploy.
    dropped = ("SECRET_KEY", "DEBUG", "JWT_SIGNING_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "PAYMENT_PROVIDER_API_KEY")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update({"DJANGO_ENV": "production", "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres"})
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"SECRET_KEY": REAL_SECRET, "DEBUG": "true", "JWT_SIGNING_KEY": REAL_SECRET + "j"}, "DEBUG"),
        ({"SECRET_KEY": REAL_SECRET}, "JWT_SIGNING_KEY"),
        # Values once published in this repository (docker-compose.yml, settings): public keys.
        (
            {
                "SECRET_KEY": "compose-development-secret-change-me-0123456789abcdefghij",
                "JWT_SIGNING_KEY": REAL_SECRET + "j",
            },
            "SECRET_KEY",
        ),
        (
            {"SECRET_KEY": REAL_SECRET, "JWT_SIGNING_KEY": "compose-development-jwt-key-change-me-0123456789abcdef"},
            "JWT_SIGNING_KEY",
        ),
        ({"SECRET_KEY": REAL_SECRET, "JWT_SIGNING_KEY": "short-jwt-key"}, "JWT_SIGNING_KEY"),
        ({"SECRET_KEY": REAL_SECRET, "JWT_SIGNING_KEY": REAL_SECRET}, "JWT_SIGNING_KEY"),
        ({"SECRET_KEY": REAL_SECRET, "JWT_SIGNING_KEY": REAL_SECRET + ":jwt"}, "JWT_SIGNING_KEY"),
        (
            {"SECRET_KEY": REAL_SECRET, "JWT_SIGNING_KEY": REAL_SECRET + "j", "PAYMENT_PROVIDER_API_KEY": "change-me"},
            "PAYMENT_PROVIDER_API_KEY",
        ),
    ],
    ids=[
        "default-secret",
        "short-secret",
        "debug",
        "no-jwt-key",
        "published-secret",
        "published-jwt-key",
        "short-jwt-key",
        "jwt-key-is-the-secret",
        "jwt-key-derived-from-the-secret",
        "placeholder-payment-key",
    ],
)
def test_production_refuses_unsafe_settings(overrides, message):
    result = run(overrides, "check")
    assert result.returncode != 0
    assert message in result.stderr


def test_production_check_deploy_is_clean():
    result = run(
        {"SECRET_KEY": REAL_SECRET, "JWT_SIGNING_KEY": REAL_SECRET + "j", "ALLOWED_HOSTS": "api.example.org"},
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stderr + result.stdout
