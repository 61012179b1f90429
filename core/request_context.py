"""The current request's id and user, readable from anywhere (services, events, logging).

A Celery task published during a request carries the request's id in its headers
(``config.celery``), and the worker sets it here while the task runs, so the task's log lines
name the request that caused them.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_user_id: ContextVar[Any] = ContextVar("user_id", default=None)
_task: ContextVar[tuple[str, str] | None] = ContextVar("task", default=None)


def get_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None):
    return _request_id.set(value)


def reset_request_id(token) -> None:
    _request_id.reset(token)


def get_user_id() -> Any:
    return _user_id.get()


def set_user_id(value: Any):
    return _user_id.set(value)


def reset_user_id(token) -> None:
    _user_id.reset(token)


def get_task() -> tuple[str, str] | None:
    """``(task id, task name)`` of the Celery task running in this context, if any."""
    return _task.get()


def set_task(value: tuple[str, str] | None):
    return _task.set(value)


def reset_task(token) -> None:
    _task.reset(token)
