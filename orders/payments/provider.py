"""The payment provider's HTTP client (docs/api-guide.md#payment-provider).

One class over ``requests``: connect/read timeouts, retries of 502/503/504, timeouts and
connection errors (3 attempts in all, exponential backoff, ``Retry-After`` honoured up to a cap,
the same ``Idempotency-Key`` on every attempt), no retry on other answers, and strict validation
of what comes back: an answer that breaks the contract is a failure, never a success.

The whole exchange (attempts and waits) also has a deadline, so a provider that is slow on
every attempt cannot hold an API request past the server's worker timeout: the last attempt
gets what is left of the budget as its timeouts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import requests
from django.conf import settings

from core.http import parse_retry_after

logger = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({502, 503, 504})
# Transport failures worth another attempt: nothing usable came back, the next try may work.
RETRYABLE_ERRORS = (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError)
# An attempt with less time than this left would only be a timeout waiting to happen.
MIN_ATTEMPT_SECONDS = 0.5
CHARGE_STATUSES = frozenset({"pending", "completed", "failed"})
REFUND_STATUSES = frozenset({"pending", "completed", "failed"})


class ProviderError(Exception):
    """The provider could not give a usable answer (outage, 4xx, broken contract): ``502``."""


class ProviderContractError(ProviderError):
    """The provider answered, but not as the contract says."""


@dataclass(frozen=True)
class Charge:
    id: str
    status: str  # pending | completed | failed
    amount: int
    currency: str


@dataclass(frozen=True)
class Refund:
    id: str
    status: str  # pending | completed | failed


def to_minor(amount: Decimal) -> int:
    """Decimal with two places -> integer minor units (cents) for the provider."""
    return int((amount * 100).to_integral_value())


def validate_charge(body: Any, *, amount: int, currency: str) -> Charge:
    """The contract's charge answer, or ``ProviderContractError``."""
    if not isinstance(body, dict):
        raise ProviderContractError("charge answer is not an object")
    charge_id, status, got_amount, got_currency = (body.get(k) for k in ("id", "status", "amount", "currency"))
    if not isinstance(charge_id, str) or not charge_id:
        raise ProviderContractError("charge answer has no id")
    if status not in CHARGE_STATUSES:
        raise ProviderContractError(f"unknown charge status {status!r}")
    # bool is an int in Python; the contract's amount is an integer, never a string or a float.
    if type(got_amount) is not int:
        raise ProviderContractError(f"non-integer amount {got_amount!r}")
    if got_amount != amount:
        raise ProviderContractError(f"amount {got_amount} differs from the {amount} asked")
    if got_currency != currency:
        raise ProviderContractError(f"currency {got_currency!r} differs from the {currency!r} asked")
    return Charge(id=charge_id, status=status, amount=got_amount, currency=got_currency)


def validate_refund(body: Any, *, amount: int | None = None) -> Refund:
    if not isinstance(body, dict):
        raise ProviderContractError("refund answer is not an object")
    refund_id, status = body.get("id"), body.get("status")
    if not isinstance(refund_id, str) or not refund_id:
        raise ProviderContractError("refund answer has no id")
    if status not in REFUND_STATUSES:
        raise ProviderContractError(f"unknown refund status {status!r}")
    if "amount" in body and amount is not None and (type(body["amount"]) is not int or body["amount"] != amount):
        raise ProviderContractError(f"refund amount {body['amount']!r} differs from the {amount} asked")
    return Refund(id=refund_id, status=status)


class PaymentProviderClient:
    """Charges and refunds at the provider; see the module docstring for the policy."""

    def __init__(
        self,
        base_url: str,
        api_key: str = "",
        *,
        session: requests.Session | None = None,
        connect_timeout: float = 3.0,
        read_timeout: float = 10.0,
        attempts: int = 3,
        backoff: float = 0.5,
        max_delay: float = 5.0,
        total_timeout: float = 25.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.session = session or requests.Session()
        self.timeout = (connect_timeout, read_timeout)
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.max_delay = max_delay
        self.total_timeout = total_timeout
        self.sleep = sleep
        self.clock = clock

    # --- operations -------------------------------------------------------------------------
    def charge(
        self, *, amount: int, currency: str, source: str, idempotency_key: str, metadata: dict[str, Any] | None = None
    ) -> Charge:
        body = {"amount": amount, "currency": currency, "source": source, "metadata": metadata or {}}
        answer = self._post("/charges", body, idempotency_key)
        try:
            return validate_charge(answer, amount=amount, currency=currency)
        except ProviderContractError:
            logger.error("payment provider broke the charge contract: %r", answer, exc_info=True)
            raise

    def refund(self, *, charge_id: str, amount: int, idempotency_key: str) -> Refund:
        answer = self._post("/refunds", {"charge": charge_id, "amount": amount}, idempotency_key)
        try:
            return validate_refund(answer, amount=amount)
        except ProviderContractError:
            logger.error("payment provider broke the refund contract: %r", answer, exc_info=True)
            raise

    # --- transport --------------------------------------------------------------------------
    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Wait before attempt ``attempt + 1``: exponential, or the provider's ``Retry-After``; capped."""
        wanted = retry_after if retry_after is not None else self.backoff * (2 ** (attempt - 1))
        return min(max(wanted, 0.0), self.max_delay)

    def _post(self, path: str, body: dict[str, Any], idempotency_key: str) -> Any:
        url = self.base_url + path
        headers = {"Idempotency-Key": idempotency_key}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        deadline = self.clock() + self.total_timeout
        problem = "no attempt made"
        attempt = 0
        while attempt < self.attempts:
            remaining = deadline - self.clock()
            if remaining < MIN_ATTEMPT_SECONDS:
                problem += " (out of time)"
                break
            attempt += 1
            retry_after: float | None = None
            connect_timeout, read_timeout = self.timeout
            timeout = (min(connect_timeout, remaining), min(read_timeout, remaining))
            try:
                # A redirect would turn the POST into a GET somewhere else: never follow one.
                response = self.session.post(url, json=body, headers=headers, timeout=timeout, allow_redirects=False)
            except RETRYABLE_ERRORS as exc:
                # The exception text names hosts and ports: log it, keep it out of API answers.
                logger.warning("payment provider %s attempt %d: %s: %s", path, attempt, type(exc).__name__, exc)
                problem = "timeout" if isinstance(exc, requests.Timeout) else "connection error"
            except requests.RequestException as exc:
                logger.error("payment provider %s could not be called: %s: %s", path, type(exc).__name__, exc)
                raise ProviderError("the provider could not be called") from None
            else:
                if response.status_code in RETRYABLE_STATUSES:
                    problem = f"HTTP {response.status_code}"
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                elif 200 <= response.status_code < 300:
                    try:
                        return response.json()
                    except ValueError:
                        logger.error("payment provider answered %s with a body that is not JSON", path)
                        raise ProviderContractError("answer is not JSON") from None
                else:
                    # A 4xx (or another 5xx, or a redirect) will not get better by asking again.
                    logger.error(
                        "payment provider refused %s: HTTP %s %s", path, response.status_code, response.text[:500]
                    )
                    raise ProviderError(f"provider answered HTTP {response.status_code}")
            logger.warning("payment provider %s attempt %d/%d failed: %s", path, attempt, self.attempts, problem)
            if attempt < self.attempts:
                # Never wait past the point where the next attempt would have no time left.
                wait = min(self.delay(attempt, retry_after), max(0.0, deadline - self.clock() - MIN_ATTEMPT_SECONDS))
                self.sleep(wait)
        raise ProviderError(f"provider unavailable after {attempt} attempts ({problem})")


def get_client() -> PaymentProviderClient:
    """The configured provider: the in-process sandbox (``PAYMENT_PROVIDER=fake``) or HTTP."""
    options = {
        "connect_timeout": settings.PAYMENT_PROVIDER_CONNECT_TIMEOUT,
        "read_timeout": settings.PAYMENT_PROVIDER_READ_TIMEOUT,
        "attempts": settings.PAYMENT_PROVIDER_ATTEMPTS,
        "backoff": settings.PAYMENT_PROVIDER_BACKOFF_SECONDS,
        "max_delay": settings.PAYMENT_PROVIDER_MAX_RETRY_DELAY,
        "total_timeout": settings.PAYMENT_PROVIDER_TOTAL_TIMEOUT,
    }
    if settings.PAYMENT_PROVIDER == "fake":
        from orders.payments import sandbox

        return PaymentProviderClient(sandbox.BASE_URL, "sandbox", session=sandbox.session(), **options)
    return PaymentProviderClient(settings.PAYMENT_PROVIDER_URL, settings.PAYMENT_PROVIDER_API_KEY, **options)
