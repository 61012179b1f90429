"""The outbox sweep from inside every Celery worker, so recovery does not hinge on beat.

A broker outage at commit leaves rows that only a sweep re-sends (see ``events.outbox``), and
retries longer than ``OUTBOX_MAX_COUNTDOWN_SECONDS`` wait for one too. Beat rings that bell every
``OUTBOX_BEAT_SECONDS``, but a deployment that runs workers without beat would otherwise never
deliver them. So each worker's main process also asks for a sweep every
``OUTBOX_WORKER_SWEEP_SECONDS`` (0 turns it off). It only publishes the ``sweep_outbox`` task (the
sweep itself runs in a pool process like any task); duplicates with beat or other workers are
harmless, because the sweep skips rows handed over recently and the lease lets one worker send.

The signal handlers below are connected when ``EventsConfig.ready()`` imports this module.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery.signals import worker_ready, worker_shutdown
from django.conf import settings

from events import outbox
from events.tasks import sweep_outbox

logger = logging.getLogger(__name__)

_stop = threading.Event()


def request_sweep() -> bool:
    """Publish one ``sweep_outbox`` task; ``False`` (never an exception) while the broker is down."""
    interval = float(settings.OUTBOX_WORKER_SWEEP_SECONDS)
    try:
        sweep_outbox.apply_async(expires=max(interval, 1.0), retry=True, retry_policy=outbox.PUBLISH_RETRY_POLICY)
    except Exception:  # the broker is down: the next tick tries again
        logger.info("outbox: could not request a sweep; will try again", exc_info=True)
        return False
    return True


def _loop(interval: float, stop: threading.Event) -> None:
    while not stop.wait(interval):
        request_sweep()


def start(*, stop: threading.Event | None = None) -> threading.Thread | None:
    """Start the periodic sweep request in a daemon thread (nothing without a broker or when off)."""
    interval = float(settings.OUTBOX_WORKER_SWEEP_SECONDS)
    if interval <= 0 or outbox.eager():
        return None
    thread = threading.Thread(target=_loop, args=(interval, stop or _stop), name="outbox-sweep", daemon=True)
    thread.start()
    return thread


@worker_ready.connect
def _on_worker_ready(**kwargs: Any) -> None:
    start()


@worker_shutdown.connect
def _on_worker_shutdown(**kwargs: Any) -> None:
    _stop.set()
