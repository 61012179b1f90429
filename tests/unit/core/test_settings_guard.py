"""The production guard: the process refuses to start on unsafe settings."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
REAL_SECRET = "k" * 30 + "-production-secret-" + "z" * 20


def production_env(overrides):
    # DJANGO_ALLOW_ASYNC_UNSAFE is set by the e2e conftest (Playwright) and would fail --deploy.
    dropped = ("SECRET_KEY", "DEBUG", "JWT_SIGNING_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "PAYMENT_PROVIDER_API_KEY")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update({"DJANGO_ENV": "production", "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres"})
    env.update(overrides)
    return env


def run(env_overrides, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=production_env(env_overrides),
        capture_output=True,
        text=True,
        timeout=120,
    )


# Imports the settings afresh under each case's environment, in one process (a process per case
# spent half a second each starting Python); prints what each import raised, or null.
IMPORT_EACH = """
import importlib, json, os, sys
cases, base = json.loads(sys.argv[1]), dict(os.environ)
outcome = {}
for name, overrides in cases.items():
    os.environ.clear()
    os.environ.update(base)
    for key in ("SECRET_KEY", "DEBUG", "JWT_SIGNING_KEY", "PAYMENT_PROVIDER_API_KEY"):
        os.environ.pop(key, None)
    os.environ.update(overrides)
    for module in [m for m in sys.modules if m == "config.settings" or m.startswith("config.settings.")]:
        del sys.modules[module]
    try:
        importlib.import_module("config.settings")
        outcome[name] = None
    except Exception as exc:
        outcome[name] = f"{type(exc).__name__}: {exc}"
print(json.dumps(outcome))
"""


CASES = [
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
]
CASE_IDS = [
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
]


@pytest.fixture(scope="module")
def refusals():
    """What importing the production settings raised, per case of the table above."""
    cases = dict(zip(CASE_IDS, (overrides for overrides, _ in CASES), strict=True))
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EACH, json.dumps(cases)],
        cwd=ROOT,
        env=production_env({}),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(("overrides", "message"), CASES, ids=CASE_IDS)
def test_production_refuses_unsafe_settings(refusals, request, overrides, message):
    refused = refusals[request.node.callspec.id]
    assert refused is not None, "the production settings imported without a refusal"
    assert refused.startswith("ImproperlyConfigured"), refused
    assert message in refused


def test_a_refused_setting_stops_manage_py():
    """The refusal stops the real entry point, not only an import of the settings."""
    result = run({}, "check")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_check_deploy_is_clean():
    result = run(
        {"SECRET_KEY": REAL_SECRET, "JWT_SIGNING_KEY": REAL_SECRET + "j", "ALLOWED_HOSTS": "api.example.org"},
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stderr + result.stdout
