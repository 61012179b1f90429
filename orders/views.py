"""Thin views over orders.services and orders.selectors (docs/api-guide.md#catalog-cart-orders)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import StaffWritesPublicReads
from core.etag import expected_versions, set_etag
from core.exceptions import NotFound
from core.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from orders import selectors, services
from orders.filters import OrderFilter, ProductFilter
from orders.serializers import (
    MAX_ID,
    CartItemInSerializer,
    CartQuantitySerializer,
    CartSerializer,
    CategorySerializer,
    OrderCreateSerializer,
    OrderSerializer,
    ProductSerializer,
)
from orders.workflow import TRANSITIONS

DEFAULT_ORDERING = ["-created_at", "-id"]


class CatalogViewSet(viewsets.ModelViewSet):
    """Public reads, staff writes; every single-resource answer carries the ETag."""

    permission_classes = [StaffWritesPublicReads]
    ordering = DEFAULT_ORDERING
    lookup_value_regex = "[0-9]+"
    create_service: Any = None
    update_service: Any = None
    delete_service: Any = None
    id_kwarg = ""

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        return set_etag(Response(self.get_serializer(instance).data), instance)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = type(self).create_service(actor=request.user, fields=serializer.validated_data)
        return set_etag(Response(self.get_serializer(instance).data, status=status.HTTP_201_CREATED), instance)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        instance = type(self).update_service(
            actor=request.user,
            fields=serializer.validated_data,
            expected_versions=expected_versions(request),
            **{self.id_kwarg: instance.pk},
        )
        return set_etag(Response(self.get_serializer(instance).data), instance)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        type(self).delete_service(
            actor=request.user, expected_versions=expected_versions(request), **{self.id_kwarg: instance.pk}
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["catalog"])
class CategoryViewSet(CatalogViewSet):
    queryset = selectors.categories()
    serializer_class = CategorySerializer
    ordering_fields = ["name", "created_at"]
    create_service = services.create_category
    update_service = services.update_category
    delete_service = services.delete_category
    id_kwarg = "category_id"


@extend_schema(tags=["catalog"])
class ProductViewSet(CatalogViewSet):
    queryset = selectors.products()
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    ordering_fields = ["name", "price", "created_at"]
    create_service = services.create_product
    update_service = services.update_product
    delete_service = services.delete_product
    id_kwarg = "product_id"


# --- cart --------------------------------------------------------------------------------------


def _cart_response(request: Request, status_code: int = status.HTTP_200_OK) -> Response:
    return Response(CartSerializer(selectors.cart_representation(request.user)).data, status=status_code)


@extend_schema(tags=["cart"])
class CartView(APIView):
    @extend_schema(responses={200: CartSerializer})
    def get(self, request: Request) -> Response:
        return _cart_response(request)


@extend_schema(tags=["cart"])
class CartItemsView(APIView):
    @extend_schema(request=CartItemInSerializer, responses={201: CartSerializer})
    def post(self, request: Request) -> Response:
        serializer = CartItemInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.add_to_cart(user=request.user, **serializer.validated_data)
        return _cart_response(request, status.HTTP_201_CREATED)


@extend_schema(tags=["cart"])
class CartItemView(APIView):
    resource_name = "Cart item"

    @staticmethod
    def _product_id(raw: str) -> int:
        value = int(raw)
        if value > MAX_ID:
            raise NotFound.for_resource("Cart item")
        return value

    @extend_schema(request=CartQuantitySerializer, responses={200: CartSerializer})
    def patch(self, request: Request, product_id: str) -> Response:
        serializer = CartQuantitySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.set_cart_quantity(
            user=request.user, product_id=self._product_id(product_id), **serializer.validated_data
        )
        return _cart_response(request)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, product_id: str) -> Response:
        services.remove_from_cart(user=request.user, product_id=self._product_id(product_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- orders ------------------------------------------------------------------------------------


@extend_schema(tags=["orders"])
class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    resource_name = "Order"
    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    ordering = DEFAULT_ORDERING
    ordering_fields = ["created_at", "updated_at", "total", "status"]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return selectors.orders_for(self.request.user)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        order = self.get_object()
        return set_etag(Response(self.get_serializer(order).data), order)

    @extend_schema(
        request=OrderCreateSerializer,
        responses={201: OrderSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = OrderCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = services.create_order(user=request.user, **serializer.validated_data)
        order = selectors.order_with_lines(order.pk)
        return set_etag(Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED), order)


@extend_schema(tags=["orders"])
class OrderTransitionView(APIView):
    resource_name = "Order"

    @extend_schema(
        operation_id="orders_transition",
        request=None,
        responses={200: OrderSerializer},
        parameters=[
            OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH),
            OpenApiParameter("action", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(TRANSITIONS)),
        ],
    )
    def post(self, request: Request, pk: str, action: str) -> Response:
        visible = selectors.orders_for(request.user).filter(pk=int(pk)).values_list("pk", flat=True).first()
        if visible is None:
            raise NotFound.for_resource("Order")
        services.transition_order(
            actor=request.user, order_id=visible, action=action, expected_versions=expected_versions(request)
        )
        order = selectors.order_with_lines(visible)
        return set_etag(Response(OrderSerializer(order).data), order)
