"""The docs page renders and works in a real browser under the strict Content-Security-Policy
(the ``page`` fixture fails the test if the browser refused anything)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_page_renders_every_operation_and_runs_one(page: Any, live_server: Any):
    response = page.goto(f"{live_server.url}/api/v1/docs/")
    assert response is not None
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() >= 40
    assert page.locator("button.authorize").is_visible()
    operation = page.locator(".opblock-get", has=page.locator("[data-path='/health/live/']"))
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip() == "200"
    assert '"status": "ok"' in operation.locator(".live-responses-table .microlight").first.inner_text()
