"""Thin views of expedientes and documentos: parse, call a service or selector, render."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.etag import expected_versions, set_etag
from core.exceptions import NotFound, not_found_detail
from core.filters import ValidatedOrderingFilter
from core.parsers import ORJSONParser
from expedientes import selectors, services
from expedientes.downloads import documento_attachment
from expedientes.filters import ExpedienteFilter
from expedientes.models import Documento, Expediente
from expedientes.serializers import (
    DocumentoMetadataSerializer,
    DocumentoSerializer,
    DocumentoUploadSerializer,
    ExpedienteCreateSerializer,
    ExpedienteSerializer,
    ExpedienteUpdateSerializer,
    HistoryEntrySerializer,
    TransitionSerializer,
)
from expedientes.uploads import SizeLimitUploadHandler, check_content_length

TAG = ["expedientes"]


class ExpedienteScopedMixin:
    """The expediente named in the URL, or ``404`` when the caller may not see it."""

    request: Request
    kwargs: dict[str, Any]

    def get_expediente(self, lookup: str = "pk") -> Expediente:
        queryset = selectors.expedientes_visible_to(self.request.user)
        try:
            return queryset.get(pk=self.kwargs[lookup])
        except (Expediente.DoesNotExist, ValueError, OverflowError):
            raise NotFound.for_resource("Expediente") from None

    def expediente_response(self, expediente: Expediente, status_code: int = 200) -> Response:
        body = ExpedienteSerializer(expediente, context={"request": self.request}).data
        return set_etag(Response(body, status=status_code), expediente)


@extend_schema(tags=TAG)
class ExpedienteListCreateView(ExpedienteScopedMixin, generics.ListAPIView):
    serializer_class = ExpedienteSerializer
    filterset_class = ExpedienteFilter
    resource_name = "Expediente"
    ordering = ["-created_at", "-id"]
    ordering_fields = ["created_at", "updated_at", "numero", "estado"]

    def get_queryset(self):
        return selectors.expedientes_visible_to(self.request.user)

    @extend_schema(summary="List expedientes (citizens: their own)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Open an expediente",
        request=ExpedienteCreateSerializer,
        responses={201: ExpedienteSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = ExpedienteCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        expediente = services.create_expediente(actor=request.user, **serializer.validated_data)
        return self.expediente_response(expediente, status.HTTP_201_CREATED)


@extend_schema(tags=TAG)
class ExpedienteDetailView(ExpedienteScopedMixin, generics.GenericAPIView):
    serializer_class = ExpedienteSerializer
    resource_name = "Expediente"

    def get_queryset(self):
        return selectors.expedientes_visible_to(self.request.user)

    @extend_schema(summary="One expediente", responses={200: ExpedienteSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return self.expediente_response(self.get_expediente())

    def _update(self, request: Request) -> Response:
        expediente = self.get_expediente()
        serializer = ExpedienteUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        updated = services.update_expediente(
            expediente_id=expediente.pk,
            actor=request.user,
            fields=serializer.validated_data,
            expected_versions=expected_versions(request),
        )
        return self.expediente_response(updated)

    # PUT is a partial update too: both methods are documented alike.
    _update_schema = extend_schema(
        summary="Partial update (estado through the workflow)",
        request=ExpedienteUpdateSerializer,
        responses={200: ExpedienteSerializer},
    )

    @_update_schema
    def put(self, request: Request, pk: int) -> Response:
        return self._update(request)

    @_update_schema
    def patch(self, request: Request, pk: int) -> Response:
        return self._update(request)

    @extend_schema(summary="Delete (only iniciado, without documentos)", responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        expediente = self.get_expediente()
        services.delete_expediente(
            expediente_id=expediente.pk, actor=request.user, expected_versions=expected_versions(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=TAG)
class ExpedienteTransitionView(ExpedienteScopedMixin, generics.GenericAPIView):
    serializer_class = TransitionSerializer
    resource_name = "Expediente"

    @extend_schema(
        summary="Move the expediente along the workflow",
        request=TransitionSerializer,
        responses={200: ExpedienteSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        expediente = self.get_expediente()
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.transition_expediente(
            expediente_id=expediente.pk,
            actor=request.user,
            to=serializer.validated_data["to"],
            comment=serializer.validated_data.get("comment", ""),
            expected_versions=expected_versions(request),
        )
        return self.expediente_response(result.expediente)


@extend_schema(tags=TAG)
class ExpedienteHistoryView(ExpedienteScopedMixin, generics.ListAPIView):
    serializer_class = HistoryEntrySerializer
    resource_name = "Expediente"
    filter_backends = [ValidatedOrderingFilter]
    ordering = ["created_at", "id"]
    # created_at is valid in both modes on every list (docs/api-guide.md#pagination), newest first included.
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return selectors.history_of(self.get_expediente())

    @extend_schema(summary="Audit events of this expediente, oldest first")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class DocumentoScopedMixin(ExpedienteScopedMixin):
    def get_documento(self) -> Documento:
        expediente = self.get_expediente("expediente_pk")
        try:
            return selectors.documentos_of(expediente).get(pk=self.kwargs["pk"])
        except (Documento.DoesNotExist, ValueError, OverflowError):
            raise NotFound.for_resource("Documento") from None


@extend_schema(tags=TAG)
class DocumentoListCreateView(DocumentoScopedMixin, generics.ListAPIView):
    serializer_class = DocumentoSerializer
    resource_name = "Documento"
    parser_classes = [ORJSONParser, MultiPartParser, FormParser]
    ordering = ["-created_at", "-id"]
    ordering_fields = ["created_at", "nombre"]
    filter_backends = [ValidatedOrderingFilter]

    def get_queryset(self):
        return selectors.documentos_of(self.get_expediente("expediente_pk"))

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if request.method == "POST" and request.content_type.startswith("multipart/"):
            # Refuse an oversized body before reading it, and stop a lying one mid-stream.
            check_content_length(request.META)
            request._request.upload_handlers.insert(0, SizeLimitUploadHandler(request._request))

    @extend_schema(summary="Documentos of the expediente")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Attach a documento (JSON metadata, or multipart with a file)",
        request={
            "application/json": DocumentoMetadataSerializer,
            "multipart/form-data": DocumentoUploadSerializer,
        },
        responses={201: DocumentoSerializer},
    )
    def post(self, request: Request, expediente_pk: int) -> Response:
        expediente = self.get_expediente("expediente_pk")
        if request.content_type.startswith("application/json"):
            serializer: Any = DocumentoMetadataSerializer(data=request.data)
        else:
            serializer = DocumentoUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        documento = services.add_documento(
            expediente_id=expediente.pk,
            actor=request.user,
            nombre=data["nombre"],
            tipo=data["tipo"],
            upload=data.get("file"),
        )
        return Response(DocumentoSerializer(documento).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=TAG)
class DocumentoDetailView(DocumentoScopedMixin, generics.GenericAPIView):
    serializer_class = DocumentoSerializer
    resource_name = "Documento"

    @extend_schema(summary="One documento", responses={200: DocumentoSerializer})
    def get(self, request: Request, expediente_pk: int, pk: int) -> Response:
        return Response(DocumentoSerializer(self.get_documento()).data)

    @extend_schema(summary="Remove a documento (owner while iniciado, or staff)", responses={204: None})
    def delete(self, request: Request, expediente_pk: int, pk: int) -> Response:
        documento = self.get_documento()
        services.delete_documento(documento_id=documento.pk, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=TAG)
class DocumentoDownloadView(DocumentoScopedMixin, generics.GenericAPIView):
    resource_name = "Documento"

    @extend_schema(
        summary="The documento's bytes, as an attachment, with the content type detected at upload",
        responses={(200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request: Request, expediente_pk: int, pk: int) -> FileResponse:
        documento = self.get_documento()
        try:
            return documento_attachment(documento)
        except FileNotFoundError:  # metadata only, or the stored object is gone
            raise NotFound(
                not_found_detail("File"),
                errors=[{"field": None, "message": _("This documento has no file."), "code": "not_found"}],
            ) from None
