from django.contrib import admin

from expedientes.models import Documento, Expediente


class DocumentoInline(admin.TabularInline):
    model = Documento
    extra = 0
    fields = ("nombre", "tipo", "content_type", "size", "sha256", "created_at")
    readonly_fields = ("nombre", "tipo", "content_type", "size", "sha256", "created_at")
    can_delete = False


@admin.register(Expediente)
class ExpedienteAdmin(admin.ModelAdmin):
    list_display = ["numero", "solicitante", "estado", "owner", "assigned_to", "updated_at"]
    list_filter = ["estado"]
    list_select_related = ["owner", "assigned_to"]
    search_fields = ["numero", "solicitante"]
    raw_id_fields = ["owner", "assigned_to"]
    # State changes belong to the workflow service (audit, events); the admin shows them read-only.
    readonly_fields = ["estado", "version", "created_at", "updated_at"]
    inlines = [DocumentoInline]


@admin.register(Documento)
class DocumentoAdmin(admin.ModelAdmin):
    list_display = ["nombre", "tipo", "expediente", "content_type", "size", "created_at"]
    list_filter = ["tipo"]
    list_select_related = ["expediente"]
    raw_id_fields = ["expediente", "uploaded_by"]
    readonly_fields = ["file", "content_type", "size", "sha256", "created_at"]
