"""The load of `make e2e-faults`: citizens and clerks doing what an office does, through the balancer.

Run by ``tests.faults`` as ``locust --headless`` with a fixed number of users and seconds. Logins,
expediente creates and transitions, orders (and cancellations), cart + checkout with the sandbox
card, list reads. Answers the contract allows for a busy system (``409`` on a lost race or no
stock) count as served; anything else (a ``503`` during the database outage included) is a failure.
Every write the API acknowledged is appended to ``FAULTS_ACKS`` (JSON lines), for the audit to check
against the database, and every failure with its time to ``FAULTS_ERRORS``. Users and products come from ``FAULTS_FIXTURE`` (JSON, written by the runner).
"""

from __future__ import annotations

import json
import os
import random
import uuid
from typing import Any

from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

FIXTURE = json.loads(open(os.environ["FAULTS_FIXTURE"], encoding="utf-8").read())  # noqa: SIM115 - read once
ACKS = open(os.environ["FAULTS_ACKS"], "a", encoding="utf-8")  # noqa: SIM115 - open for the whole run
_taken = {"citizen": 0, "clerk": 0}


ERRORS = open(os.environ["FAULTS_ERRORS"], "a", encoding="utf-8")  # noqa: SIM115 - open for the whole run


def ack(kind: str, **fields: Any) -> None:
    ACKS.write(json.dumps({"kind": kind, **fields}) + "\n")
    ACKS.flush()


@events.request.add_listener
def _failed(name: str, exception: Any, start_time: float, response_time: float, **kwargs: Any) -> None:
    """When each failure happened (epoch seconds), so the runner can place it against the faults."""
    if exception is not None:
        ERRORS.write(json.dumps({"at": start_time, "ms": response_time, "name": name, "error": str(exception)}) + "\n")
        ERRORS.flush()


@events.quitting.add_listener
def _close(**kwargs: Any) -> None:
    ACKS.close()
    ERRORS.close()


class Office(FastHttpUser):
    abstract = True
    role = "citizen"
    wait_time = between(0.2, 1.0)

    def on_start(self) -> None:
        accounts = FIXTURE[f"{self.role}s"]
        self.account = accounts[_taken[self.role] % len(accounts)]
        _taken[self.role] += 1
        self.token = ""
        self.login()

    def login(self) -> None:
        body = {"username": self.account["username"], "password": self.account["password"]}
        with self.client.post("/api/v1/auth/login", json=body, name="login", catch_response=True) as response:
            if response.status_code == 200:
                self.token = response.json()["access_token"]
                response.success()
            else:
                response.failure(f"login: HTTP {response.status_code}")

    def call(self, method: str, path: str, name: str, ok: tuple[int, ...], **kwargs: Any) -> Any:
        """One request; ``None`` unless the answer is 2xx (other answers in ``ok`` still count as served)."""
        if not self.token:
            self.login()
            if not self.token:
                return None
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        with self.client.request(method, path, name=name, headers=headers, catch_response=True, **kwargs) as response:
            if response.status_code in ok:
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}")
                return None
            if 200 <= response.status_code < 300 and response.content:
                return response.json()
            return {} if 200 <= response.status_code < 300 else None


class Citizen(Office):
    weight = 4
    role = "citizen"

    def on_start(self) -> None:
        super().on_start()
        self.drafts: list[int] = []  # own expedientes that may go to review
        self.pending_orders: list[int] = []

    @task(1)
    def relogin(self) -> None:
        self.login()

    @task(3)
    def create_expediente(self) -> None:
        numero = f"F-{uuid.uuid4().hex[:16]}"
        body = {"numero": numero, "solicitante": "Lucía Núñez", "concepto": "Carga con averías"}
        created = self.call("POST", "/api/v1/expedientes", "expedientes create", (201,), json=body)
        if created is not None:
            ack("expediente", id=created["id"], numero=numero)
            self.drafts.append(created["id"])

    @task(2)
    def send_to_review(self) -> None:
        if not self.drafts:
            return
        pk = self.drafts.pop(0)
        path = f"/api/v1/expedientes/{pk}/transitions"
        done = self.call("POST", path, "expedientes transition", (200, 409), json={"to": "en_revision"})
        if done:
            ack("transition", entity="expediente", id=pk, to="en_revision")

    @task(4)
    def list_expedientes(self) -> None:
        self.call("GET", "/api/v1/expedientes?per_page=20", "expedientes list", (200,))

    @task(2)
    def place_order(self) -> None:
        items = [{"product_id": random.choice(FIXTURE["products"]), "quantity": random.randint(1, 3)}]
        order = self.call("POST", "/api/v1/orders", "orders create", (201, 409), json={"items": items})
        if order:
            ack("order", id=order["id"])
            self.pending_orders.append(order["id"])

    @task(1)
    def cancel_order(self) -> None:
        if not self.pending_orders:
            return
        pk = self.pending_orders.pop(0)
        if self.call("POST", f"/api/v1/orders/{pk}/cancel", "orders cancel", (200, 409)):
            ack("transition", entity="order", id=pk, to="cancelled")

    @task(2)
    def checkout(self) -> None:
        line = {"product_id": random.choice(FIXTURE["products"]), "quantity": random.randint(1, 2)}
        if self.call("POST", "/api/v1/cart/items", "cart add", (201,), json=line) is None:
            return
        key = {"Idempotency-Key": uuid.uuid4().hex}
        body = {"payment_method": "pm_card_visa", "shipping_address": "Calle Mayor 1"}
        done = self.call("POST", "/api/v1/checkout", "checkout", (201, 409), json=body, headers=key)
        if done:
            ack("checkout", order=done["order_id"], payment=done["payment"]["id"])
        else:  # out of stock (or failed): the next checkout starts from an empty cart
            self.call("DELETE", f"/api/v1/cart/items/{line['product_id']}", "cart remove", (204, 404))

    @task(3)
    def list_orders(self) -> None:
        self.call("GET", "/api/v1/orders?per_page=20", "orders list", (200,))

    @task(1)
    def list_products(self) -> None:
        self.call("GET", "/api/v1/products?per_page=20", "products list", (200,))


class Clerk(Office):
    weight = 1
    role = "clerk"

    def decide(self, estado: str, targets: list[str]) -> None:
        page = self.call("GET", f"/api/v1/expedientes?estado={estado}&per_page=10", "expedientes list", (200,))
        if not page or not page.get("data"):
            return
        pk = random.choice(page["data"])["id"]
        to = random.choice(targets)
        path = f"/api/v1/expedientes/{pk}/transitions"
        if self.call("POST", path, "expedientes transition", (200, 409), json={"to": to}):
            ack("transition", entity="expediente", id=pk, to=to)

    @task(4)
    def review(self) -> None:
        self.decide("en_revision", ["aprobado", "rechazado", "requiere_subsanacion"])

    @task(1)
    def archive(self) -> None:
        self.decide("aprobado,rechazado", ["archivado"])

    @task(2)
    def list_orders(self) -> None:
        self.call("GET", "/api/v1/orders?per_page=20", "orders list", (200,))
