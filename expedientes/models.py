"""Expedientes (case files) and their documentos, with the contract's rules enforced in the database."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel, VersionedModel
from core.search import document_index, search_document

NUMERO_MAX_LENGTH = 50
NUMERO_REGEX = r"^[A-Za-z0-9/_.-]{1,50}$"
SOLICITANTE_MAX_LENGTH = 200
CONCEPTO_MAX_LENGTH = 2000
NOMBRE_MAX_LENGTH = 255
SEARCH_FIELDS = ("numero", "solicitante", "concepto")


class Estado(models.TextChoices):
    INICIADO = "iniciado", _("Opened")
    EN_REVISION = "en_revision", _("Under review")
    REQUIERE_SUBSANACION = "requiere_subsanacion", _("Needs correction")
    APROBADO = "aprobado", _("Approved")
    RECHAZADO = "rechazado", _("Rejected")
    ARCHIVADO = "archivado", _("Archived")


class TipoDocumento(models.TextChoices):
    SOLICITUD = "solicitud", _("Application")
    ANEXO = "anexo", _("Annex")
    RESOLUCION = "resolucion", _("Decision")
    NOTIFICACION = "notificacion", _("Notice")
    OTRO = "otro", _("Other")


class ExpedienteManager(models.Manager["Expediente"]):
    def get_queryset(self) -> models.QuerySet[Expediente]:
        # ``search_document`` repeats the three text columns: only ``search`` reads it (in SQL).
        return super().get_queryset().defer("search_document")


class Expediente(VersionedModel):
    numero = models.CharField(_("number"), max_length=NUMERO_MAX_LENGTH)
    solicitante = models.CharField(_("applicant"), max_length=SOLICITANTE_MAX_LENGTH)
    concepto = models.TextField(_("subject"), blank=True, default="")
    estado = models.CharField(_("status"), max_length=32, choices=Estado.choices, default=Estado.INICIADO)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="expedientes", verbose_name=_("owner")
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_expedientes",
    )
    # Kept by triggers on expedientes_documento (migration 0004), in the same transaction as the
    # documento's insert or delete: lists read a column instead of counting per row. Never written
    # by the ORM once the row exists (see save).
    documentos_count = models.PositiveIntegerField(_("documents"), default=0, db_default=0, editable=False)
    # What ``search`` reads (API and admin): numero, solicitante and concepto folded into one stored,
    # trigram-indexed column by PostgreSQL itself (see core.search).
    search_document = models.GeneratedField(
        expression=search_document(*SEARCH_FIELDS), output_field=models.TextField(), db_persist=True
    )

    objects = ExpedienteManager()

    class Meta:
        verbose_name = _("expediente")
        verbose_name_plural = _("expedientes")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["numero"], name="expedientes_numero_unique"),
            models.CheckConstraint(condition=models.Q(numero__regex=NUMERO_REGEX), name="expedientes_numero_format"),
            # Whitespace-only is as blank as empty for a person's name.
            models.CheckConstraint(
                condition=models.Q(solicitante__regex=r"\S"), name="expedientes_solicitante_not_blank"
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("concepto"), CONCEPTO_MAX_LENGTH), name="expedientes_concepto_length"
            ),
            models.CheckConstraint(
                condition=models.Q(estado__in=[choice.value for choice in Estado]), name="expedientes_estado_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="expedientes_created"),
            models.Index(fields=["owner", "-created_at", "-id"], name="expedientes_owner_created"),
            models.Index(fields=["assigned_to", "-created_at", "-id"], name="expedientes_assigned_created"),
            models.Index(fields=["estado", "-created_at", "-id"], name="expedientes_estado_created"),
            # Narrow (and deduplicated by btree): the dashboard counts per estado from it alone.
            models.Index(fields=["estado"], name="expedientes_estado"),
            models.Index(fields=["-updated_at", "-id"], name="expedientes_updated"),
            # ``ordering=estado`` (the narrow index above would sort each estado's rows by id).
            models.Index(fields=["estado", "id"], name="expedientes_estado_id"),
            # The reports' open expedientes of one assignee, oldest first (service level).
            models.Index(
                fields=["assigned_to", "created_at", "id"],
                condition=models.Q(estado__in=["iniciado", "en_revision", "requiere_subsanacion"]),
                name="expedientes_open_assignee",
            ),
            # ``search`` (API and admin), see core.search.
            document_index("search_document", "expedientes_search_trgm"),
        ]

    def __str__(self) -> str:
        return self.numero

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A full save of an instance read before a documento was added must not write back its
        # stale count: an update names every field but the one the database keeps.
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and not field.generated and field.name != "documentos_count"
            ]
        super().save(*args, **kwargs)


class Documento(TimeStampedModel):
    """A document attached to an expediente: metadata only, or metadata plus a stored file."""

    expediente = models.ForeignKey(
        Expediente, on_delete=models.PROTECT, related_name="documentos", verbose_name=_("expediente")
    )
    nombre = models.CharField(_("name"), max_length=NOMBRE_MAX_LENGTH)
    tipo = models.CharField(_("type"), max_length=20, choices=TipoDocumento.choices, default=TipoDocumento.OTRO)
    # Server-generated storage name; the client's filename never reaches the storage backend.
    file = models.FileField(_("file"), max_length=255, blank=True, default="")
    content_type = models.CharField(_("content type"), max_length=100, null=True, blank=True)
    size = models.BigIntegerField(_("size"), null=True, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    class Meta:
        verbose_name = _("documento")
        verbose_name_plural = _("documentos")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(nombre__regex=r"\S"), name="expedientes_documento_nombre_not_blank"
            ),
            models.CheckConstraint(
                condition=models.Q(tipo__in=[choice.value for choice in TipoDocumento]),
                name="expedientes_documento_tipo_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(size__isnull=True) | models.Q(size__gte=0), name="expedientes_documento_size_gte_0"
            ),
        ]
        indexes = [models.Index(fields=["expediente", "-created_at", "-id"], name="expedientes_doc_exp_created")]

    def __str__(self) -> str:
        return self.nombre

    @property
    def has_file(self) -> bool:
        return bool(self.file)
