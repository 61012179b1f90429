"""Test-only endpoints that exercise the shared plumbing (errors, pagination, ETag)."""

from django.db import OperationalError
from django.http import HttpResponse
from django.urls import include, path, re_path
from rest_framework import generics, serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from core.etag import ensure_version, expected_versions, set_etag
from events.models import AuditEvent


class ItemSerializer(serializers.Serializer):
    product_id = serializers.IntegerField(min_value=1)
    quantity = serializers.IntegerField(min_value=1)


class OrderLikeSerializer(serializers.Serializer):
    items = ItemSerializer(many=True, allow_empty=False)
    note = serializers.CharField(max_length=5, required=False)


@api_view(["POST"])
@permission_classes([AllowAny])
def validate(request):
    OrderLikeSerializer(data=request.data).is_valid(raise_exception=True)
    return Response({"ok": True})


@api_view(["GET"])
def private(request):
    return Response({"user": request.user.pk})


@api_view(["GET"])
@permission_classes([AllowAny])
def boom(request):
    raise RuntimeError("password=hunter2 leaked from the depths")


@api_view(["GET"])
@permission_classes([AllowAny])
def db_down(request):
    raise OperationalError("connection to server at 10.0.0.1 failed")


def plain_boom(request):
    raise RuntimeError("plain django view exploded with secret-token-123")


def plain_ok(request):
    return HttpResponse("ok")


class _Versioned:
    version = 3


@api_view(["PATCH"])
@permission_classes([AllowAny])
def versioned(request):
    obj = _Versioned()
    ensure_version(obj.version, expected_versions(request))
    return set_etag(Response({"version": obj.version}), obj)


class AuditList(generics.ListAPIView):
    permission_classes = [AllowAny]
    queryset = AuditEvent.objects.all()
    ordering = ["-created_at", "-id"]
    ordering_fields = ["created_at", "entity_id"]

    class serializer_class(serializers.ModelSerializer):
        class Meta:
            model = AuditEvent
            fields = ["id", "entity_id", "created_at"]


class AuditDetail(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    queryset = AuditEvent.objects.all()
    resource_name = "Audit event"
    serializer_class = AuditList.serializer_class


urlpatterns = [
    path("t/validate", validate),
    path("t/private", private),
    path("t/boom", boom),
    path("t/db-down", db_down),
    path("t/plain-boom", plain_boom),
    path("t/plain-ok", plain_ok),
    path("t/versioned", versioned),
    re_path(r"^t/audit/?$", AuditList.as_view()),
    path("t/audit/<int:pk>", AuditDetail.as_view()),
    path("", include("config.urls")),
]

handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
