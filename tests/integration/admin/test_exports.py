"""Exports from the admin's changelists: the filtered list, every page, as CSV or XLSX, streamed
and audited."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.http import StreamingHttpResponse
from django.test import Client

from events.models import AuditEvent
from expedientes import services
from orders import services as orders_services
from orders.models import Payment, Product

pytestmark = pytest.mark.django_db

EXPEDIENTES = "/admin/expedientes/expediente/"


def _csv(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _xlsx(response) -> list[tuple]:
    assert isinstance(response, StreamingHttpResponse)
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def expedientes(citizen, clerk):
    made = {}
    for n, (solicitante, estado) in enumerate(
        [
            ("Ana García", "en_revision"),
            ("Luis Núñez", "en_revision"),
            ("Ana Pérez", None),
            ("=HYPERLINK(1)", "en_revision"),
        ]
    ):
        expediente = services.create_expediente(actor=citizen, numero=f"EXP-X-{n}", solicitante=solicitante)
        if estado:
            services.transition_expediente(expediente_id=expediente.pk, actor=clerk, to=estado)
        made[solicitante] = expediente
    return made


def test_csv_export_follows_the_lists_filters_search_and_ordering(expedientes, clerk, citizen, clerk_web):
    response = clerk_web.get(f"{EXPEDIENTES}export/csv/?estado__exact=en_revision&q=ana&o=1")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="expedientes-')
    rows = _csv(response)
    assert rows[0][:5] == ["id", "numero", "solicitante", "concepto", "estado"]
    # en revisión and "ana" (accents and case ignored): only Ana García; Ana Pérez is iniciado.
    assert [row[1] for row in rows[1:]] == ["EXP-X-0"]
    assert rows[1][2] == "Ana García"
    assert rows[1][5] == citizen.username
    assert rows[1][9].endswith("Z")


def test_every_page_is_exported_not_just_the_first(citizen, clerk_web, settings):
    for n in range(60):  # the list shows 50 per page
        services.create_expediente(actor=citizen, numero=f"EXP-P-{n:03d}", solicitante="Eva")
    rows = _csv(clerk_web.get(f"{EXPEDIENTES}export/csv/?p=2"))
    assert len(rows) == 61
    # Newest first, as the list.
    assert rows[1][1] == "EXP-P-059"


def test_formulas_stay_text(expedientes, clerk_web):
    rows = _csv(clerk_web.get(f"{EXPEDIENTES}export/csv/?q=hyperlink"))
    assert rows[1][2] == "'=HYPERLINK(1)"
    sheet = _xlsx(clerk_web.get(f"{EXPEDIENTES}export/xlsx/?q=hyperlink"))
    assert sheet[1][2] == "=HYPERLINK(1)"  # a string cell, never a formula (openpyxl would say so)


def test_xlsx_export_has_typed_cells(expedientes, clerk_web):
    response = clerk_web.get(f"{EXPEDIENTES}export/xlsx/?estado__exact=en_revision")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = _xlsx(response)
    assert sheet[0][:3] == ("id", "numero", "solicitante")
    assert sorted(row[1] for row in sheet[1:]) == ["EXP-X-0", "EXP-X-1", "EXP-X-3"]
    assert isinstance(sheet[1][0], int | float)
    assert sheet[1][9].year >= 2024  # a real date-time cell


def test_an_export_is_audited_before_it_is_sent(expedientes, clerk, clerk_web):
    clerk_web.get(f"{EXPEDIENTES}export/xlsx/?estado__exact=en_revision&q=ana")
    event = AuditEvent.objects.get(action="export")
    assert event.actor_id == clerk.pk
    assert event.entity_type == "expediente"
    assert event.changes["format"] == "xlsx"
    assert event.changes["query"] == "estado__exact=en_revision&q=ana"
    assert "numero" in event.changes["columns"]


def test_the_changelist_links_its_exports_with_its_filters(expedientes, clerk_web):
    html = clerk_web.get(f"{EXPEDIENTES}?estado__exact=en_revision").content.decode()
    assert f'href="{EXPEDIENTES}export/csv/?estado__exact=en_revision"' in html
    assert f'href="{EXPEDIENTES}export/xlsx/?estado__exact=en_revision"' in html


def test_orders_payments_and_audit_events_export_too(citizen, clerk, clerk_web, settings):
    settings.PAYMENT_PROVIDER = "fake"
    product = Product.objects.create(name="Sello", price=Decimal("12.50"), stock=10)
    order = orders_services.create_order(user=citizen, items=[{"product_id": product.pk, "quantity": 2}])
    Payment.objects.create(order=order, amount=Decimal("25.00"), payment_method="pm_card_visa", status="succeeded")
    orders = _csv(clerk_web.get("/admin/orders/order/export/csv/?status__exact=pending"))
    assert orders[1][:7] == [str(order.pk), citizen.username, citizen.email, "pending", "25.00", "EUR", "1"]
    payments = _csv(clerk_web.get("/admin/orders/payment/export/csv/"))
    assert payments[1][1:4] == [str(order.pk), "succeeded", "25.00"]
    audit = _csv(clerk_web.get("/admin/events/auditevent/export/csv/?entity_type__exact=order"))
    # Newest first: the orders export just made, then the order's creation.
    assert [row[6] for row in audit[1:]] == ["export", "create"]
    assert audit[2][4:6] == ["order", str(order.pk)]
    kinds = sorted(AuditEvent.objects.filter(action="export").values_list("entity_type", flat=True))
    assert kinds == ["audit_event", "order", "payment"]


def test_a_bad_filter_value_goes_back_to_the_list(clerk_web):
    response = clerk_web.get(f"{EXPEDIENTES}export/csv/?created_at__gte=not-a-date")
    assert response.status_code == 302
    assert response["Location"] == f"{EXPEDIENTES}?e=1"
    assert not AuditEvent.objects.filter(action="export").exists()


def test_a_lookup_the_list_does_not_offer_is_refused_as_by_the_list(clerk_web):
    assert clerk_web.get(f"{EXPEDIENTES}?nonsense__field=1").status_code == 400
    assert clerk_web.get(f"{EXPEDIENTES}export/csv/?nonsense__field=1").status_code == 400
    assert not AuditEvent.objects.filter(action="export").exists()


def test_unknown_format_is_404(clerk_web):
    assert clerk_web.get(f"{EXPEDIENTES}export/pdf/").status_code == 404


def test_citizens_and_strangers_cannot_export(citizen):
    stranger = Client()
    assert stranger.get(f"{EXPEDIENTES}export/csv/").status_code == 302
    logged = Client()
    logged.force_login(citizen)
    response = logged.get(f"{EXPEDIENTES}export/csv/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert not AuditEvent.objects.filter(action="export").exists()


def test_staff_without_the_view_permission_is_refused(make_user):
    from accounts.models import User

    clerk = make_user("clerk")
    User.objects.filter(pk=clerk.pk).update(role="clerk")
    clerk.groups.clear()
    clerk.user_permissions.clear()
    client = Client()
    client.force_login(User.objects.get(pk=clerk.pk))
    assert client.get(f"{EXPEDIENTES}export/csv/").status_code == 403


def test_xlsx_beyond_its_limit_is_refused_with_a_message(expedientes, clerk_web, settings):
    settings.EXPORT_XLSX_MAX_ROWS = 2
    response = clerk_web.get(f"{EXPEDIENTES}export/xlsx/?estado__exact=en_revision", follow=True)
    assert response.redirect_chain[0] == (f"{EXPEDIENTES}?estado__exact=en_revision", 302)
    assert "3 rows are too many for XLSX (at most 2)" in response.content.decode()
    assert not AuditEvent.objects.filter(action="export").exists()
    # CSV has no such limit; two rows fit XLSX.
    assert len(_csv(clerk_web.get(f"{EXPEDIENTES}export/csv/?estado__exact=en_revision"))) == 4
    assert len(_xlsx(clerk_web.get(f"{EXPEDIENTES}export/xlsx/?estado__exact=en_revision&q=ana"))) == 2
