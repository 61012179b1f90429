"""The expediente's change page beyond the form: the workflow buttons, the audit trail, and the
views behind them (a transition, a documento's download)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.adminkit import colour_class, describe_refusal
from core.exceptions import ApplicationError, not_found_detail
from expedientes import selectors, services, workflow
from expedientes.admin.display import ESTADO_COLOURS, estado_badge, history_row
from expedientes.admin.documentos import download
from expedientes.models import Estado, Expediente


class WorkflowViews(admin.ModelAdmin):
    """The buttons this user may press now, the audit trail, and the views they post to."""

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra_context = dict(extra_context or {})
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            extra_context.update(self.workflow_context(request, obj))
        return super().change_view(request, object_id, form_url, extra_context)

    def workflow_context(self, request: HttpRequest, obj: Expediente) -> dict[str, Any]:
        """The buttons this user may press now, and the expediente's audit trail."""
        targets = (
            workflow.allowed_targets(obj.estado, request.user, obj.owner_id)
            if self.has_change_permission(request, obj)
            else []
        )
        history = list(selectors.history_of(obj))
        actor_ids = {event.actor_id for event in history if event.actor_id is not None}
        names = dict(get_user_model().objects.filter(pk__in=actor_ids).values_list("pk", "username"))
        return {
            "estado_badge": estado_badge(obj.estado),
            "workflow_targets": [
                {"value": target, "label": Estado(target).label, "colour": colour_class(ESTADO_COLOURS[target])}
                for target in targets
            ],
            "workflow_url": reverse("admin:expedientes_expediente_transition", args=[obj.pk]),
            "workflow_version": obj.version,
            "history": [history_row(event, names) for event in history],
        }

    def get_urls(self) -> list[Any]:
        info = (self.opts.app_label, self.opts.model_name)
        return [
            path(
                "<path:object_id>/transition/",
                self.admin_site.admin_view(self.transition_view),
                name="{}_{}_transition".format(*info),
            ),
            path(
                "<path:object_id>/documentos/<int:documento_id>/download/",
                self.admin_site.admin_view(self.download_view),
                name="{}_{}_documento_download".format(*info),
            ),
            *super().get_urls(),
        ]

    @staticmethod
    def _expected_version(request: HttpRequest) -> set[int] | None:
        raw = request.POST.get("version", "")
        return {int(raw)} if raw.isdigit() else None

    def transition_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return require_POST(self._transition)(request, object_id)

    def _transition(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(not_found_detail("Expediente"))
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        target = request.POST.get("to", "")
        change_url = reverse("admin:expedientes_expediente_change", args=[obj.pk])
        if target not in Estado.values:
            self.message_user(request, _("Unknown status “%(value)s”.") % {"value": target}, messages.ERROR)
            return HttpResponseRedirect(change_url)
        try:
            result = services.transition_expediente(
                expediente_id=obj.pk,
                actor=request.user,
                to=target,
                comment=request.POST.get("comment", "").strip(),
                expected_versions=self._expected_version(request),
            )
        except ApplicationError as exc:
            self.message_user(request, f"{obj.numero}: {describe_refusal(exc)}", messages.ERROR)
        else:
            self.message_user(
                request,
                _("%(numero)s moved to %(estado)s.")
                % {"numero": obj.numero, "estado": Estado(result.expediente.estado).label},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(change_url)

    def download_view(self, request: HttpRequest, object_id: str, documento_id: int) -> HttpResponseBase:
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404(not_found_detail("Expediente"))
        return download(documento_id, obj)
