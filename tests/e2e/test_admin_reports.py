"""The charts and the exports in a real browser (Debian Chromium, headless) against a live server."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest

from tests.support.api import PASSWORD
from tests.support.e2e import admin_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def history(make_user: Any, clerk_user: Any) -> None:
    from expedientes import services

    owner = make_user("citizen", username="juan")
    for n in range(3):
        expediente = services.create_expediente(actor=owner, numero=f"EXP-E2E-{n}", solicitante=f"Solicitante {n}")
        services.transition_expediente(expediente_id=expediente.pk, actor=clerk_user, to="en_revision")
        if n == 0:
            services.transition_expediente(expediente_id=expediente.pk, actor=clerk_user, to="aprobado")
        if n == 1:
            services.update_expediente(
                expediente_id=expediente.pk, actor=clerk_user, fields={"assigned_to": clerk_user.pk}
            )
    services.create_expediente(actor=owner, numero="EXP-E2E-NEW", solicitante="Nueva")


def test_clerk_reads_the_charts_and_their_numbers(page: Any, live_server: Any, clerk_user: Any, history: None):
    admin_login(page, live_server.url, "clara", PASSWORD)
    page.wait_for_url(f"{live_server.url}/admin/")
    # The index: arrivals per week drawn, and the same numbers in the table beside it.
    assert page.locator("svg#chart-throughput").is_visible()
    assert page.locator("svg#chart-throughput rect title").count() > 0
    last_week = page.locator("#chart-throughput-table tbody tr").last.locator("td")
    assert last_week.all_inner_texts()[:3] == ["4", "1", "0"]  # arrivals, approved, rejected
    backlog = page.locator("#chart-backlog-table tbody tr", has_text="clara").locator("td")
    assert backlog.all_inner_texts() == ["0", "1", "0", "1"]

    page.click("#reports-link a")
    page.wait_for_url("**/admin/reports/")
    for chart in ("throughput", "stays", "backlog", "orders", "revenue", "webhooks"):
        assert page.locator(f"svg#chart-{chart}").is_visible(), chart
        assert page.locator(f"#chart-{chart}-table").count() == 1, chart
    decisions = page.locator("#processing-times tbody tr", has_text="All decisions").locator("td")
    assert decisions.first.inner_text() == "1"

    # Narrow to the clerk: her one expediente is open and still in revision.
    page.select_option("#report-assignee", label="clara")
    page.click("#report-filters input[type=submit]")
    page.wait_for_url("**assigned_to=**")
    assert page.locator("#service-level td[data-key=open]").inner_text() == "1"
    arrivals = page.locator("#chart-throughput-table tbody tr").last.locator("td").first
    assert arrivals.inner_text() == "1"


def test_clerk_exports_the_filtered_list(page: Any, live_server: Any, clerk_user: Any, history: None):
    admin_login(page, live_server.url, "clara", PASSWORD)
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/expedientes/expediente/")
    page.locator("#changelist-filter a", has_text="Under review").click()
    page.wait_for_url("**estado__exact=en_revision**")

    with page.expect_download() as info:
        page.click("#export-csv")
    download = info.value
    assert download.suggested_filename.startswith("expedientes-")
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][1] == "numero"
    assert sorted(row[1] for row in rows[1:]) == ["EXP-E2E-1", "EXP-E2E-2"]

    with page.expect_download() as info:
        page.click("#export-xlsx")
    with open(info.value.path(), "rb") as handle:
        book = openpyxl.load_workbook(io.BytesIO(handle.read()), read_only=True)
    values = list(book.worksheets[0].iter_rows(values_only=True))
    assert sorted(row[1] for row in values[1:]) == ["EXP-E2E-1", "EXP-E2E-2"]

    from events.models import AuditEvent

    exports = AuditEvent.objects.filter(action="export", actor_id=clerk_user.pk).order_by("id")
    assert [event.changes["format"] for event in exports] == ["csv", "xlsx"]
    assert all(event.changes["query"] == "estado__exact=en_revision" for event in exports)
