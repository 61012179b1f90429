"""The provider client against requests-mock: retries, Retry-After, idempotency key, validation."""

import pytest
import requests

from orders.payments.provider import PaymentProviderClient, ProviderContractError, ProviderError

URL = "https://pay.example.test"
CHARGE = {"id": "ch_1", "status": "completed", "amount": 1250, "currency": "EUR"}


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(sleeps):
    return PaymentProviderClient(URL, "key", sleep=sleeps.append)


def charge(client, **overrides):
    kwargs = {"amount": 1250, "currency": "EUR", "source": "pm_card_visa", "idempotency_key": "pay_abc"}
    return client.charge(**{**kwargs, **overrides})


def test_success_sends_contract_request(requests_mock, client, sleeps):
    requests_mock.post(f"{URL}/charges", json=CHARGE)
    result = charge(client, metadata={"order_id": 7})
    assert (result.id, result.status, result.amount) == ("ch_1", "completed", 1250)
    request = requests_mock.last_request
    assert request.json() == {"amount": 1250, "currency": "EUR", "source": "pm_card_visa", "metadata": {"order_id": 7}}
    assert request.headers["Idempotency-Key"] == "pay_abc"
    assert request.headers["Authorization"] == "Bearer key"
    assert request.timeout == (3.0, 10.0)
    assert sleeps == []


def test_503_503_then_success_three_calls_same_key(requests_mock, client, sleeps):
    requests_mock.post(
        f"{URL}/charges", [{"status_code": 503}, {"status_code": 503}, {"json": CHARGE, "status_code": 200}]
    )
    assert charge(client).status == "completed"
    assert requests_mock.call_count == 3
    assert {r.headers["Idempotency-Key"] for r in requests_mock.request_history} == {"pay_abc"}
    assert sleeps == [0.5, 1.0]  # exponential backoff


def test_503_on_every_attempt_gives_up_after_three(requests_mock, client, sleeps):
    requests_mock.post(f"{URL}/charges", status_code=503)
    with pytest.raises(ProviderError):
        charge(client)
    assert requests_mock.call_count == 3
    assert len(sleeps) == 2


@pytest.mark.parametrize("status_code", [502, 504])
def test_other_gateway_errors_are_retried(requests_mock, client, status_code):
    requests_mock.post(f"{URL}/charges", [{"status_code": status_code}, {"json": CHARGE}])
    assert charge(client).id == "ch_1"
    assert requests_mock.call_count == 2


@pytest.mark.parametrize("status_code", [400, 401, 404, 409, 422, 500])
def test_4xx_and_plain_500_are_not_retried(requests_mock, client, sleeps, status_code):
    requests_mock.post(f"{URL}/charges", status_code=status_code, json={"error": "nope"})
    with pytest.raises(ProviderError):
        charge(client)
    assert requests_mock.call_count == 1
    assert sleeps == []


@pytest.mark.parametrize(
    "exc", [requests.exceptions.ReadTimeout, requests.exceptions.ConnectTimeout, requests.ConnectionError]
)
def test_timeouts_and_connection_errors_are_retried(requests_mock, client, exc):
    requests_mock.post(f"{URL}/charges", [{"exc": exc}, {"json": CHARGE}])
    assert charge(client).status == "completed"
    assert requests_mock.call_count == 2


def test_retry_after_is_honoured(requests_mock, client, sleeps):
    requests_mock.post(f"{URL}/charges", [{"status_code": 503, "headers": {"Retry-After": "2"}}, {"json": CHARGE}])
    charge(client)
    assert sleeps == [2.0]


def test_retry_after_is_capped(requests_mock, sleeps):
    client = PaymentProviderClient(URL, sleep=sleeps.append, max_delay=5.0)
    requests_mock.post(f"{URL}/charges", [{"status_code": 503, "headers": {"Retry-After": "120"}}, {"json": CHARGE}])
    charge(client)
    assert sleeps == [5.0]


def test_retry_after_as_http_date(requests_mock, client, sleeps):
    requests_mock.post(
        f"{URL}/charges",
        [{"status_code": 503, "headers": {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}}, {"json": CHARGE}],
    )
    charge(client)
    assert sleeps == [0.0]  # a date in the past: retry at once


@pytest.mark.parametrize(
    "answer",
    [
        {**CHARGE, "status": "weird"},
        {**CHARGE, "amount": "1250"},
        {**CHARGE, "amount": 12.5},
        {**CHARGE, "amount": True},
        {**CHARGE, "amount": 999},
        {**CHARGE, "currency": "USD"},
        {k: v for k, v in CHARGE.items() if k != "id"},
        ["not", "an", "object"],
    ],
)
def test_contract_breaking_answers_are_failures(requests_mock, client, answer, caplog):
    requests_mock.post(f"{URL}/charges", json=answer)
    with pytest.raises(ProviderContractError):
        charge(client)
    assert requests_mock.call_count == 1
    assert "broke the charge contract" in caplog.text


def test_non_json_answer_is_a_failure(requests_mock, client):
    requests_mock.post(f"{URL}/charges", text="<html>ok</html>")
    with pytest.raises(ProviderContractError):
        charge(client)


def test_decline_is_an_answer_not_an_error(requests_mock, client):
    requests_mock.post(f"{URL}/charges", json={**CHARGE, "status": "failed"})
    assert charge(client).status == "failed"


def test_refund(requests_mock, client):
    requests_mock.post(f"{URL}/refunds", json={"id": "re_1", "status": "completed"})
    refund = client.refund(charge_id="ch_1", amount=1250, idempotency_key="pay_abc_refund")
    assert (refund.id, refund.status) == ("re_1", "completed")
    assert requests_mock.last_request.json() == {"charge": "ch_1", "amount": 1250}
    assert requests_mock.last_request.headers["Idempotency-Key"] == "pay_abc_refund"


def test_refund_with_unknown_status_is_a_failure(requests_mock, client):
    requests_mock.post(f"{URL}/refunds", json={"id": "re_1", "status": "maybe"})
    with pytest.raises(ProviderContractError):
        client.refund(charge_id="ch_1", amount=1250, idempotency_key="k")
