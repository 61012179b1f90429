"""Every worker requests outbox sweeps itself, so recovery does not hinge on beat running."""

import threading

import pytest
from kombu.exceptions import OperationalError

from events import outbox, tasks, worker


@pytest.fixture
def published(monkeypatch, settings):
    settings.OUTBOX_WORKER_SWEEP_SECONDS = 0.01
    monkeypatch.setattr(outbox, "eager", lambda: False)
    calls: list[dict] = []
    enough = threading.Event()

    def apply_async(*args, **kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise OperationalError("broker down")  # the first tick finds the broker down
        if len(calls) >= 3:
            enough.set()

    monkeypatch.setattr(tasks.sweep_outbox, "apply_async", apply_async)
    return calls, enough


def test_the_worker_keeps_requesting_sweeps_through_a_broker_outage(published):
    calls, enough = published
    stop = threading.Event()
    thread = worker.start(stop=stop)
    assert thread is not None
    try:
        assert enough.wait(5), calls
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()
    assert all(call["retry_policy"] == outbox.PUBLISH_RETRY_POLICY for call in calls)
    assert all(call["expires"] >= 1.0 for call in calls)


def test_no_sweeper_without_a_broker_or_when_turned_off(monkeypatch, settings):
    settings.OUTBOX_WORKER_SWEEP_SECONDS = 5
    monkeypatch.setattr(outbox, "eager", lambda: True)
    assert worker.start(stop=threading.Event()) is None
    monkeypatch.setattr(outbox, "eager", lambda: False)
    settings.OUTBOX_WORKER_SWEEP_SECONDS = 0
    assert worker.start(stop=threading.Event()) is None


def test_request_sweep_reports_a_broker_outage_instead_of_raising(monkeypatch, settings):
    settings.OUTBOX_WORKER_SWEEP_SECONDS = 5

    def down(*args, **kwargs):
        raise OperationalError("broker down")

    monkeypatch.setattr(tasks.sweep_outbox, "apply_async", down)
    assert worker.request_sweep() is False
