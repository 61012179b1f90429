"""Every answer the sandbox gives passes the same validation as a real provider's (contract test)."""

import pytest

from orders.payments import sandbox
from orders.payments.provider import (
    PaymentProviderClient,
    ProviderError,
    validate_charge,
    validate_refund,
)


@pytest.fixture(autouse=True)
def _clean_sandbox():
    sandbox.reset()
    yield
    sandbox.reset()


@pytest.fixture
def client():
    return PaymentProviderClient(sandbox.BASE_URL, session=sandbox.session(), sleep=lambda seconds: None)


@pytest.mark.parametrize(
    ("source", "status"),
    [
        ("pm_card_visa", "completed"),
        ("pm_card_mastercard", "completed"),
        ("pm_card_declined", "failed"),
        ("cash", "failed"),
    ],
)
@pytest.mark.parametrize(("amount", "currency"), [(1, "EUR"), (1250, "EUR"), (99999999, "USD")])
def test_charge_answers_pass_validation(client, source, status, amount, currency):
    code, body, _ = sandbox.answer(
        "/charges", {"amount": amount, "currency": currency, "source": source}, f"k-{source}"
    )
    assert code == 200
    assert validate_charge(body, amount=amount, currency=currency).status == status
    # And through the whole client, the way the services use it.
    result = client.charge(amount=amount, currency=currency, source=source, idempotency_key=f"c-{source}-{amount}")
    assert result.status == status


def test_refund_answers_pass_validation(client):
    charge = client.charge(amount=500, currency="EUR", source="pm_card_visa", idempotency_key="k1")
    code, body, _ = sandbox.answer("/refunds", {"charge": charge.id, "amount": 500}, "r1")
    assert code == 200
    assert validate_refund(body, amount=500).status == "completed"
    assert client.refund(charge_id=charge.id, amount=500, idempotency_key="r2").status == "completed"


def test_same_key_same_answer(client):
    first = client.charge(amount=500, currency="EUR", source="pm_card_visa", idempotency_key="same")
    second = client.charge(amount=500, currency="EUR", source="pm_card_visa", idempotency_key="same")
    assert first == second


def test_error_card_is_an_outage_on_every_attempt(client):
    with pytest.raises(ProviderError):
        client.charge(amount=500, currency="EUR", source="pm_card_error", idempotency_key="boom")
    assert [call["path"] for call in sandbox.calls] == ["/charges"] * 3
    assert {call["idempotency_key"] for call in sandbox.calls} == {"boom"}


def test_refund_of_unknown_charge_is_refused(client):
    with pytest.raises(ProviderError):
        client.refund(charge_id="nope", amount=500, idempotency_key="r")
