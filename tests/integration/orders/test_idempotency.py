"""Idempotency-Key on POST /orders (docs/api-guide.md), which exercises core.idempotency end to end."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.models import IdempotencyKey
from orders.models import Order
from tests.support.concurrency import run_concurrently


def _body(product, quantity=1):
    return {"items": [{"product_id": product.pk, "quantity": quantity}]}


@pytest.mark.django_db
def test_same_key_same_body_replays_byte_for_byte(citizen_client, make_product):
    product = make_product(stock=5)
    first = citizen_client.post("/api/v1/orders", _body(product), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = citizen_client.post("/api/v1/orders/", _body(product), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201
    assert first.content == second.content
    assert second["Idempotent-Replayed"] == "true"
    assert second["ETag"] == first["ETag"]
    assert not first.has_header("Idempotent-Replayed")
    assert Order.objects.count() == 1
    product.refresh_from_db()
    assert product.stock == 4


@pytest.mark.django_db
def test_same_key_other_body_is_422(citizen_client, make_product):
    product = make_product(stock=5)
    citizen_client.post("/api/v1/orders", _body(product), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    other = citizen_client.post("/api/v1/orders", _body(product, 2), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_error_answers_are_stored_too(citizen_client, make_product):
    product = make_product(stock=1)
    first = citizen_client.post("/api/v1/orders", _body(product, 2), format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert first.status_code == 409
    product.stock = 10
    product.save()
    again = citizen_client.post("/api/v1/orders", _body(product, 2), format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert again.status_code == 409
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_keys_are_scoped_per_user(client_for, citizen, other_citizen, make_product):
    product = make_product(stock=5)
    for user in (citizen, other_citizen):
        response = client_for(user).post("/api/v1/orders", _body(product), format="json", HTTP_IDEMPOTENCY_KEY="same")
        assert response.status_code == 201
        assert not response.has_header("Idempotent-Replayed")
    assert Order.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256])
def test_bad_key_is_422(citizen_client, make_product, key):
    response = citizen_client.post("/api/v1/orders", _body(make_product()), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_longest_key_is_accepted(citizen_client, make_product):
    response = citizen_client.post(
        "/api/v1/orders", _body(make_product()), format="json", HTTP_IDEMPOTENCY_KEY="x" * 255
    )
    assert response.status_code == 201


@pytest.mark.django_db
def test_key_in_progress_is_409(citizen, citizen_client, make_product):
    product = make_product()
    # The row a request still running would hold.
    _claim(citizen, product, "busy", expires_in=timedelta(hours=24))
    response = citizen_client.post("/api/v1/orders", _body(product), format="json", HTTP_IDEMPOTENCY_KEY="busy")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_in_use"
    assert Order.objects.count() == 0


def _fingerprint(body):
    import hashlib

    import orjson

    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _claim(user, product, key, *, expires_in, **fields):
    """The key row of ``user``'s ``POST /orders`` of ``product`` under ``key`` (a request's claim)."""
    return IdempotencyKey.objects.create(
        user_id=user.pk,
        method="POST",
        path="/api/v1/orders",
        key=key,
        fingerprint=_fingerprint(_body(product)),
        expires_at=timezone.now() + expires_in,
        **fields,
    )


@pytest.mark.django_db
def test_expired_keys_are_purged_and_can_be_reused(citizen_client, make_product):
    product = make_product(stock=5)
    citizen_client.post("/api/v1/orders", _body(product), format="json", HTTP_IDEMPOTENCY_KEY="old")
    # 24 h later (moving the row rather than the clock, which would expire the access token too)
    IdempotencyKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    again = citizen_client.post("/api/v1/orders", _body(product), format="json", HTTP_IDEMPOTENCY_KEY="old")
    assert again.status_code == 201
    assert not again.has_header("Idempotent-Replayed")
    assert Order.objects.count() == 2
    IdempotencyKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    call_command("purge_idempotency_keys")
    assert IdempotencyKey.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_make_one_order(citizen, client_for, make_product):
    product = make_product(stock=50)
    clients = [client_for(citizen) for _ in range(8)]
    responses = run_concurrently(
        [
            lambda c=c: c.post("/api/v1/orders", _body(product), format="json", HTTP_IDEMPOTENCY_KEY="race")
            for c in clients
        ]
    )
    created = [r for r in responses if r.status_code == 201 and not r.has_header("Idempotent-Replayed")]
    assert len(created) == 1
    for response in responses:
        if response.status_code == 409:
            assert response.json()["code"] == "idempotency_key_in_use"
        else:
            assert response.status_code == 201
            assert response.content == created[0].content
    assert Order.objects.count() == 1
    product.refresh_from_db()
    assert product.stock == 49


@pytest.mark.django_db
def test_abandoned_claim_is_taken_over(citizen, citizen_client, make_product, settings):
    product = make_product()
    past = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_LOCK_TIMEOUT_SECONDS + 1)
    _claim(citizen, product, "crashed", expires_in=timedelta(hours=23), locked_at=past)
    response = citizen_client.post("/api/v1/orders", _body(product), format="json", HTTP_IDEMPOTENCY_KEY="crashed")
    assert response.status_code == 201
    assert IdempotencyKey.objects.get().state == "completed"


@pytest.mark.django_db
def test_server_errors_are_not_stored(citizen_client, make_product, monkeypatch):
    from orders import services

    product = make_product(stock=5)

    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "create_order", explode)
    failed = citizen_client.post("/api/v1/orders", _body(product), format="json", HTTP_IDEMPOTENCY_KEY="flaky")
    assert failed.status_code == 500
    assert IdempotencyKey.objects.count() == 0
    monkeypatch.undo()
    retried = citizen_client.post("/api/v1/orders", _body(product), format="json", HTTP_IDEMPOTENCY_KEY="flaky")
    assert retried.status_code == 201
    assert not retried.has_header("Idempotent-Replayed")
