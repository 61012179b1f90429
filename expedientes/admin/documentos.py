"""Documentos in the admin: read-only (they arrive through the API's upload), downloadable."""

from __future__ import annotations

from django.contrib import admin
from django.http import Http404
from django.http.response import HttpResponseBase
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.adminkit import ReadOnlyAdmin, ReadOnlyInline
from core.exceptions import not_found_detail
from expedientes.downloads import documento_attachment
from expedientes.models import Documento, Expediente

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


class DocumentoInline(ReadOnlyInline):
    """Read-only: documentos are added through the API's upload (size and type checks, audit)."""

    model = Documento
    fields = ("nombre", "tipo", "content_type", "size_display", "download", "created_at")
    readonly_fields = fields

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


def download(documento_id: int, expediente: Expediente) -> HttpResponseBase:
    """The download view's answer: the documento's file, or ``404`` when it is not the expediente's
    or has no stored file."""
    documento = Documento.objects.filter(pk=documento_id, expediente=expediente).first()
    if documento is None:
        raise Http404(not_found_detail("File"))
    try:
        return documento_attachment(documento)
    except FileNotFoundError:
        raise Http404(not_found_detail("File")) from None


@admin.register(Documento)
class DocumentoAdmin(ReadOnlyAdmin):
    """Read-only list of every documento (the upload checks and the audit live in the service)."""

    list_display = ["nombre", "tipo", "expediente", "content_type", "size", "created_at"]
    list_filter = ["tipo"]
    list_select_related = ["expediente"]
    search_fields = ["nombre", "expediente__numero"]
    # The file itself is offered through the expediente's download view (session auth, attachment).
    fields = readonly_fields = DOCUMENTO_FIELDS
