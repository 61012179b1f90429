"""What a gunicorn worker does once it has loaded the application (``config/gunicorn.py``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import gc, json, sys
import django
django.setup()
import config.gunicorn as hooks
views_before = "expedientes.views" in sys.modules
frozen_before = gc.get_freeze_count()
hooks.post_worker_init(None)
print(json.dumps({"views_before": views_before, "views_after": "expedientes.views" in sys.modules,
                  "frozen_before": frozen_before, "frozen_after": gc.get_freeze_count()}))
"""


def test_a_worker_imports_its_views_then_freezes_what_it_loaded(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # No connection is made: the URL only lets the settings load without starting a database.
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=120
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["views_before"] is False
    assert seen["views_after"] is True
    assert seen["frozen_before"] == 0
    # The application's modules, models, settings and URL patterns: tens of thousands of objects.
    assert seen["frozen_after"] > 20_000
