"""The admin as a browser sees it: the expedientes changelist, a change page, the messages shown."""

from __future__ import annotations

from typing import Any

from expedientes.models import Expediente

CHANGELIST = "/admin/expedientes/expediente/"


def change_url(expediente: Expediente) -> str:
    return f"{CHANGELIST}{expediente.pk}/change/"


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []
