"""The fault run's topology: the processes of ``Procfile.local`` with this run's ports, the seed data, the
webhook endpoints, and the outbox drained."""

from __future__ import annotations

import os
import signal
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from scripts import local_topology
from tests.bench import processes
from tests.faults.probes import poll_until


class Topology:
    """The Procfile's processes with this run's environment; each started from its own line."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.lines = local_topology.procfile()
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str) -> None:
        argv = ["sh", "-c", "exec " + self.lines[name]]
        ready = local_topology.ready_line(name)
        self.running[name] = processes.start(argv, self.logs / f"{name}.log", ready, timeout=120, env=self.env)

    def start_all(self) -> None:
        with ThreadPoolExecutor(len(self.lines)) as pool:
            list(pool.map(self.start, self.lines))

    def kill(self, name: str) -> None:
        proc = self.running[name]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        with ThreadPoolExecutor(len(self.running) or 1) as pool:
            list(pool.map(processes.stop, self.running.values()))

    def dead(self) -> list[str]:
        return [name for name, proc in self.running.items() if proc.poll() is not None]


def seed() -> dict[str, Any]:
    from django.contrib.auth.hashers import make_password

    from accounts.models import User
    from orders.models import Category, Product

    hashed = make_password(PASSWORD)  # one hash for all: creating users is not what is measured
    accounts: dict[str, list[dict[str, str]]] = {"citizens": [], "clerks": []}
    for role, count in (("citizen", 16), ("clerk", 3)):
        for index in range(count):
            username = f"{role}{index}"
            User.objects.create_user(username=username, email=f"{username}@faults.example", password=None, role=role)
            accounts[f"{role}s"].append({"username": username, "password": PASSWORD})
    User.objects.update(password=hashed)
    category = Category.objects.create(name="Faults", slug="faults")
    products = [
        Product.objects.create(
            name=f"Artículo {index}", category=category, price=f"{10 + index}.50", stock=INITIAL_STOCK
        )
        for index in range(6)
    ]
    return {**accounts, "products": [product.pk for product in products]}


def make_endpoints(receiver_url: str) -> None:
    from events.services import create_endpoint

    for path, patterns in ENDPOINTS.items():
        create_endpoint(actor=None, url=f"{receiver_url}{path}", events=patterns)


def drain(timeout: float) -> bool:
    """Wait until no webhook delivery or email is pending (the workers finished the backlog)."""
    from django.db import connections

    from events.models import EmailMessage, WebhookDelivery

    def nothing_pending() -> bool:
        try:
            return not (
                WebhookDelivery.objects.filter(status="pending").exists()
                or EmailMessage.objects.filter(status="pending").exists()
            )
        except Exception:  # the database just came back: ask again
            connections.close_all()
            return False

    return poll_until(nothing_pending, timeout, every=1.0)


PASSWORD = "Faults-only-pass-2026"


ENDPOINTS = {"/hooks/all": ["*"], "/hooks/orders": ["order.*", "payment.*"]}


INITIAL_STOCK = 15  # per product: the load runs them out, so the refusals race too
