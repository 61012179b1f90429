"""The admin and the docs page send a strict Content-Security-Policy, and need nothing it forbids.

Every asset is served by the project itself, so the policy is ``'self'`` everywhere, without
``'unsafe-inline'`` or ``'unsafe-eval'``; the pages therefore carry no inline script, no inline
style element and no style attribute (the browser tests check that nothing is refused at run time).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from expedientes.models import Expediente

pytestmark = pytest.mark.django_db

PASSWORD = "S3cure-pass!"


def policy(response: Any) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_strict(response: Any) -> None:
    directives = policy(response)
    assert directives.get("default-src") == ["'self'"], directives
    for name in ("script-src", "style-src"):
        assert directives.get(name, directives["default-src"]) == ["'self'"], (name, directives)
    assert directives.get("object-src") == ["'none'"]
    assert directives.get("base-uri") == ["'none'"]
    assert directives.get("frame-ancestors") == ["'none'"]
    header = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header


def assert_nothing_inline(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", html), "inline script"
    assert "<style" not in html, "inline style element"
    assert not re.search(r"\sstyle=", html), "style attribute"
    assert not re.search(r"\son[a-z]+=", html), "event handler attribute"


@pytest.fixture
def clerk_browser(make_user: Any) -> Client:
    make_user("clerk", username="clara", password=PASSWORD)
    client = Client()
    assert client.login(username="clara", password=PASSWORD)
    return client


def test_the_docs_page_and_its_script_are_strict():
    client = Client()
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    assert_strict(page)
    html = page.content.decode()
    assert_nothing_inline(html)
    script = re.search(r'<script src="([^"]*\?[^"]*script[^"]*)"', html)
    assert script is not None, "the Swagger UI set-up is loaded as a script of its own"
    answer = client.get(script.group(1).replace("&amp;", "&"))
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in answer.content.decode()


def test_the_admin_login_is_strict():
    page = Client().get("/admin/login/")
    assert page.status_code == 200
    assert_strict(page)
    assert_nothing_inline(page.content.decode())


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/expedientes/expediente/",
        "/admin/expedientes/expediente/{pk}/change/",
        "/admin/orders/order/",
        "/admin/events/webhookdelivery/",
        "/admin/accounts/user/",
    ],
)
def test_admin_pages_are_strict_and_carry_nothing_inline(clerk_browser, make_user, path):
    expediente = Expediente.objects.create(numero="EXP-CSP-1", solicitante="Ana", owner=make_user("citizen"))
    page = clerk_browser.get(path.format(pk=expediente.pk))
    assert page.status_code == 200
    assert_strict(page)
    assert_nothing_inline(page.content.decode())


def test_the_badge_colours_are_a_stylesheet_of_our_own(clerk_browser, make_user):
    Expediente.objects.create(numero="EXP-CSP-2", solicitante="Ana", owner=make_user("citizen"))
    html = clerk_browser.get("/admin/expedientes/expediente/").content.decode()
    colour = re.search(r'class="estado-badge estado-iniciado badge (colour-[0-9a-f]{6})"', html)
    assert colour is not None, "the badge names its colour as a class"
    sheet = re.search(r'<link href="([^"]*colours\.css)"', html)
    assert sheet is not None
    css = clerk_browser.get(sheet.group(1))
    assert css.status_code == 200
    assert css["Content-Type"].startswith("text/css")
    assert f".{colour.group(1)}" in css.content.decode()
