"""`make run`: gunicorn for the API and admin, plus the outbox sweep when there is no broker.

This process holds a handle on the embedded PostgreSQL (when used) for the whole run, so the
server outlives gunicorn worker restarts and is stopped cleanly when this process exits.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

SWEEP_SECONDS = float(os.environ.get("OUTBOX_SWEEP_SECONDS", "5"))


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command, get_commands

    base = Path(__file__).resolve().parent
    gunicorn = subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "gunicorn", "-c", str(base / "gunicorn.py"), "config.wsgi"]
    )
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    sweep = not settings.CELERY_BROKER_URL and "process_outbox" in get_commands()
    try:
        while not stopping and gunicorn.poll() is None:
            if sweep:
                try:
                    call_command("process_outbox", verbosity=0)
                except Exception as exc:  # noqa: BLE001 - keep serving; the next sweep retries
                    print(f"process_outbox failed: {exc}", file=sys.stderr)
            time.sleep(SWEEP_SECONDS)
    finally:
        if gunicorn.poll() is None:
            gunicorn.send_signal(signal.SIGTERM)
            gunicorn.wait(timeout=30)
    return gunicorn.returncode or 0


if __name__ == "__main__":
    sys.exit(main())
