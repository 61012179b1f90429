"""The admin's sidebar names each model in a correct plural (no "deliverys")."""

from __future__ import annotations

import re

from django.contrib import admin


def test_every_registered_model_has_a_correct_english_plural():
    wrong = [
        f"{model._meta.label}: {model._meta.verbose_name_plural}"
        for model in admin.site._registry
        # A consonant + "y" takes "ies" (delivery -> deliveries, category -> categories).
        if re.search(r"[^aeiou]ys$", str(model._meta.verbose_name_plural))
    ]
    assert wrong == []


def test_webhook_deliveries_read_correctly(admin_web):
    response = admin_web.get("/admin/")
    assert "Webhook deliveries" in response.content.decode()
    assert "deliverys" not in response.content.decode().lower()
