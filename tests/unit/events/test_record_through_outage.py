"""An attempt already made is recorded through a short database outage, not sent again later."""

import pytest
from django.db import OperationalError

from events import outbox


class Clock:
    """``time`` for the module under test: sleeping moves the clock on at once."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(outbox, "time", fake)
    return fake


@pytest.fixture
def waits(clock):
    return clock.slept


def test_recording_is_retried_while_the_database_is_down(waits):
    calls = []

    def record():
        calls.append(len(calls))
        if len(calls) < 4:
            raise OperationalError("connection refused")
        return "succeeded"

    assert outbox.record_through_outage(record, until=1060, what="test") == "succeeded"
    assert len(calls) == 4
    assert waits == [0.2, 0.4, 0.8]  # backing off


def test_recording_gives_up_at_the_end_of_the_lease(clock):
    def record():
        raise OperationalError("connection refused")

    with pytest.raises(OperationalError):
        outbox.record_through_outage(record, until=1005, what="test")
    assert clock.slept == [0.2, 0.4, 0.8, 1.6]  # a 2 s wait would reach the deadline
    assert clock.now <= 1005


def test_other_errors_are_not_retried(waits):
    def record():
        raise ValueError("a bug")

    with pytest.raises(ValueError, match="a bug"):
        outbox.record_through_outage(record, until=1060, what="test")
    assert waits == []
