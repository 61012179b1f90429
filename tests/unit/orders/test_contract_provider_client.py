"""docs/api-guide.md#payment-provider protocol: the client's time budget, transport failures and URL joining."""

import pytest
import requests

from orders.payments.provider import PaymentProviderClient, ProviderError

URL = "https://pay.example.test"
CHARGE = {"id": "ch_1", "status": "completed", "amount": 1250, "currency": "EUR"}


class FakeClock:
    """Time that moves only when the client sleeps or a (mocked) request takes long."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


def make_client(clock, **options):
    return PaymentProviderClient(URL, "key", sleep=clock.sleep, clock=clock, **options)


def charge(client):
    return client.charge(amount=1250, currency="EUR", source="pm_card_visa", idempotency_key="pay_abc")


def slow_timeout(clock, seconds):
    """A requests-mock callback: the provider kept us waiting ``seconds``, then we timed out."""

    def callback(request, context):
        clock.now += seconds
        raise requests.exceptions.ReadTimeout("read timed out")

    return callback


def test_slow_provider_on_every_attempt_stays_within_the_budget(requests_mock, clock):
    client = make_client(clock, total_timeout=25.0)
    started = clock.now
    timeouts = []

    def callback(request, context):
        timeouts.append(request.timeout)
        clock.now += request.timeout[1]
        raise requests.exceptions.ReadTimeout("read timed out")

    requests_mock.post(f"{URL}/charges", json=callback)
    with pytest.raises(ProviderError):
        charge(client)
    # Three attempts, as the contract says, but the last one only gets what is left.
    assert requests_mock.call_count == 3
    assert timeouts[0] == (3.0, 10.0)
    assert timeouts[1] == (3.0, 10.0)
    assert timeouts[2][1] == pytest.approx(25.0 - 20.0 - 0.5 - 1.0)
    assert clock.now - started <= 25.0


def test_retry_after_of_an_hour_is_capped_and_bounded(requests_mock, clock):
    client = make_client(clock)
    requests_mock.post(f"{URL}/charges", status_code=503, headers={"Retry-After": "3600"})
    with pytest.raises(ProviderError):
        charge(client)
    assert requests_mock.call_count == 3
    assert clock.sleeps == [5.0, 5.0]


def test_no_attempt_is_started_without_time_left(requests_mock, clock):
    client = make_client(clock, total_timeout=12.0)
    requests_mock.post(f"{URL}/charges", json=slow_timeout(clock, 11.8))
    with pytest.raises(ProviderError):
        charge(client)
    assert requests_mock.call_count == 1
    assert clock.now - 1000.0 <= 12.0


def test_broken_transfer_is_retried(requests_mock, clock):
    requests_mock.post(f"{URL}/charges", [{"exc": requests.exceptions.ChunkedEncodingError}, {"json": CHARGE}])
    assert charge(make_client(clock)).id == "ch_1"
    assert requests_mock.call_count == 2


@pytest.mark.parametrize("exc", [requests.exceptions.InvalidURL, requests.exceptions.TooManyRedirects])
def test_other_transport_errors_are_provider_errors_without_retry(requests_mock, clock, exc):
    requests_mock.post(f"{URL}/charges", exc=exc)
    with pytest.raises(ProviderError):
        charge(make_client(clock))
    assert requests_mock.call_count == 1


def test_missing_url_is_a_provider_error():
    client = PaymentProviderClient("", "key", sleep=lambda seconds: None)
    with pytest.raises(ProviderError):
        charge(client)


def test_redirect_is_not_followed(requests_mock, clock):
    requests_mock.post(f"{URL}/charges", status_code=302, headers={"Location": "https://elsewhere.test/charges"})
    elsewhere = requests_mock.get("https://elsewhere.test/charges", json=CHARGE)
    with pytest.raises(ProviderError):
        charge(make_client(clock))
    assert elsewhere.call_count == 0


def test_error_messages_do_not_name_the_provider_host(requests_mock, clock):
    requests_mock.post(f"{URL}/charges", exc=requests.exceptions.ConnectTimeout(f"{URL} unreachable"))
    with pytest.raises(ProviderError) as raised:
        charge(make_client(clock))
    assert "pay.example.test" not in str(raised.value)
    assert "timeout" in str(raised.value)


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("https://pay.example.test", "https://pay.example.test/charges"),
        ("https://pay.example.test/", "https://pay.example.test/charges"),
        ("https://pay.example.test/v1", "https://pay.example.test/v1/charges"),
        ("https://pay.example.test/v1/", "https://pay.example.test/v1/charges"),
    ],
)
def test_url_joining_with_or_without_trailing_slash(requests_mock, clock, base, expected):
    mocked = requests_mock.post(expected, json=CHARGE)
    client = PaymentProviderClient(base, "sk_live", sleep=clock.sleep, clock=clock)
    charge(client)
    assert mocked.call_count == 1
    assert mocked.last_request.headers["Authorization"] == "Bearer sk_live"
    assert mocked.last_request.headers["Idempotency-Key"] == "pay_abc"
