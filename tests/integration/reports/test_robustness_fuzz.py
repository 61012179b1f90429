"""Dashboard figures that outgrow a single order's money column must still render."""

from decimal import Decimal

import pytest

pytestmark = pytest.mark.django_db


def test_revenue_beyond_fourteen_digits_renders(clerk_client, citizen):
    from orders.models import Order, OrderStatus

    Order.objects.bulk_create(
        Order(user=citizen, status=OrderStatus.CONFIRMED, total=Decimal("9999999999.99")) for _ in range(101)
    )
    response = clerk_client.get("/api/v1/dashboard")
    assert response.status_code == 200, response.content
    assert response.json()["orders"]["revenue"] == "1009999999998.99"
