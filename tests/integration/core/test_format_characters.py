"""Text shown to clerks refuses invisible format characters (422 on the field), everywhere.

U+202E and friends reorder what a clerk reads ("Juan‮odnanreF" shows as "JuanFernando"
backwards), zero-width characters hide differences; every human-readable field of every write
refuses them through the shared serializer field. Zero-width (non-)joiners spell words in
Persian, Indic scripts and emoji, and reorder nothing: they are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from expedientes.models import Documento, Expediente
from orders.models import Category, Product

pytestmark = pytest.mark.django_db

REFUSED = [
    "\u202e",  # right-to-left override
    "\u202a",  # left-to-right embedding
    "\u202c",  # pop directional formatting
    "\u2066",  # left-to-right isolate
    "\u2067",  # right-to-left isolate
    "\u2068",  # first strong isolate
    "\u2069",  # pop directional isolate
    "\u200e",  # left-to-right mark
    "\u200f",  # right-to-left mark
    "\u061c",  # Arabic letter mark
    "\u200b",  # zero-width space
    "\u2060",  # word joiner
    "\ufeff",  # byte order mark
    "\u00ad",  # soft hyphen
    "\U000e0041",  # tag latin capital A
]


@pytest.fixture
def world(citizen, clerk, admin, client_for) -> dict[str, Any]:
    expediente = Expediente.objects.create(numero="EXP-BIDI-1", solicitante="Ana", owner=citizen)
    category = Category.objects.create(name="Libros", slug="libros")
    product = Product.objects.create(name="Libro", price="10.00", stock=50, category=category)
    return {
        "citizen": client_for(citizen),
        "clerk": client_for(clerk),
        "admin": client_for(admin),
        "expediente": expediente,
        "product": product,
        "citizen_user": citizen,
    }


# (who, method, path, body given the text, the field that must refuse it)
Case = tuple[str, str, Callable[[dict[str, Any]], str], Callable[[str, dict[str, Any]], dict[str, Any]], str]

CASES: dict[str, Case] = {
    "register.full_name": (
        "anonymous",
        "post",
        lambda w: "/api/v1/auth/register",
        lambda text, w: {
            "email": "new@example.com",
            "username": "newuser",
            "password": "S3cure-pass!x",
            "full_name": f"Ana{text}",
        },
        "full_name",
    ),
    "register.username": (
        "anonymous",
        "post",
        lambda w: "/api/v1/auth/register",
        lambda text, w: {"email": "new@example.com", "username": f"new{text}user", "password": "S3cure-pass!x"},
        "username",
    ),
    "me.full_name": (
        "citizen",
        "patch",
        lambda w: "/api/v1/me",
        lambda text, w: {"full_name": f"Ana{text}"},
        "full_name",
    ),
    "users.create.full_name": (
        "admin",
        "post",
        lambda w: "/api/v1/users",
        lambda text, w: {
            "email": "n2@example.com",
            "username": "n2",
            "password": "S3cure-pass!x",
            "full_name": f"B{text}",
        },
        "full_name",
    ),
    "users.update.full_name": (
        "admin",
        "patch",
        lambda w: f"/api/v1/users/{w['citizen_user'].pk}",
        lambda text, w: {"full_name": f"Ana{text}"},
        "full_name",
    ),
    "expediente.create.solicitante": (
        "citizen",
        "post",
        lambda w: "/api/v1/expedientes",
        lambda text, w: {"numero": "EXP-BIDI-2", "solicitante": f"Juan{text}odnanreF"},
        "solicitante",
    ),
    "expediente.create.concepto": (
        "citizen",
        "post",
        lambda w: "/api/v1/expedientes",
        lambda text, w: {"numero": "EXP-BIDI-2", "solicitante": "Juan", "concepto": f"Licencia{text}"},
        "concepto",
    ),
    "expediente.update.solicitante": (
        "citizen",
        "patch",
        lambda w: f"/api/v1/expedientes/{w['expediente'].pk}",
        lambda text, w: {"solicitante": f"Juan{text}"},
        "solicitante",
    ),
    "expediente.update.concepto": (
        "clerk",
        "patch",
        lambda w: f"/api/v1/expedientes/{w['expediente'].pk}",
        lambda text, w: {"concepto": f"x{text}y"},
        "concepto",
    ),
    "expediente.transition.comment": (
        "citizen",
        "post",
        lambda w: f"/api/v1/expedientes/{w['expediente'].pk}/transitions",
        lambda text, w: {"to": "en_revision", "comment": f"ok{text}"},
        "comment",
    ),
    "documento.json.nombre": (
        "citizen",
        "post",
        lambda w: f"/api/v1/expedientes/{w['expediente'].pk}/documentos",
        lambda text, w: {"nombre": f"factura{text}fdp.exe", "tipo": "anexo"},
        "nombre",
    ),
    "category.name": ("clerk", "post", lambda w: "/api/v1/categories", lambda text, w: {"name": f"Cat{text}"}, "name"),
    "product.name": (
        "clerk",
        "post",
        lambda w: "/api/v1/products",
        lambda text, w: {"name": f"P{text}", "price": "1.00"},
        "name",
    ),
    "order.shipping_address": (
        "citizen",
        "post",
        lambda w: "/api/v1/orders",
        lambda text, w: {
            "items": [{"product_id": w["product"].pk, "quantity": 1}],
            "shipping_address": f"Calle{text} 1",
        },
        "shipping_address",
    ),
    "webhook.description": (
        "clerk",
        "post",
        lambda w: "/api/v1/webhooks/endpoints",
        lambda text, w: {"url": "https://receiver.invalid/h", "events": ["*"], "description": f"d{text}"},
        "description",
    ),
}


def call(world: dict[str, Any], case: Case, text: str) -> Any:
    from tests.support.api import SchemaCheckedClient

    who, method, path, body, _ = case
    client = SchemaCheckedClient() if who == "anonymous" else world[who]
    return getattr(client, method)(path(world), body(text, world), format="json")


@pytest.mark.parametrize("name", sorted(CASES))
def test_format_characters_are_refused_on_every_human_readable_field(world, name):
    case = CASES[name]
    for char in REFUSED:
        response = call(world, case, char)
        assert response.status_code == 422, (name, hex(ord(char)), response.status_code)
        fields = {error["field"] for error in response.json()["errors"]}
        assert case[4] in fields, (name, hex(ord(char)), fields)


@pytest.mark.parametrize("name", ["expediente.create.solicitante", "me.full_name", "category.name"])
def test_joiners_that_spell_words_are_kept(world, name):
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # ZWNJ inside a Persian word
    family = "\U0001f469\u200d\U0001f467"  # ZWJ emoji sequence
    response = call(world, CASES[name], f" {persian} {family}")
    assert response.status_code in (200, 201), response.json()
    assert f" {persian} {family}" in response.json()[CASES[name][4]]


def test_an_uploaded_files_name_loses_its_format_characters(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("factura\u202efdp.exe.txt", b"hello", content_type="text/plain")
    response = world["citizen"].post(
        f"/api/v1/expedientes/{world['expediente'].pk}/documentos", {"file": upload}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["nombre"] == "facturafdp.exe.txt"
    assert Documento.objects.get().nombre == "facturafdp.exe.txt"


def test_a_multipart_nombre_with_format_characters_is_refused(world):
    response = world["citizen"].post(
        f"/api/v1/expedientes/{world['expediente'].pk}/documentos",
        {"nombre": "a\u2067b", "tipo": "anexo"},
        format="multipart",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "nombre"
