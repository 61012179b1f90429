"""Schemathesis against the live server's own OpenAPI schema, as a citizen, a clerk and an admin.

The real server (gunicorn, ``config/gunicorn.py``) on the test database; the schema it serves at
``/api/v1/schema/``; every check on (``--checks all``), a bounded number of examples per operation
(``SCHEMATHESIS_MAX_EXAMPLES``, 3 by default) and a fixed seed, so a run is repeatable and takes
a couple of minutes on two cores; the stateful phase follows the schema's links from the objects
each role creates. ``schemathesis/schemathesis.toml`` holds the narrow,
commented adjustments; ``schemathesis/hooks.py`` the opaque-cursor rule. 0 failures expected.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

HERE = Path(__file__).parent / "schemathesis"
PROJECT_DIR = Path(__file__).resolve().parents[2]
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "3"))
SEED = int(os.environ.get("SCHEMATHESIS_SEED", "20261201"))
ROLES = ("citizen", "clerk", "admin")  # the admin last: its deletes and role changes come at the end


def long_lived_token(user: Any) -> str:
    from rest_framework_simplejwt.tokens import RefreshToken

    token = RefreshToken.for_user(user).access_token
    token.set_exp(lifetime=timedelta(hours=1))
    return str(token)


def test_schemathesis_finds_nothing_as_citizen_clerk_and_admin(gunicorn_server, make_user, tmp_path):
    base_url = gunicorn_server(GUNICORN_WORKERS="2")
    users = {role: make_user(role) for role in ROLES}
    settings_file = HERE / "schemathesis.toml"
    summaries = {}
    for role in ROLES:
        report = tmp_path / f"{role}.json"
        argv = [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--config-file",
            str(settings_file),
            "run",
            f"{base_url}/api/v1/schema/?format=json",
            "--checks",
            "all",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            str(SEED),
            "--workers",
            "1",
            "--header",
            f"Authorization: Bearer {long_lived_token(users[role])}",
            "--report",
            "json",
            "--report-json-path",
            str(report),
            "--no-color",
        ]
        env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.e2e.schemathesis.hooks", "PYTHONPATH": str(PROJECT_DIR)}
        # Run from the test's folder: Schemathesis keeps its cache in the working directory.
        result = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600, check=False, cwd=tmp_path)
        output = result.stdout + result.stderr
        (tmp_path / f"{role}.txt").write_text(output)
        summary = output[output.rfind("=== SUMMARY") :] if "=== SUMMARY" in output else output[-3000:]
        summaries[role] = summary
        assert result.returncode == 0, f"schemathesis as {role} found problems:\n{output[-12000:]}"
    for role, summary in summaries.items():
        print(f"--- schemathesis as {role} ---\n{summary}")
