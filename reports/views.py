from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsStaff
from reports import selectors
from reports.serializers import DashboardSerializer


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
