"""How an order reads its lines: the same product on two lines reserves their sum (and a cancelled
or rejected order gives it all back), and products priced in two currencies cannot share an order."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("action", ["cancel", "reject"])
def test_the_same_product_on_two_lines_reserves_both_quantities_and_gives_both_back(
    citizen, clerk_client, make_product, place, action
):
    product = make_product(stock=5)
    response = place(citizen, [(product, 2), (product, 3)])
    assert response.status_code == 201, response.content
    product.refresh_from_db()
    assert product.stock == 0
    assert clerk_client.post(f"/api/v1/orders/{response.json()['id']}/{action}").status_code == 200
    product.refresh_from_db()
    assert product.stock == 5


def test_the_same_product_on_two_lines_is_short_when_their_sum_is(citizen, make_product, place):
    product = make_product(stock=4)
    response = place(citizen, [(product, 2), (product, 3)])
    assert response.status_code == 409, response.content
    assert response.json()["errors"][0]["code"] == "insufficient_stock"
    product.refresh_from_db()
    assert product.stock == 4


def test_products_in_two_currencies_cannot_share_an_order(citizen, make_product, place):
    euros = make_product(stock=5)
    dollars = make_product(stock=5, currency="USD")
    response = place(citizen, [(euros, 1), (dollars, 1)])
    assert response.status_code == 422, response.content
    assert response.json()["errors"] == [
        {"field": "items", "message": "All products of an order must share one currency.", "code": "invalid"}
    ]
    euros.refresh_from_db()
    assert euros.stock == 5
