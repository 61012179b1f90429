"""`make run`: gunicorn for the API and admin, plus the outbox sweep when there is no broker.

Without a broker each gunicorn worker sends the webhooks and emails its requests committed from a
background thread (``events.background``), never in the request itself; this process runs one
more such thread from the start, so due retries are swept every ``OUTBOX_SWEEP_SECONDS`` even
before the first request. This process also holds a handle on the embedded PostgreSQL (when used)
for the whole run, so the server outlives gunicorn worker restarts and is stopped cleanly when
this process exits.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from events import background, outbox

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
    if outbox.mode() == "background":
        background.dispatcher()
    try:
        while not stopping and gunicorn.poll() is None:
            try:
                gunicorn.wait(timeout=1)
            except subprocess.TimeoutExpired:
                continue
    finally:
        if gunicorn.poll() is None:
            gunicorn.send_signal(signal.SIGTERM)
            gunicorn.wait(timeout=30)
    return gunicorn.returncode or 0


if __name__ == "__main__":
    sys.exit(main())
