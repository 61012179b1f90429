from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from accounts.permissions import IsStaff
from reports import figures, selectors
from reports.serializers import (
    BacklogSerializer,
    DashboardSerializer,
    OrdersPerWeekSerializer,
    PeriodQuerySerializer,
    ProcessingTimesSerializer,
    ReportsIndexSerializer,
    ServiceLevelQuerySerializer,
    ServiceLevelSerializer,
    ThroughputSerializer,
    WebhooksPerDaySerializer,
)


class DashboardView(APIView):
    """``GET /dashboard`` (staff): the same figures as the admin index page."""

    permission_classes = [IsStaff]

    @extend_schema(
        responses={200: DashboardSerializer},
        tags=["dashboard"],
        summary="Expedientes by estado, orders by status with revenue, webhook deliveries pending and failed",
    )
    def get(self, request: Request) -> Response:
        return Response(DashboardSerializer(selectors.dashboard()).data)


PERIOD_PARAMETERS = [
    OpenApiParameter(
        "from",
        str,
        description="First day (YYYY-MM-DD, UTC). Default: the Monday eleven weeks before the week of `to`.",
    ),
    OpenApiParameter("to", str, description="Last day, included (YYYY-MM-DD, UTC). Default: today."),
]
ASSIGNEE_PARAMETER = OpenApiParameter("assigned_to", int, description="Only expedientes assigned to this user (id).")
PERIOD_NOTE = " The period spans at most 366 days; a longer one, or `from` after `to`, is `422`."


def _query(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    query = serializer_class(data=request.query_params.dict())
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


class ReportsIndexView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(responses={200: ReportsIndexSerializer}, tags=["reports"], summary="The reports available")
    def get(self, request: Request) -> Response:
        names = {
            "processing_times": "reports-processing-times",
            "throughput": "reports-throughput",
            "service_level": "reports-service-level",
            "backlog": "reports-backlog",
            "orders": "reports-orders",
            "webhooks": "reports-webhooks",
        }
        return Response({key: reverse(name, request=request) for key, name in names.items()})


class ProcessingTimesView(APIView):
    """How long expedientes take, from the audit trail's transitions."""

    permission_classes = [IsStaff]

    @extend_schema(
        parameters=[*PERIOD_PARAMETERS, ASSIGNEE_PARAMETER],
        responses={200: ProcessingTimesSerializer},
        tags=["reports"],
        summary="Median and 90th percentile from iniciado to a decision, and time spent in each estado",
        description=(
            "Decisions are transitions to `aprobado` or `rechazado` made in the period, timed from the "
            "expediente's creation. A stay is the time from entering an estado to leaving it; the stays "
            "counted are those that ended in the period. Durations are in seconds; percentiles interpolate "
            "linearly between the two nearest values." + PERIOD_NOTE
        ),
    )
    def get(self, request: Request) -> Response:
        query = _query(PeriodQuerySerializer, request)
        return Response(ProcessingTimesSerializer(figures.processing_times(**query)).data)


class ThroughputView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(
        parameters=[*PERIOD_PARAMETERS, ASSIGNEE_PARAMETER],
        responses={200: ThroughputSerializer},
        tags=["reports"],
        summary="Expedientes arrived and decided per week",
        description=(
            "Weeks start on Monday (UTC); the first and last week count only the days inside the period." + PERIOD_NOTE
        ),
    )
    def get(self, request: Request) -> Response:
        query = _query(PeriodQuerySerializer, request)
        return Response(ThroughputSerializer(figures.throughput(**query)).data)


class ServiceLevelView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "limit_days", int, description="Days without a decision after which an expediente is late (1..3650)."
            ),
            ASSIGNEE_PARAMETER,
        ],
        responses={200: ServiceLevelSerializer},
        tags=["reports"],
        summary="Open expedientes over the service-level limit, by estado, and the oldest of them",
    )
    def get(self, request: Request) -> Response:
        query = _query(ServiceLevelQuerySerializer, request)
        return Response(ServiceLevelSerializer(figures.service_level(**query)).data)


class BacklogView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(
        responses={200: BacklogSerializer},
        tags=["reports"],
        summary="Open expedientes per assigned clerk and estado, and the unassigned ones",
    )
    def get(self, request: Request) -> Response:
        return Response(BacklogSerializer(figures.backlog()).data)


class OrdersReportView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(
        parameters=PERIOD_PARAMETERS,
        responses={200: OrdersPerWeekSerializer},
        tags=["reports"],
        summary="Orders placed and revenue per week",
        description=(
            "Revenue counts the orders placed that week that are confirmed, approved, shipped or delivered."
            + PERIOD_NOTE
        ),
    )
    def get(self, request: Request) -> Response:
        query = _query(PeriodQuerySerializer, request)
        return Response(OrdersPerWeekSerializer(figures.orders_per_week(query["period"])).data)


class WebhooksReportView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(
        parameters=PERIOD_PARAMETERS,
        responses={200: WebhooksPerDaySerializer},
        tags=["reports"],
        summary="Webhook deliveries succeeded and failed (out of attempts) per day",
        description=PERIOD_NOTE.strip(),
    )
    def get(self, request: Request) -> Response:
        query = _query(PeriodQuerySerializer, request)
        return Response(WebhooksPerDaySerializer(figures.webhooks_per_day(query["period"])).data)
