"""The admin reveals nothing the API hides: a changelist's query string accepts only the lookups its
declared filters, date hierarchy and search fields use; secrets and password hashes are never shown.

Every registered ``ModelAdmin`` is walked, so an admin added later is held to the same rule.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.filters import SimpleListFilter
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts import tokens
from events.models import WebhookEndpoint

pytestmark = pytest.mark.django_db


def _declared_paths(model_admin: admin.ModelAdmin) -> set[str]:
    """Field names a changelist may legitimately filter on (the first part of each path)."""
    paths: set[str] = set()
    for item in model_admin.list_filter:
        if isinstance(item, type) and issubclass(item, SimpleListFilter):
            continue
        paths.add((item[0] if isinstance(item, (list, tuple)) else item).split("__")[0])
    for field in model_admin.search_fields:
        paths.add(field.lstrip("^=@").split("__")[0])
    if model_admin.date_hierarchy:
        paths.add(model_admin.date_hierarchy.split("__")[0])
    return paths


def _undeclared_lookups() -> list[tuple[str, str, str]]:
    cases = []
    for model, model_admin in admin.site._registry.items():
        declared = _declared_paths(model_admin)
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for field in model._meta.concrete_fields:
            if field.name not in declared:
                cases.append((model._meta.label, url, f"{field.name}__startswith"))
    return cases


CASES = _undeclared_lookups()


def test_every_registered_admin_is_walked():
    labels = {label for label, _, _ in CASES}
    assert {"accounts.User", "events.WebhookEndpoint", "token_blacklist.OutstandingToken"} <= labels
    assert ("accounts.User", "/admin/accounts/user/", "password__startswith") in CASES
    assert ("events.WebhookEndpoint", "/admin/events/webhookendpoint/", "secret__startswith") in CASES


@pytest.mark.parametrize(("label", "url", "lookup"), CASES, ids=[f"{label}:{lookup}" for label, _, lookup in CASES])
def test_a_lookup_on_an_undeclared_field_is_refused(admin: Any, label: str, url: str, lookup: str):
    client = Client()
    client.force_login(admin)
    response = client.get(url, {lookup: "x"})
    assert response.status_code == 400, (label, lookup, response.status_code)


def test_the_password_hash_cannot_be_guessed_one_character_at_a_time(admin, clerk):
    client = Client()
    client.force_login(clerk)
    prefix = admin.password[:3]  # e.g. "md5" / "pbk": a right guess
    assert client.get("/admin/accounts/user/", {"password__startswith": prefix}).status_code == 400
    assert client.get("/admin/accounts/user/", {"password__startswith": "zzz"}).status_code == 400


def test_the_webhook_secret_cannot_be_guessed(clerk):
    endpoint = WebhookEndpoint.objects.create(url="https://hooks.example.com/a", secret="whsec_abc", events=["*"])
    client = Client()
    client.force_login(clerk)
    for lookup in ("secret__startswith", "previous_secret__startswith", "secret", "secret__regex"):
        assert client.get("/admin/events/webhookendpoint/", {lookup: "whsec_a"}).status_code == 400, lookup
    page = client.get(f"/admin/events/webhookendpoint/{endpoint.pk}/change/")
    assert page.status_code == 200
    assert "whsec_abc" not in page.content.decode()


@pytest.mark.parametrize(
    ("url", "query"),
    [
        ("/admin/accounts/user/", {"role__exact": "admin"}),
        ("/admin/accounts/user/", {"is_active__exact": "1"}),
        ("/admin/accounts/user/", {"date_joined__gte": "2020-01-01 00:00:00+00:00"}),
        ("/admin/accounts/user/", {"q": "someone"}),
        ("/admin/expedientes/expediente/", {"estado__exact": "iniciado"}),
        ("/admin/expedientes/expediente/", {"assignee": "me"}),
        ("/admin/events/webhookdelivery/", {"event__type": "expediente.created"}),
        ("/admin/orders/product/", {"category__id__exact": "1"}),
    ],
)
def test_declared_filters_still_work(admin, url, query):
    client = Client()
    client.force_login(admin)
    assert client.get(url, query).status_code == 200


def _pages_of(client: Client, model: type[Model], pk: Any) -> str:
    opts = model._meta
    changelist = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    change = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk]))
    assert changelist.status_code == 200
    assert change.status_code == 200
    return changelist.content.decode() + change.content.decode()


def test_hashes_and_tokens_are_never_rendered(admin, citizen):
    pair = tokens.issue_tokens(citizen)
    outstanding = OutstandingToken.objects.get(user=citizen)
    client = Client()
    client.force_login(admin)
    html = _pages_of(client, type(citizen), citizen.pk)
    assert citizen.password not in html
    assert citizen.password.split("$")[-1] not in html
    html = _pages_of(client, OutstandingToken, outstanding.pk)
    assert pair["refresh_token"] not in html
    assert pair["refresh_token"].split(".")[-1] not in html  # not even the signature
