"""`make up-local` / `make down-local`: the scaled-out topology of ``Procfile.local`` under honcho.

``up`` creates the database when it is missing, migrates, starts ``honcho start -f Procfile.local``
in a session of its own (pid in ``.data/local/honcho.pid``, output in ``.data/local/honcho.log``)
and returns once the balancer answers ``/health/ready``. ``down`` sends honcho SIGTERM (it passes
it on to each process's group and SIGKILLs what is left after a few seconds), waits for it, then
SIGKILLs the group of any process honcho had started that is still alive, so nothing is left behind.

Configuration, each overridable from the environment: ``DATABASE_URL`` (the machine's PostgreSQL),
``CELERY_BROKER_URL`` and ``REDIS_URL`` (the machine's Redis), ``WEB_PORT`` (the balancer),
``WEB1_PORT``/``WEB2_PORT`` (the API servers), ``MAIL_PORT`` (the SMTP sink, ``EMAIL_URL`` points
at it), ``WORKER_CONCURRENCY``, ``GUNICORN_WORKERS``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
PROCFILE = ROOT / "Procfile.local"
STATE_DIR = ROOT / ".data" / "local"
PID_FILE = STATE_DIR / "honcho.pid"
LOG_FILE = STATE_DIR / "honcho.log"

DEFAULTS = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/expedientes_local",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
    "WEB_PORT": "8000",
    "WEB1_PORT": "8001",
    "WEB2_PORT": "8002",
    "MAIL_PORT": "1025",
    "WORKER_CONCURRENCY": "2",
    "GUNICORN_WORKERS": "2",
    "LOCAL_NAME": "local",
}

# A line each process prints once it serves (used by `make e2e-faults`, which starts them itself).
READY = {
    "web": "Listening at",
    "balancer": "balancer ready",
    "worker": " ready.",
    "beat": "beat: Starting",
    "mail": "mail sink ready",
}


def procfile(path: Path = PROCFILE) -> dict[str, str]:
    """``{name: command}`` of the Procfile, in order (honcho's own parser)."""
    from honcho.environ import parse_procfile

    return dict(parse_procfile(path.read_text()).processes)


def ready_line(name: str) -> str:
    return READY[name.rstrip("0123456789")]


def environment(overrides: dict[str, str] | None = None, state_dir: Path = STATE_DIR) -> dict[str, str]:
    """The processes' environment: this one, the defaults for what it does not set, then ``overrides``."""
    env = {**DEFAULTS, **os.environ, **(overrides or {})}
    env.setdefault("LOCAL_STATE_DIR", str(state_dir))
    env.setdefault("EMAIL_URL", f"smtp://127.0.0.1:{env['MAIL_PORT']}")
    env.pop("DJANGO_ENV", None)  # development settings: the local topology is not a deployment
    return env


def ensure_database(url: str) -> None:
    """Create the database of ``url`` on its server when it does not exist yet."""
    import environ
    import psycopg

    config = environ.Env.db_url_config(url)
    name = config["NAME"]
    with psycopg.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        autocommit=True,
    ) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _alive(pid: int) -> bool:
    """The process runs and is one of ours (its working directory is this checkout)."""
    try:
        os.kill(pid, 0)
        return Path(f"/proc/{pid}/cwd").resolve() == ROOT
    except OSError:
        return False


def _running_pid() -> int | None:
    try:
        pid = int(PID_FILE.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _alive(pid) else None


def _wait_ready(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urlopen(url, timeout=3) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return True
        except (URLError, OSError):
            pass
        time.sleep(0.5)
    return False


def up(timeout: float = 120) -> int:
    if _running_pid() is not None:
        print(f"up-local: already running (honcho pid {PID_FILE.read_text().strip()}); `make down-local` first")
        return 1
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    env = environment()
    ensure_database(env["DATABASE_URL"])
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([python, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True)  # noqa: S603
    honcho = str(ROOT / ".venv" / "bin" / "honcho")
    with LOG_FILE.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed argv
            [honcho, "start", "-f", str(PROCFILE), "-d", str(ROOT), "--no-colour"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own group: `down` reaches it whatever shell started it
        )
    PID_FILE.write_text(f"{process.pid}\n")
    base = f"http://127.0.0.1:{env['WEB_PORT']}"
    if not _wait_ready(f"{base}/health/ready", timeout):
        print(f"up-local: not ready within {timeout:g} s; see {LOG_FILE}", file=sys.stderr)
        down()
        return 1
    print(f"up-local: {', '.join(procfile())} (honcho pid {process.pid}, log {LOG_FILE.relative_to(ROOT)})")
    print(f"  API      {base}/api/v1/   (balanced over :{env['WEB1_PORT']} and :{env['WEB2_PORT']})")
    print(f"  Mail     {STATE_DIR.relative_to(ROOT)}/mail.jsonl (SMTP sink on :{env['MAIL_PORT']})")
    print(f"  Database {re.sub(r'//[^@/]*@', '//', env['DATABASE_URL'])}, broker {env['CELERY_BROKER_URL']}")
    return 0


def down(timeout: float = 45) -> int:
    pid = _running_pid()
    started = [int(found) for found in re.findall(rb"started \(pid=(\d+)\)", _log_bytes())]
    if pid is not None:
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
    # honcho SIGKILLs what outlives its own wait; anything still here (honcho itself killed, say) goes too.
    leftovers = [child for child in [*started, *([pid] if pid else [])] if _alive(child)]
    for child in leftovers:
        with contextlib.suppress(OSError):
            os.killpg(child, signal.SIGKILL)
    PID_FILE.unlink(missing_ok=True)
    if LOG_FILE.exists():
        LOG_FILE.rename(LOG_FILE.with_suffix(".log.previous"))
    print("down-local: stopped" + (f" (SIGKILLed {len(leftovers)} left over)" if leftovers else ""))
    return 0


def _log_bytes() -> bytes:
    try:
        return LOG_FILE.read_bytes()
    except OSError:
        return b""


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.local_topology", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["up", "down"])
    args = parser.parse_args(argv)
    return up() if args.command == "up" else down()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
