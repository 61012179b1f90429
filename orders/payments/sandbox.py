"""``PAYMENT_PROVIDER=fake``: an in-process provider spoken to over the real client.

It is a ``requests`` transport adapter, so the sandbox goes through exactly the code a real
provider does (retries, validation); only the network is missing. Test payment methods:
``pm_card_visa`` succeeds, ``pm_card_declined`` is declined, ``pm_card_error`` is an outage
(503 on every attempt). Other ``pm_card_*`` succeed; anything else is declined.
"""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

BASE_URL = "https://sandbox.payments.invalid"

_lock = threading.Lock()
# Answers by idempotency key, as a real provider keeps them: a retried request gets the first answer.
_answers: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
# Every request received, for tests that count provider calls.
calls: list[dict[str, Any]] = []


def reset() -> None:
    with _lock:
        _answers.clear()
        calls.clear()


def answer(path: str, body: dict[str, Any], idempotency_key: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    """What the sandbox says to one request: ``(status, body, headers)``."""
    with _lock:
        calls.append({"path": path, "body": body, "idempotency_key": idempotency_key})
        if path == "/charges" and body.get("source") == "pm_card_error":
            # An outage, and an honest one: come back at once (so the sandbox never slows a request).
            return 503, {"error": "service unavailable"}, {"Retry-After": "0"}
        remembered = _answers.get((path, idempotency_key))
        if remembered is not None:
            return remembered[0], remembered[1], {}
        if path == "/charges":
            status, data = _charge(body)
        elif path == "/refunds":
            status, data = _refund(body)
        else:
            status, data = 404, {"error": "not found"}
        if status < 500:
            _answers[(path, idempotency_key)] = (status, data)
        return status, data, {}


def _charge(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    amount, currency, source = body.get("amount"), body.get("currency"), str(body.get("source") or "")
    if type(amount) is not int or amount <= 0 or not isinstance(currency, str):
        return 400, {"error": "amount must be a positive integer and currency a string"}
    succeeded = source.startswith("pm_card_") and not source.startswith("pm_card_declined")
    charge = {
        "id": f"ch_{uuid.uuid4().hex}",
        "status": "completed" if succeeded else "failed",
        "amount": amount,
        "currency": currency,
    }
    return 200, charge


def _refund(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    # Stateless on purpose: under several server processes the refund may reach another one
    # than the charge did, so any sandbox charge id ("ch_...") is accepted.
    charge, amount = str(body.get("charge") or ""), body.get("amount")
    if not charge.startswith("ch_"):
        return 404, {"error": "no such charge"}
    if type(amount) is not int or amount <= 0:
        return 400, {"error": "amount must be a positive integer"}
    return 200, {"id": f"re_{uuid.uuid4().hex}", "status": "completed", "amount": amount}


class SandboxAdapter(BaseAdapter):
    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        url = request.url or ""
        path = "/" + url.split(BASE_URL, 1)[-1].lstrip("/")
        raw = request.body if isinstance(request.body, (bytes, str)) else b"{}"
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        key = request.headers.get("Idempotency-Key", "")
        status, data, headers = answer(path, body, key.decode() if isinstance(key, bytes) else key)
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(data).encode()
        response.headers = CaseInsensitiveDict({"Content-Type": "application/json", **headers})
        response.url = url
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass


def session() -> requests.Session:
    s = requests.Session()
    s.mount(BASE_URL, SandboxAdapter())
    return s
