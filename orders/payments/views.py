"""Payments and checkout endpoints (docs/api-guide.md#checkout, docs/api-guide.md#payments)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import is_staff_user
from core.exceptions import PROBLEM_CONTENT_TYPE, NotFound, PermissionDeniedError
from core.filters import FilterSet
from core.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from core.schema import ProblemSerializer
from orders import selectors
from orders.filters import IdFilter
from orders.models import Payment, PaymentStatus
from orders.payments import services
from orders.serializers import (
    MAX_ID,
    CheckoutResultSerializer,
    CheckoutSerializer,
    OrderSerializer,
    PaymentCreateSerializer,
    PaymentProblemSerializer,
    PaymentSerializer,
)

CHARGE_ERRORS = {
    (402, PROBLEM_CONTENT_TYPE): OpenApiResponse(
        PaymentProblemSerializer, description="payment_declined, with the failed payment"
    ),
    (502, PROBLEM_CONTENT_TYPE): OpenApiResponse(
        PaymentProblemSerializer, description="upstream_error, with the failed payment"
    ),
}


class PaymentFilter(FilterSet):
    status = filters.ChoiceFilter(choices=PaymentStatus.choices)
    order = IdFilter(field_name="order_id")

    class Meta:
        model = Payment
        fields = ["status", "order"]


@extend_schema(tags=["payments"])
class PaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    resource_name = "Payment"
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    ordering = ["-created_at", "-id"]
    ordering_fields = ["created_at", "amount", "status"]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return selectors.payments_for(self.request.user)

    @extend_schema(
        request=PaymentCreateSerializer,
        responses={201: PaymentSerializer, **CHARGE_ERRORS},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = PaymentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        order_id = None
        if data["order_id"] <= MAX_ID:
            visible = selectors.orders_for(request.user).filter(pk=data["order_id"])
            order_id = visible.values_list("pk", flat=True).first()
        if order_id is None:
            raise NotFound.for_resource("Order")
        payment = services.charge_order(
            actor=request.user,
            order_id=order_id,
            payment_method=data["payment_method"],
            amount=data.get("amount"),
            currency=data.get("currency"),
        )
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={
            200: PaymentSerializer,
            (502, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, description="upstream_error"),
        },
    )
    @action(detail=True, methods=["post"])
    def refund(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payment = self.get_object()  # 404 first: a citizen cannot probe other people's payments
        if not is_staff_user(request.user):
            raise PermissionDeniedError(_("Only staff may refund payments."))
        payment = services.refund_payment(actor=request.user, payment_id=payment.pk)
        return Response(PaymentSerializer(payment).data)


@extend_schema(tags=["checkout"])
class CheckoutView(APIView):
    @extend_schema(
        request=CheckoutSerializer,
        responses={201: CheckoutResultSerializer, **CHARGE_ERRORS},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = CheckoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order, payment = services.checkout(user=request.user, **serializer.validated_data)
        order = selectors.order_with_lines(order.pk)
        body = {"order_id": order.pk, "order": OrderSerializer(order).data, "payment": PaymentSerializer(payment).data}
        response = Response(body, status=status.HTTP_201_CREATED)
        response["ETag"] = f'W/"{order.version}"'
        return response
