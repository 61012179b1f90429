"""The clerks' workplace for expedientes: the list, the form and the bulk actions.

Every write goes through ``expedientes.services`` (the same functions the API calls), so an admin
click is audited, published and emailed exactly like an API request. The admin only adds the
screens: a list that does not grow in queries with its rows, workflow buttons that offer only the
steps the table allows (:mod:`expedientes.admin.workflow`), a read-only history, and bulk actions
that report row by row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import STAFF_ROLES
from core.adminkit import ServiceErrorsAsMessages, TalliedPaginator, run_per_row
from core.exports import Column
from events.exports import AuditedExportMixin
from expedientes import selectors, services
from expedientes.admin.display import AssigneeFilter, estado_badge
from expedientes.admin.documentos import DocumentoInline
from expedientes.admin.workflow import WorkflowViews
from expedientes.models import SEARCH_FIELDS, Estado, Expediente


def _transition_action(target: str) -> Callable[..., None]:
    label = Estado(target).label

    def action(modeladmin: ExpedienteAdmin, request: HttpRequest, queryset: QuerySet[Expediente]) -> None:
        modeladmin.bulk_transition(request, queryset, target)

    action.__name__ = f"move_to_{target}"
    description = format_lazy(gettext_lazy("Move selected expedientes to “{label}”"), label=label)
    return admin.action(description=description, permissions=["change"])(action)


@admin.register(Expediente)
class ExpedienteAdmin(AuditedExportMixin, ServiceErrorsAsMessages, WorkflowViews):
    paginator = TalliedPaginator
    export_columns = (
        Column(gettext_lazy("id"), "id", 10),
        Column(gettext_lazy("numero"), "numero", 20),
        Column(gettext_lazy("solicitante"), "solicitante", 30),
        Column(gettext_lazy("concepto"), "concepto", 40),
        Column(gettext_lazy("estado"), "estado", 20),
        Column(gettext_lazy("owner"), "owner__username", 20),
        Column(gettext_lazy("assigned to"), "assigned_to__username", 20),
        Column(gettext_lazy("documentos"), "documentos_count", 12),
        Column(gettext_lazy("version"), "version", 10),
        Column(gettext_lazy("created at (UTC)"), "created_at", 20),
        Column(gettext_lazy("updated at (UTC)"), "updated_at", 20),
    )
    list_display = [
        "numero",
        "solicitante",
        "estado_display",
        "owner",
        "assigned_to",
        "documentos_count",
        "updated_at",
    ]
    list_display_links = ["numero"]
    list_filter = ["estado", AssigneeFilter, "created_at", "updated_at"]
    # The page's owners and assignees come in a query each after the page (get_queryset): joined
    # into a search's page, the planner would join them to every matching row before the sort.
    list_select_related = ()
    list_per_page = 50
    # A million rows: no second COUNT(*) of the whole table beside the filtered count.
    show_full_result_count = False
    # Django only shows the search box when there are search fields; the search itself is the API's.
    search_fields = list(SEARCH_FIELDS)
    search_help_text = gettext_lazy(
        "Number, applicant or subject (accents and case ignored). A search matching more than "
        "10,000 expedientes shows an estimated count."
    )
    raw_id_fields = ["assigned_to"]
    ordering = ["-created_at", "-id"]
    actions = ["assign_to_me", *(_transition_action(target) for target in (choice.value for choice in Estado))]
    inlines = [DocumentoInline]
    change_form_template = "admin/expedientes/expediente/change_form.html"

    # --- list -----------------------------------------------------------------------------------
    def get_queryset(self, request: HttpRequest) -> QuerySet[Expediente]:
        return super().get_queryset(request).prefetch_related("owner", "assigned_to")

    @admin.display(description=gettext_lazy("status"), ordering="estado")
    def estado_display(self, expediente: Expediente) -> str:
        return estado_badge(expediente.estado)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Expediente], search_term: str
    ) -> tuple[QuerySet[Expediente], bool]:
        # Django's ``field__unaccent__icontains`` leaves the search term accented and cannot use an
        # index; the selector is the API's ``search`` (accents and case ignored, one trigram index).
        return selectors.search_expedientes(queryset, search_term), False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        # Deleting goes through the service one expediente at a time (delete view), never in bulk.
        actions.pop("delete_selected", None)
        return actions

    # --- form -----------------------------------------------------------------------------------
    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["numero", "solicitante", "concepto"]
        return [
            "numero",
            "estado_display",
            "solicitante",
            "concepto",
            "owner",
            "assigned_to",
            "version",
            "created_at",
            "updated_at",
        ]

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        # A new expediente has no documentos yet; they arrive through the API's upload.
        return self.inlines if obj is not None else []

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        return ["numero", "estado_display", "owner", "version", "created_at", "updated_at"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "assigned_to":
            kwargs["queryset"] = get_user_model().objects.filter(role__in=STAFF_ROLES, is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Expediente, form: Any, change: bool) -> None:
        if not change:
            created = services.create_expediente(
                actor=request.user,
                numero=form.cleaned_data["numero"],
                solicitante=form.cleaned_data["solicitante"],
                concepto=form.cleaned_data.get("concepto") or "",
            )
            obj.pk = created.pk
            obj._state.adding = False
            return
        fields: dict[str, Any] = {
            name: form.cleaned_data[name] for name in ("solicitante", "concepto") if name in form.changed_data
        }
        if "assigned_to" in form.changed_data:
            fields["assigned_to"] = obj.assigned_to_id
        services.update_expediente(expediente_id=obj.pk, actor=request.user, fields=fields)

    def delete_model(self, request: HttpRequest, obj: Expediente) -> None:
        services.delete_expediente(expediente_id=obj.pk, actor=request.user)

    # --- bulk actions ---------------------------------------------------------------------------
    @admin.action(description=gettext_lazy("Assign selected expedientes to me"), permissions=["change"])
    def assign_to_me(self, request: HttpRequest, queryset: QuerySet[Expediente]) -> None:
        run_per_row(
            self,
            request,
            queryset.order_by("numero").values_list("pk", "numero"),
            lambda pk: services.update_expediente(
                expediente_id=pk, actor=request.user, fields={"assigned_to": request.user.pk}
            ),
            done=lambda count: (
                ngettext(
                    "%(count)d expediente assigned to %(user)s", "%(count)d expedientes assigned to %(user)s", count
                )
                % {"count": count, "user": request.user}
            ),
        )

    def bulk_transition(self, request: HttpRequest, queryset: QuerySet[Expediente], target: str) -> None:
        run_per_row(
            self,
            request,
            queryset.order_by("numero").values_list("pk", "numero"),
            lambda pk: services.transition_expediente(expediente_id=pk, actor=request.user, to=target),
            done=lambda count: (
                ngettext("%(count)d expediente moved to %(estado)s", "%(count)d expedientes moved to %(estado)s", count)
                % {"count": count, "estado": Estado(target).label}
            ),
        )
