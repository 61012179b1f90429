"""A service's refusal in the admin: an error message on the page, never a 500.

Every admin write goes through a service (the same functions the API calls); when the service
refuses (:class:`~core.exceptions.ApplicationError`), its transaction has rolled back and the clerk
is told why, in the active language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, allowed_message


def describe_refusal(exc: ApplicationError) -> str:
    """A service's refusal as a clerk should read it: the detail plus what is allowed instead, if known."""
    allowed = next((error.get("allowed") for error in exc.errors if error.get("allowed") is not None), None)
    if allowed is not None:
        return f"{str(exc.detail).rstrip('.')}. {allowed_message(allowed)}."
    return str(exc.detail)


def run_per_row(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    rows: Iterable[tuple[int, str]],
    step: Callable[[int], Any],
    done: Callable[[int], str],
) -> None:
    """Run ``step`` for each ``(pk, label)``, each in its own transaction, and report each refusal;
    one refusal never undoes the others. ``done(n)`` says what happened to the n that went through
    (``3 expedientes moved to Aprobado``), in the active language."""
    succeeded: list[str] = []
    for pk, label in rows:
        try:
            step(pk)
        except ApplicationError as exc:
            message = _("%(row)s: refused — %(reason)s") % {"row": label, "reason": describe_refusal(exc)}
            modeladmin.message_user(request, message, messages.ERROR)
        else:
            succeeded.append(label)
    if succeeded:
        modeladmin.message_user(request, f"{done(len(succeeded))}: {', '.join(succeeded)}.", messages.SUCCESS)


class ServiceErrorsAsMessages:
    """A refusal from a service inside the change form or the delete view becomes a message on the
    change form, never a 500. :meth:`refusal_message` says how a refusal reads on this screen."""

    def refusal_message(self, exc: ApplicationError) -> str:
        return describe_refusal(exc)

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().changeform_view(request, *args, **kwargs)  # type: ignore[misc]
        except ApplicationError as exc:
            self.message_user(request, self.refusal_message(exc), messages.ERROR)  # type: ignore[attr-defined]
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, *args, **kwargs)  # type: ignore[misc]
        except ApplicationError as exc:
            self.message_user(request, self.refusal_message(exc), messages.ERROR)  # type: ignore[attr-defined]
            opts = self.opts  # type: ignore[attr-defined]
            site = self.admin_site.name  # type: ignore[attr-defined]
            return HttpResponseRedirect(reverse(f"{site}:{opts.app_label}_{opts.model_name}_change", args=[object_id]))
