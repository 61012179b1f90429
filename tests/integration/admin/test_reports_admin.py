"""The admin's charts: SVG drawn on the server with a table of the same numbers beside each."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from expedientes import services

pytestmark = pytest.mark.django_db

REPORTS = "/admin/reports/"


def _table(html: str, table_id: str) -> list[list[str]]:
    body = re.search(rf'<table id="{table_id}"[^>]*>.*?<tbody>(.*?)</tbody>', html, re.S)
    assert body, f"no table {table_id}"
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    ]


def test_the_index_draws_arrivals_and_backlog_with_their_numbers(clerk, clerk_web, make_user):
    owner = make_user("citizen")
    for n in range(3):
        expediente = services.create_expediente(actor=owner, numero=f"EXP-IDX-{n}", solicitante="Ana")
    services.update_expediente(expediente_id=expediente.pk, actor=clerk, fields={"assigned_to": clerk.pk})
    html = clerk_web.get("/admin/").content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg" id="chart-throughput"' in html
    assert 'role="img"' in html
    weeks = _table(html, "chart-throughput-table")
    assert len(weeks) == 12  # the twelve weeks up to today
    this_week = weeks[-1]
    assert this_week[1] == "3"  # arrivals
    backlog = {row[0]: row[1:] for row in _table(html, "chart-backlog-table")}
    assert backlog[clerk.username] == ["1", "0", "0", "1"]  # iniciado, en revisión, subsanación, total
    assert backlog["(unassigned)"] == ["2", "0", "0", "2"]
    assert 'href="/admin/reports/"' in html


def test_the_reports_page_draws_every_chart(clerk_web):
    html = clerk_web.get(f"{REPORTS}?from=2026-03-02&to=2026-03-15").content.decode()
    for chart in ("throughput", "stays", "backlog", "orders", "revenue", "webhooks"):
        assert f'id="chart-{chart}"' in html, chart
        assert f'id="chart-{chart}-table"' in html, chart
    assert [row[0] for row in _table(html, "chart-throughput-table")] == ["2026-03-02", "2026-03-09"]
    assert len(_table(html, "chart-webhooks-table")) == 14
    assert 'id="processing-times"' in html
    assert 'id="service-level"' in html


def test_processing_times_on_the_page_follow_the_period(clerk, clerk_web, make_user):
    owner = make_user("citizen")
    expediente = services.create_expediente(actor=owner, numero="EXP-PT-1", solicitante="Ana")
    services.transition_expediente(expediente_id=expediente.pk, actor=clerk, to="en_revision")
    services.transition_expediente(expediente_id=expediente.pk, actor=clerk, to="aprobado")
    today = timezone.now().date().isoformat()
    html = clerk_web.get(f"{REPORTS}?from={today}&to={today}").content.decode()
    rows = {row[0]: row[1:] for row in _table(html, "processing-times")}
    assert rows["All decisions"][0] == "1"
    assert rows["Approved"][0] == "1"
    assert rows["Rejected"][0] == "0"


def test_a_bad_period_is_explained_and_the_default_shown(clerk_web):
    response = clerk_web.get(f"{REPORTS}?from=2026-03-10&to=2026-03-01&limit_days=0")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="report-errors"' in html
    assert "from:" in html
    assert "limit_days:" in html
    assert len(_table(html, "chart-throughput-table")) == 12


def test_names_in_charts_are_escaped(make_user, clerk, clerk_web):
    sneaky = make_user("clerk", username="<b>eve</b>")
    owner = make_user("citizen")
    expediente = services.create_expediente(actor=owner, numero="EXP-ESC-1", solicitante="Ana")
    services.update_expediente(expediente_id=expediente.pk, actor=clerk, fields={"assigned_to": sneaky.pk})
    html = clerk_web.get(REPORTS).content.decode()
    assert "<b>eve</b>" not in html
    assert "&lt;b&gt;eve&lt;/b&gt;" in html


def test_citizens_and_strangers_are_sent_to_the_login(citizen):
    stranger = Client()
    response = stranger.get(REPORTS)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    logged = Client()
    logged.force_login(citizen)
    response = logged.get(REPORTS)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
