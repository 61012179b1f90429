"""Orders, payments and the catalog in the admin: actions through the services, clean refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from events.models import AuditEvent, Event
from orders import services
from orders.models import Category, Order, Payment, Product
from orders.payments import services as payment_services
from tests.support.admin import messages_of

pytestmark = pytest.mark.django_db

ORDERS = "/admin/orders/order/"
PRODUCTS = "/admin/orders/product/"


@pytest.fixture(autouse=True)
def _fake_provider(settings):
    from orders.payments import sandbox

    settings.PAYMENT_PROVIDER = "fake"
    sandbox.reset()


@pytest.fixture
def product():
    return Product.objects.create(name="Sello", price=Decimal("7.50"), stock=10)


def _order(user, product, quantity=1):
    return services.create_order(user=user, items=[{"product_id": product.pk, "quantity": quantity}])


def test_order_actions_go_through_the_workflow_and_report_each_row(citizen, clerk, clerk_web, product):
    pending = _order(citizen, product)
    shipped = _order(citizen, product)
    services.transition_order(actor=clerk, order_id=shipped.pk, action="approve")
    services.transition_order(actor=clerk, order_id=shipped.pk, action="ship")
    response = clerk_web.post(
        ORDERS, {"action": "order_approve", "_selected_action": [pending.pk, shipped.pk]}, follow=True
    )
    shown = messages_of(response)
    assert f"1 order moved to Approved: order {pending.pk}." in shown
    assert any(m.startswith(f"order {shipped.pk}: refused — Cannot approve an order that is shipped") for m in shown)
    pending.refresh_from_db()
    assert pending.status == "approved"
    audit = AuditEvent.objects.filter(entity_type="order", entity_id=str(pending.pk), action="transition").get()
    assert (audit.actor_id, audit.changes) == (clerk.pk, {"status": ["pending", "approved"]})
    assert Event.objects.filter(type="order.approved", data__id=pending.pk).exists()


def test_cancel_action_releases_stock_and_refunds(citizen, clerk, clerk_web, product):
    order = _order(citizen, product, quantity=3)
    payment_services.charge_order(actor=citizen, order_id=order.pk, payment_method="pm_card_visa")
    product.refresh_from_db()
    assert product.stock == 7
    clerk_web.post(ORDERS, {"action": "order_cancel", "_selected_action": [order.pk]})
    order.refresh_from_db()
    product.refresh_from_db()
    assert order.status == "cancelled"
    assert product.stock == 10
    assert Payment.objects.get(order=order).status == "refunded"


def test_refund_action(citizen, clerk_web, product):
    order = _order(citizen, product)
    payment = payment_services.charge_order(actor=citizen, order_id=order.pk, payment_method="pm_card_visa")
    unpaid = _order(citizen, product)
    response = clerk_web.post(
        ORDERS, {"action": "refund_payments", "_selected_action": [order.pk, unpaid.pk]}, follow=True
    )
    assert f"1 payment refunded: payment {payment.pk} (order {order.pk})." in messages_of(response)
    payment.refresh_from_db()
    assert payment.status == "refunded"
    assert Event.objects.filter(type="payment.refunded", data__id=payment.pk).exists()
    again = clerk_web.post(
        "/admin/orders/payment/", {"action": "refund", "_selected_action": [payment.pk]}, follow=True
    )
    assert f"payment {payment.pk}: refused — A payment that is refunded cannot be refunded" in messages_of(again)


def test_order_page_shows_items_and_payments_read_only(citizen, clerk_web, product):
    order = _order(citizen, product, quantity=2)
    payment_services.charge_order(actor=citizen, order_id=order.pk, payment_method="pm_card_visa")
    response = clerk_web.get(f"{ORDERS}{order.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sello" in html
    assert "15.00" in html
    assert "status-succeeded" in html
    assert clerk_web.get(f"{ORDERS}add/").status_code == 403


def _changelist_form(products, **stock_by_pk):
    data = {
        "form-TOTAL_FORMS": str(len(products)),
        "form-INITIAL_FORMS": str(len(products)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for index, product in enumerate(products):
        data[f"form-{index}-id"] = str(product.pk)
        data[f"form-{index}-stock"] = str(stock_by_pk.get(str(product.pk), product.stock))
        if product.active:
            data[f"form-{index}-active"] = "on"
    return data


def test_stock_edited_in_the_list_goes_through_the_service(clerk, clerk_web, product):
    response = clerk_web.post(PRODUCTS, _changelist_form([product], **{str(product.pk): 25}))
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.stock, product.version) == (25, 2)
    audit = AuditEvent.objects.filter(entity_type="product", entity_id=str(product.pk)).get()
    assert (audit.actor_id, audit.changes) == (clerk.pk, {"stock": [10, 25]})


def test_negative_stock_is_a_form_error_not_a_500(clerk_web, product):
    response = clerk_web.post(PRODUCTS, _changelist_form([product], **{str(product.pk): -1}))
    assert response.status_code == 200
    assert "Stock cannot be negative." in response.content.decode()
    product.refresh_from_db()
    assert product.stock == 10


def test_category_with_products_cannot_be_deleted(admin_web):
    category = Category.objects.create(name="Papelería", slug="papeleria")
    Product.objects.create(name="Lápiz", category=category, price=Decimal("1.00"), stock=1)
    response = admin_web.post(f"/admin/orders/category/{category.pk}/delete/", {"post": "yes"}, follow=True)
    assert response.status_code == 200
    assert "protected" in response.content.decode()
    assert Category.objects.filter(pk=category.pk).exists()


def test_category_created_through_the_service(clerk, clerk_web):
    response = clerk_web.post("/admin/orders/category/add/", {"name": "Tasas", "slug": "tasas"})
    assert response.status_code == 302
    category = Category.objects.get(slug="tasas")
    assert AuditEvent.objects.filter(entity_type="category", entity_id=str(category.pk), action="create").exists()
    duplicate = clerk_web.post("/admin/orders/category/add/", {"name": "TASAS", "slug": "tasas-2"})
    assert duplicate.status_code == 200
    assert Category.objects.count() == 1


def test_orders_are_not_placed_or_deleted_in_the_admin(citizen, admin_web, product):
    order = _order(citizen, product)
    assert admin_web.get(f"{ORDERS}add/").status_code == 403
    assert admin_web.get(f"{ORDERS}{order.pk}/delete/").status_code == 403
    assert Order.objects.filter(pk=order.pk).exists()


def test_admin_order_action_writes_the_same_audit_and_event_as_the_api(
    citizen, clerk, clerk_client, clerk_web, product
):
    via_admin = _order(citizen, product)
    via_api = _order(citizen, product)
    clerk_web.post(ORDERS, {"action": "order_approve", "_selected_action": [via_admin.pk]})
    assert clerk_client.post(f"/api/v1/orders/{via_api.pk}/approve").status_code == 200

    def trail(order):
        audit = AuditEvent.objects.filter(entity_type="order", entity_id=str(order.pk)).latest("id")
        event = Event.objects.filter(type="order.approved", data__id=order.pk).get()
        volatile = {"id", "created_at", "updated_at"}
        return (audit.actor_id, audit.action, audit.changes), {
            key: value for key, value in event.data.items() if key not in volatile
        }

    assert trail(via_admin) == trail(via_api)
