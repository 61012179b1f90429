"""Shapes of the expedientes API: input serializers validate, output serializers represent."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.fields import StrictCharField
from core.representation import FastRepresentation, api_data
from events.models import AuditEvent
from expedientes import workflow
from expedientes.models import (
    CONCEPTO_MAX_LENGTH,
    NOMBRE_MAX_LENGTH,
    NUMERO_MAX_LENGTH,
    NUMERO_REGEX,
    SOLICITANTE_MAX_LENGTH,
    Documento,
    Estado,
    Expediente,
    TipoDocumento,
)

ESTADO_CHOICES = Estado.choices
TIPO_CHOICES = TipoDocumento.choices


class FullMatchRegexValidator(RegexValidator):
    """The whole value must match: with ``search`` Python's ``$`` also matches before a final newline,
    which the database's CHECK then refuses with an IntegrityError (a 500). The schema keeps ``^...$``."""

    def __call__(self, value: Any) -> None:
        if not re.fullmatch(self.regex, str(value)):
            raise DjangoValidationError(self.message, code=self.code, params={"value": value})


def _not_whitespace(value: str) -> None:
    if not value.strip():
        raise serializers.ValidationError(_("This field may not be blank."), code="blank")


def _no_control_characters(value: str) -> None:
    if any(ord(char) < 32 and char not in "\t\n\r" for char in value):
        raise serializers.ValidationError(_("Control characters are not allowed."), code="invalid")


# --- input ------------------------------------------------------------------------------------
class ExpedienteCreateSerializer(serializers.Serializer):
    # Not trimmed: whitespace is outside the charset, so " EXP-1" is refused rather than rewritten.
    numero = StrictCharField(
        max_length=NUMERO_MAX_LENGTH,
        trim_whitespace=False,
        validators=[
            FullMatchRegexValidator(
                NUMERO_REGEX, message=gettext_lazy("Use 1 to 50 characters of A-Z a-z 0-9 - / _ ."), code="invalid"
            )
        ],
    )
    # Names round-trip exactly, so surrounding whitespace is kept; whitespace alone is blank.
    solicitante = StrictCharField(
        max_length=SOLICITANTE_MAX_LENGTH, trim_whitespace=False, validators=[_not_whitespace, _no_control_characters]
    )
    concepto = StrictCharField(
        max_length=CONCEPTO_MAX_LENGTH, required=False, allow_blank=True, default="", trim_whitespace=False
    )


class ExpedienteUpdateSerializer(serializers.Serializer):
    """``PUT`` and ``PATCH`` are both partial; anything not listed here is read-only and ignored."""

    solicitante = StrictCharField(
        max_length=SOLICITANTE_MAX_LENGTH,
        trim_whitespace=False,
        required=False,
        validators=[_not_whitespace, _no_control_characters],
    )
    concepto = StrictCharField(max_length=CONCEPTO_MAX_LENGTH, required=False, allow_blank=True, trim_whitespace=False)
    assigned_to = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    estado = serializers.ChoiceField(choices=ESTADO_CHOICES, required=False)


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=ESTADO_CHOICES)
    comment = StrictCharField(required=False, allow_blank=True, max_length=CONCEPTO_MAX_LENGTH, default="")


class DocumentoMetadataSerializer(serializers.Serializer):
    """JSON body: metadata only, no file."""

    nombre = StrictCharField(max_length=NOMBRE_MAX_LENGTH, validators=[_no_control_characters])
    tipo = serializers.ChoiceField(choices=TIPO_CHOICES)


class DocumentoUploadSerializer(serializers.Serializer):
    """``multipart/form-data``: the file plus optional metadata (``nombre`` defaults to the file's name)."""

    file = serializers.FileField(required=False, allow_empty_file=False, use_url=False)
    nombre = serializers.CharField(max_length=NOMBRE_MAX_LENGTH, required=False, validators=[_no_control_characters])
    tipo = serializers.ChoiceField(choices=TIPO_CHOICES, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        upload = attrs.get("file")
        if upload is None:
            # Without a file the form is a metadata-only documento: the JSON rules apply.
            missing = {name: [_("This field is required.")] for name in ("nombre", "tipo") if name not in attrs}
            if missing:
                raise serializers.ValidationError(missing, code="required")
        if "nombre" not in attrs:
            attrs["nombre"] = safe_display_name(getattr(upload, "name", "") or "documento")
        attrs.setdefault("tipo", TipoDocumento.OTRO.value)
        return attrs


def safe_display_name(name: str) -> str:
    """The client's filename reduced to a harmless display name (no path, no control characters)."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if ord(char) >= 32 and ord(char) != 127).strip()
    return (name or "documento")[:NOMBRE_MAX_LENGTH]


# --- output -----------------------------------------------------------------------------------
class ExpedienteSerializer(FastRepresentation, serializers.ModelSerializer):
    """The API representation; ``context["user"]`` decides ``allowed_transitions``.

    Without a user (event payloads) ``allowed_transitions`` lists every target the table offers.
    """

    owner = serializers.IntegerField(source="owner_id", read_only=True)
    assigned_to = serializers.IntegerField(source="assigned_to_id", read_only=True, allow_null=True)
    estado = serializers.ChoiceField(choices=ESTADO_CHOICES, read_only=True)
    documentos_count = serializers.IntegerField(read_only=True)
    allowed_transitions = serializers.SerializerMethodField()

    methods_read_columns_only = True

    class Meta:
        model = Expediente
        fields = [
            "id",
            "numero",
            "solicitante",
            "concepto",
            "estado",
            "owner",
            "assigned_to",
            "documentos_count",
            "allowed_transitions",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=ESTADO_CHOICES)))
    def get_allowed_transitions(self, obj: Expediente) -> list[str]:
        return self._targets(obj.estado, obj.owner_id)

    @cached_property
    def _targets(self) -> Callable[[str, int | None], list[str]]:
        """The targets for a row's estado and owner; the caller is looked up once per serializer."""
        user = self.context.get("user")
        if user is None:
            user = getattr(self.context.get("request"), "user", None)
        if user is None:
            return lambda estado, owner_id: workflow.targets_from(estado)
        return workflow.targets_for(user)


class DocumentoSerializer(FastRepresentation, serializers.ModelSerializer):
    expediente = serializers.IntegerField(source="expediente_id", read_only=True)
    tipo = serializers.ChoiceField(choices=TIPO_CHOICES, read_only=True)
    content_type = serializers.CharField(read_only=True, allow_null=True)
    size = serializers.IntegerField(read_only=True, allow_null=True)
    sha256 = serializers.CharField(read_only=True, allow_null=True)
    has_file = serializers.BooleanField(read_only=True)

    class Meta:
        model = Documento
        fields = ["id", "expediente", "nombre", "tipo", "content_type", "size", "sha256", "has_file", "created_at"]
        read_only_fields = fields


class HistoryEntrySerializer(FastRepresentation, serializers.ModelSerializer):
    actor = serializers.IntegerField(source="actor_id", read_only=True, allow_null=True)
    entity_id = serializers.SerializerMethodField()
    changes = serializers.JSONField(read_only=True)

    methods_read_columns_only = True

    class Meta:
        model = AuditEvent
        fields = ["id", "actor", "entity_type", "entity_id", "action", "changes", "request_id", "created_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.INT)
    def get_entity_id(self, obj: AuditEvent) -> int | str:
        return int(obj.entity_id) if obj.entity_id.isdigit() else obj.entity_id


def representation(expediente: Expediente, user: Any = None) -> dict[str, Any]:
    """The expediente as the API shows it; for event payloads when ``user`` is None."""
    return api_data(ExpedienteSerializer(expediente, context={"user": user}))


def documento_representation(documento: Documento) -> dict[str, Any]:
    return api_data(DocumentoSerializer(documento))
