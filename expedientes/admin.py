"""The clerks' workplace for expedientes.

Every write goes through ``expedientes.services`` (the same functions the API calls), so an admin
click is audited, published and emailed exactly like an API request. The admin only adds the
screens: a list that does not grow in queries with its rows, workflow buttons that offer only the
steps the table allows, a read-only history, and bulk actions that report row by row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts.models import STAFF_ROLES
from core.adminkit import TalliedPaginator, badge, colour_class, describe_refusal, register_colours, run_per_row
from core.exceptions import ApplicationError, not_found_detail
from core.exports import Column
from core.storage import attachment
from events.exports import AuditedExportMixin
from events.models import AuditEvent
from expedientes import selectors, services, workflow
from expedientes.models import SEARCH_FIELDS, Documento, Estado, Expediente

DOCUMENTO_FIELDS = (
    "expediente",
    "nombre",
    "tipo",
    "content_type",
    "size",
    "sha256",
    "uploaded_by",
    "created_at",
)

ESTADO_COLOURS: dict[str, str] = {
    Estado.INICIADO: "#6c757d",
    Estado.EN_REVISION: "#0d6efd",
    Estado.REQUIERE_SUBSANACION: "#b35900",
    Estado.APROBADO: "#198754",
    Estado.RECHAZADO: "#dc3545",
    Estado.ARCHIVADO: "#343a40",
}
register_colours(ESTADO_COLOURS.values())


def estado_badge(estado: str) -> str:
    """The estado as a coloured pill (white on the estado's colour)."""
    label = Estado(estado).label if estado in Estado.values else estado
    return badge("estado", estado, label, ESTADO_COLOURS.get(estado))


class AssigneeFilter(admin.SimpleListFilter):
    """Me, nobody, or one of the staff: the only people an expediente can be assigned to."""

    title = gettext_lazy("assignee")
    parameter_name = "assignee"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        staff = get_user_model().objects.filter(role__in=STAFF_ROLES, is_active=True).order_by("username")
        return [
            ("me", _("Assigned to me")),
            ("none", _("Unassigned")),
            *((str(pk), username) for pk, username in staff.values_list("pk", "username")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Expediente]) -> QuerySet[Expediente]:
        value = self.value()
        if value == "me":
            return queryset.filter(assigned_to_id=request.user.pk)
        if value == "none":
            return queryset.filter(assigned_to__isnull=True)
        if value and value.isdigit():
            return queryset.filter(assigned_to_id=int(value))
        return queryset


class DocumentoInline(admin.TabularInline):
    """Read-only: documentos are added through the API's upload (size and type checks, audit)."""

    model = Documento
    extra = 0
    fields = ("nombre", "tipo", "content_type", "size_display", "download", "created_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("size"))
    def size_display(self, documento: Documento) -> str:
        return filesizeformat(documento.size) if documento.size is not None else "—"

    @admin.display(description=gettext_lazy("file"))
    def download(self, documento: Documento) -> str:
        if not documento.file:
            return _("metadata only")
        url = reverse(
            "admin:expedientes_expediente_documento_download",
            args=[documento.expediente_id, documento.pk],
        )
        return format_html('<a href="{}" class="documento-download">{}</a>', url, _("Download"))


def _transition_action(target: str) -> Callable[..., None]:
    label = Estado(target).label

    def action(modeladmin: ExpedienteAdmin, request: HttpRequest, queryset: QuerySet[Expediente]) -> None:
        modeladmin.bulk_transition(request, queryset, target)

    action.__name__ = f"move_to_{target}"
    description = format_lazy(gettext_lazy("Move selected expedientes to “{label}”"), label=label)
    return admin.action(description=description, permissions=["change"])(action)


@admin.register(Expediente)
class ExpedienteAdmin(AuditedExportMixin, admin.ModelAdmin):
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
    list_select_related = ["owner", "assigned_to"]
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

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ApplicationError as exc:
            # A rule the form cannot know about (a concurrent change, a duplicate numero that won
            # a race): the service refused, the transaction rolled back, the clerk is told why.
            self.message_user(request, describe_refusal(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except ApplicationError as exc:
            self.message_user(request, describe_refusal(exc), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:expedientes_expediente_change", args=[object_id]))

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

    # --- extra views ----------------------------------------------------------------------------
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
        documento = Documento.objects.filter(pk=documento_id, expediente=obj).first()
        if documento is None or not documento.file:
            raise Http404(not_found_detail("File"))
        try:
            return attachment(
                documento.file.storage,
                documento.file.name,
                filename=documento.nombre,
                content_type=documento.content_type,
                size=documento.size,
            )
        except FileNotFoundError:
            raise Http404(not_found_detail("File")) from None

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


def _field_label(field: str) -> str:
    """A recorded field by its name in the active language (``estado`` reads ``status`` in English)."""
    try:
        return str(getattr(Expediente._meta.get_field(field), "verbose_name", field))
    except FieldDoesNotExist:
        return field


def _shown(field: str, value: Any) -> Any:
    """An estado in the history reads as its label; every other value as recorded."""
    if field == "estado" and value in Estado.values:
        return Estado(value).label
    return value


def history_row(event: AuditEvent, names: dict[int, str]) -> dict[str, Any]:
    changes = event.changes or {}
    if event.actor_id is None:
        actor = _("system")
    else:
        actor = names.get(event.actor_id) or _("user #%(id)s") % {"id": event.actor_id}
    return {
        "at": event.created_at,
        "actor": actor,
        "action": event.action,
        "action_label": AuditEvent.Action(event.action).label
        if event.action in AuditEvent.Action.values
        else event.action,
        "changes": [
            {"field": _field_label(field), "old": _shown(field, value[0]), "new": _shown(field, value[1])}
            if isinstance(value, list) and len(value) == 2
            else {"field": _field_label(field), "old": None, "new": _shown(field, value)}
            for field, value in changes.items()
        ],
    }


@admin.register(Documento)
class DocumentoAdmin(admin.ModelAdmin):
    """Read-only list of every documento (the upload checks and the audit live in the service)."""

    list_display = ["nombre", "tipo", "expediente", "content_type", "size", "created_at"]
    list_filter = ["tipo"]
    list_select_related = ["expediente"]
    search_fields = ["nombre", "expediente__numero"]
    # The file itself is offered through the expediente's download view (session auth, attachment).
    fields = readonly_fields = DOCUMENTO_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
