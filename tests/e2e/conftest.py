"""Fixtures for end-to-end tests: a headless Debian Chromium driven by Playwright.

Playwright never downloads a browser here: it launches /usr/bin/chromium (CHROMIUM_PATH).
Sync Playwright runs an event loop in this thread, so Django's async-safety guard must be told
that ORM calls from the test body are fine.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from tests.bench import processes
from tests.support.api import PASSWORD
from tests.support.e2e import database_url

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
            headless=True,
            args=CHROMIUM_FLAGS,
        )
        yield browser
        browser.close()


# Runs in every page before its own scripts: each Content-Security-Policy refusal is recorded.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} refused ${event.blockedURI || "inline"} at ${event.sourceFile}:${event.lineNumber}`);
});
"""


class CSPWatch:
    """What the browser refused under the Content-Security-Policy, from events and the console."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.console: list[str] = []
        self.pages: list[str] = []
        page.on("console", self._on_console)

    def _on_console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.console.append(message.text)

    def collect(self) -> None:
        """Gather the current document's refusals (call before it navigates away)."""
        # The page may be gone or mid-navigation: the console has its refusals all the same.
        with contextlib.suppress(Exception):
            self.pages.extend(self.page.evaluate("window.__cspViolations || []"))

    def violations(self) -> list[str]:
        self.collect()
        return self.pages + self.console


@pytest.fixture
def page(chromium: Any, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A browser page; the test fails if the Content-Security-Policy refused anything on it."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.set_default_timeout(15_000)
    watch = CSPWatch(page)
    yield page
    violations = watch.violations()
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        folder: Path = tmp_path_factory.mktemp("screenshots")
        path = folder / f"{request.node.name}.png"
        page.screenshot(path=str(path), full_page=True)
        print(f"screenshot saved: {path}")
    context.close()
    assert violations == [], f"Content-Security-Policy refused: {violations}"


@pytest.fixture
def clerk_user(make_user: Any) -> Any:
    """Clara, a clerk, who signs in to the admin with ``PASSWORD``."""
    return make_user("clerk", username="clara", password=PASSWORD)


@pytest.fixture
def gunicorn_server(transactional_db: None, tmp_path: Path) -> Iterator[Any]:
    """``gunicorn_server(**env)``: the real server (``config/gunicorn.py``, one sync worker) on a free
    loopback port, on the live test database; returns its base URL. Stopped after the test."""
    started: list[Any] = []

    def start(**extra_env: str) -> str:
        port = processes.free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "1",
            "GUNICORN_ACCESSLOG": "",
            # The test's own uploads folder: what the server stores, the test reads back.
            "MEDIA_ROOT": settings.MEDIA_ROOT,
            "CONN_MAX_AGE": "0",
            **extra_env,
        }
        for name in ("DJANGO_ENV", "DJANGO_ALLOW_ASYNC_UNSAFE", "CELERY_BROKER_URL"):
            env.pop(name, None)
        argv = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "--no-control-socket", "config.wsgi"]
        started.append(processes.start(argv, tmp_path / f"gunicorn-{port}.log", "Listening at", 60, env))
        return f"http://127.0.0.1:{port}"

    yield start
    for proc in started:
        processes.stop(proc)
    connection.close()
