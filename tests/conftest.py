"""Shared fixtures: users of each role, authenticated API clients that check the schema,
and the folder-based markers (with the redis/browser availability rules of the README)."""

from __future__ import annotations

import gc
import itertools
import os
import shutil
import socket
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import flush
from tests.support.api import SchemaCheckedClient, access_token_for
from tests.support.files import S3_KEYS, s3_environment
from tests.support.metrics import METRICS_TOKEN

TESTS_DIR = Path(__file__).parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_configure(config: pytest.Config) -> None:
    # Transactional tests end by deleting their rows instead of Django's flush (tests/support/flush.py).
    flush.install()


def pytest_collection_finish(session: pytest.Session) -> None:
    # As a web worker does once it has loaded the project (config/gunicorn.py): what is imported and
    # collected by now (~240,000 objects) is moved out of the cycle collector's reach, so a full
    # collection walks only what the tests allocate (the two workers' collections: 4.9 s -> 3.3 s).
    gc.collect()
    gc.freeze()


# --- markers -----------------------------------------------------------------------------------
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).relative_to(TESTS_DIR).parts
        if parts and parts[0] in ("unit", "integration", "e2e"):
            item.add_marker(getattr(pytest.mark, parts[0]))


def _redis_available() -> str | None:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    host_port = url.split("://", 1)[-1].split("/", 1)[0].split("@")[-1]
    host, _, port = host_port.partition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port or 6379)), timeout=1):
            return None
    except OSError as exc:
        return f"Redis is not reachable at {host_port} ({exc}); start redis-server to run this test"


def _browser_available() -> str | None:
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not (os.path.exists(path) or shutil.which("chromium")):
        return f"Chromium is not installed at {path}; apt-get install chromium chromium-driver"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker, probe in (("redis", _redis_available), ("browser", _browser_available)):
        if item.get_closest_marker(marker) is None:
            continue
        missing = probe()
        if missing:
            if IN_CI:
                pytest.fail(f"CI must run {marker} tests: {missing}")
            pytest.skip(missing)


# --- settings for every test --------------------------------------------------------------------
# The same for every test, so applied once for the session (a test's own changes are undone back to
# these): set and undone around each test, they cost ~1.5 ms a test, three seconds of the suite.
SUITE_SETTINGS: dict[str, Any] = {
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "CELERY_TASK_ALWAYS_EAGER": True,
    # A request's webhooks and emails are sent before it returns (make run sends them from a
    # background thread instead: tests/integration/events/test_background.py covers that).
    "OUTBOX_WITHOUT_BROKER": "inline",
    # The contract's texts are quoted in English, so the suite's office speaks English; the office's
    # default (Spanish) and every other language are tested where a test says so (tests/i18n).
    "LANGUAGE_CODE": "en",
    # Every test client builds the middleware again; WhiteNoise would index every collected and
    # every app's static file each time (a sixth of a second with collectstatic's output present,
    # half the suite's time). Looking a file up when it is asked for serves the same answers.
    "WHITENOISE_AUTOREFRESH": True,
}


@pytest.fixture(scope="session", autouse=True)
def _suite_settings() -> Iterator[None]:
    from django.conf import settings
    from django.test import override_settings

    # Pages link plain static names whether or not collectstatic has run here (make run and
    # make serve-prod run it; the manifest's hashed names are not served by the test servers).
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(**SUITE_SETTINGS, STORAGES=storages):
        yield


@pytest.fixture(scope="session")
def _media_folders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A new folder name for each test, under one folder of this worker's (the names are not made on disk)."""
    base = tmp_path_factory.mktemp("media")
    return (base / str(number) for number in itertools.count())


@pytest.fixture(autouse=True)
def _media_root(_media_folders: Iterator[Path]) -> Iterator[None]:
    """Each test's uploads in a folder of its own, made when its first file is saved (a ``tmp_path``
    made for every test, and the ``settings`` fixture around it, cost 2 ms a test)."""
    from django.test import override_settings

    with override_settings(MEDIA_ROOT=str(next(_media_folders))):
        yield


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    from django.core.cache import cache

    cache.clear()


# --- file storage: both backends -----------------------------------------------------------------
@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A local S3-compatible server (moto's, as its own process) on loopback; yields its endpoint URL."""
    from tests.bench.processes import free_port, start, stop

    port = free_port()
    log = tmp_path_factory.mktemp("s3") / "moto_server.log"
    moto = Path(sys.executable).with_name("moto_server")
    proc = start([str(moto), "-H", "127.0.0.1", "-p", str(port)], log, "Running on", timeout=60)
    yield f"http://127.0.0.1:{port}"
    stop(proc, timeout=10)


@pytest.fixture(params=["filesystem", "s3"])
def storage_backend(request: pytest.FixtureRequest, settings: Any) -> str:
    """Runs a test once on the local filesystem and once on an S3 bucket of its own (moto server)."""
    if request.param == "s3":
        import boto3

        endpoint = request.getfixturevalue("s3_server")
        bucket = f"test-{uuid.uuid4().hex}"
        boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=S3_KEYS["access_key"],
            aws_secret_access_key=S3_KEYS["secret_key"],
            region_name=S3_KEYS["region_name"],
        ).create_bucket(Bucket=bucket)
        from config.storage import default_storage_settings

        default = default_storage_settings(s3_environment(endpoint, bucket))
        settings.STORAGES = {**settings.STORAGES, "default": default}
    return str(request.param)


# --- clients and users ---------------------------------------------------------------------------
@pytest.fixture
def api_client() -> SchemaCheckedClient:
    return SchemaCheckedClient()


@pytest.fixture
def make_user(db: None) -> Callable[..., Any]:
    from accounts.models import User

    counter = {"n": 0}

    def factory(role: str = "citizen", password: str = "S3cure-pass!", **fields: Any) -> Any:
        counter["n"] += 1
        n = counter["n"]
        fields.setdefault("username", f"{role}{n}")
        fields.setdefault("email", f"{role}{n}@example.com")
        return User.objects.create_user(password=password, role=role, **fields)

    return factory


@pytest.fixture
def citizen(make_user: Callable[..., Any]) -> Any:
    return make_user("citizen")


@pytest.fixture
def other_citizen(make_user: Callable[..., Any]) -> Any:
    return make_user("citizen")


@pytest.fixture
def clerk(make_user: Callable[..., Any]) -> Any:
    return make_user("clerk")


@pytest.fixture
def admin(make_user: Callable[..., Any]) -> Any:
    return make_user("admin")


@pytest.fixture
def client_for() -> Callable[[Any], SchemaCheckedClient]:
    """``client_for(user)``: a schema-checking API client authenticated as ``user``."""

    def factory(user: Any) -> SchemaCheckedClient:
        client = SchemaCheckedClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(user)}")
        return client

    return factory


@pytest.fixture
def citizen_client(client_for: Callable[[Any], SchemaCheckedClient], citizen: Any) -> SchemaCheckedClient:
    return client_for(citizen)


@pytest.fixture
def clerk_client(client_for: Callable[[Any], SchemaCheckedClient], clerk: Any) -> SchemaCheckedClient:
    return client_for(clerk)


@pytest.fixture
def admin_client_api(client_for: Callable[[Any], SchemaCheckedClient], admin: Any) -> SchemaCheckedClient:
    return client_for(admin)


# --- metrics -----------------------------------------------------------------------------------
@pytest.fixture
def metrics_token(settings: Any) -> str:
    settings.METRICS_TOKEN = METRICS_TOKEN
    return METRICS_TOKEN
