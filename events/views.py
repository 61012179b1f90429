"""Staff API over the outbox: webhook endpoints, deliveries, the event feed and the audit trail."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from core.etag import expected_versions, set_etag
from events import selectors, services
from events.filters import AuditEventFilter, DeliveryFilter, EndpointFilter, EventFilter
from events.models import AuditEvent, Event, WebhookDelivery, WebhookEndpoint
from events.permissions import IsStaffRole
from events.serializers import (
    AuditEventSerializer,
    EventSerializer,
    SecretSerializer,
    WebhookDeliveryDetailSerializer,
    WebhookDeliverySerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointInputSerializer,
    WebhookEndpointSerializer,
)

STAFF = [IsAuthenticated, IsStaffRole]


@extend_schema_view(
    list=extend_schema(summary="List webhook endpoints", tags=["webhooks"]),
    retrieve=extend_schema(summary="A webhook endpoint (secret masked)", tags=["webhooks"]),
)
class WebhookEndpointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = STAFF
    queryset = WebhookEndpoint.objects.all()
    serializer_class = WebhookEndpointSerializer
    resource_name = "Webhook endpoint"
    filterset_class = EndpointFilter
    ordering = ["-created_at", "-id"]
    ordering_fields = ["created_at", "id", "url"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        endpoint = self.get_object()
        return set_etag(Response(self.get_serializer(endpoint).data), endpoint)

    @extend_schema(
        summary="Register a webhook endpoint",
        request=WebhookEndpointInputSerializer,
        responses={201: WebhookEndpointCreatedSerializer},
        tags=["webhooks"],
    )
    def create(self, request: Request) -> Response:
        payload = WebhookEndpointInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        endpoint = services.create_endpoint(actor=request.user, **payload.validated_data)
        body = WebhookEndpointCreatedSerializer(endpoint).data
        return set_etag(Response(body, status=status.HTTP_201_CREATED), endpoint)

    @extend_schema(
        summary="Change url, events, description or active",
        request=WebhookEndpointInputSerializer(partial=True),
        responses={200: WebhookEndpointSerializer},
        tags=["webhooks"],
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        endpoint = self.get_object()
        payload = WebhookEndpointInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        endpoint = services.update_endpoint(
            actor=request.user,
            endpoint_id=endpoint.pk,
            expected_versions=expected_versions(request),
            **payload.validated_data,
        )
        return set_etag(Response(WebhookEndpointSerializer(endpoint).data), endpoint)

    @extend_schema(summary="Delete a webhook endpoint", responses={204: None}, tags=["webhooks"])
    def destroy(self, request: Request, pk: str) -> Response:
        endpoint = self.get_object()
        services.delete_endpoint(
            actor=request.user, endpoint_id=endpoint.pk, expected_versions=expected_versions(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Rotate the signing secret (both signatures are sent during the overlap)",
        request=None,
        responses={200: SecretSerializer},
        tags=["webhooks"],
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str) -> Response:
        endpoint = self.get_object()
        endpoint = services.rotate_secret(
            actor=request.user, endpoint_id=endpoint.pk, expected_versions=expected_versions(request)
        )
        return set_etag(Response({"secret": endpoint.secret}), endpoint)


@extend_schema_view(
    list=extend_schema(summary="List webhook deliveries", tags=["webhooks"]),
    retrieve=extend_schema(
        summary="A webhook delivery with its attempts", responses=WebhookDeliveryDetailSerializer, tags=["webhooks"]
    ),
)
class WebhookDeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = STAFF
    queryset = WebhookDelivery.objects.all()
    resource_name = "Webhook delivery"
    filterset_class = DeliveryFilter
    ordering = ["-created_at", "-id"]
    ordering_fields = ["created_at", "id", "next_attempt_at"]

    def get_queryset(self) -> QuerySet[WebhookDelivery]:
        if self.action == "list":
            return selectors.delivery_list()
        return selectors.delivery_detail()

    def get_serializer_class(self) -> type:
        return WebhookDeliverySerializer if self.action == "list" else WebhookDeliveryDetailSerializer

    @extend_schema(
        summary="Send the delivery again now, with a fresh retry schedule",
        request=None,
        responses={202: WebhookDeliveryDetailSerializer},
        tags=["webhooks"],
    )
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str) -> Response:
        delivery = self.get_object()
        services.retry_delivery(actor=request.user, delivery_id=delivery.pk)
        delivery = selectors.delivery_detail().get(pk=delivery.pk)
        return Response(WebhookDeliveryDetailSerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    list=extend_schema(summary="The event feed, oldest first", tags=["events"]),
    retrieve=extend_schema(summary="One domain event", tags=["events"]),
)
class EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = STAFF
    queryset = Event.objects.all()
    serializer_class = EventSerializer
    resource_name = "Event"
    filterset_class = EventFilter
    ordering = ["id"]
    ordering_fields = ["id", "created_at"]


@extend_schema_view(
    list=extend_schema(summary="The audit trail", tags=["audit"]),
    retrieve=extend_schema(summary="One audit event", tags=["audit"]),
)
class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = STAFF
    queryset = AuditEvent.objects.all()
    serializer_class = AuditEventSerializer
    resource_name = "Audit event"
    filterset_class = AuditEventFilter
    ordering = ["-created_at", "-id"]
    ordering_fields = ["created_at", "id"]
