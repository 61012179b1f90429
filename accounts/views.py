"""Accounts endpoints (docs/api-guide.md#accounts): thin views over the services and selectors."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services, tokens
from accounts.filters import UserFilter, UserOrderingFilter
from accounts.models import User
from accounts.permissions import IsAdmin, IsStaff
from accounts.serializers import (
    AdminUserUpdateSerializer,
    LoginSerializer,
    PasswordChangeSerializer,
    ProfileUpdateSerializer,
    RefreshTokenSerializer,
    RegisterSerializer,
    TokenPairSerializer,
    UserCreateSerializer,
    UserSerializer,
)
from core.etag import expected_versions, set_etag
from core.exceptions import PROBLEM_CONTENT_TYPE, PermissionDeniedError
from core.filters import QueryFilterBackend
from core.parsers import ORJSONParser
from core.schema import ProblemSerializer


def problems(**codes: str) -> dict[tuple[int, str], OpenApiResponse]:
    """problem+json responses the generic schema does not add to public endpoints."""
    return {
        (int(code.lstrip("_")), PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, description=text)
        for code, text in codes.items()
    }


PROBLEM_401 = problems(_401="Invalid credentials or token not valid")
PROBLEM_415 = problems(_415="Unsupported media type")


def _user_response(user: User, status_code: int = status.HTTP_200_OK) -> Response:
    return set_etag(Response(UserSerializer(user).data, status=status_code), user)


class PublicView(APIView):
    """No credentials needed (and a stray, stale ``Authorization`` header is not an error)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]


# --- auth ------------------------------------------------------------------------------------------
class RegisterView(PublicView):
    @extend_schema(
        request=RegisterSerializer,
        responses={
            201: UserSerializer,
            **problems(_403="A privileged field was sent", _409="Email or username taken"),
            **PROBLEM_415,
        },
        auth=[],
        tags=["auth"],
        summary="Register a citizen account",
    )
    def post(self, request: Request) -> Response:
        services.check_privileged_fields(actor=None, fields=request.data, current=None)
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.create_user(**serializer.validated_data)
        return _user_response(user, status.HTTP_201_CREATED)


class LoginView(PublicView):
    parser_classes = [ORJSONParser, FormParser]

    @extend_schema(
        request={"application/json": LoginSerializer, "application/x-www-form-urlencoded": LoginSerializer},
        responses={200: TokenPairSerializer, **PROBLEM_401, **PROBLEM_415},
        auth=[],
        tags=["auth"],
        summary="Log in with username or email and password",
        description="After 5 failures for one account or from one address within 15 minutes: 429 with Retry-After.",
    )
    def post(self, request: Request) -> Response:
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        by_email = not data.get("username")
        pair = services.login(
            request=request,
            identifier=data.get("username") or data["email"],
            password=data["password"],
            by_email=by_email,
        )
        return Response(pair)


class RefreshView(PublicView):
    @extend_schema(
        request=RefreshTokenSerializer,
        responses={200: TokenPairSerializer, **PROBLEM_401, **PROBLEM_415},
        auth=[],
        tags=["auth"],
        summary="Exchange a refresh token for a new pair (the old one stops working)",
    )
    def post(self, request: Request) -> Response:
        serializer = RefreshTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(tokens.rotate(raw_refresh=serializer.validated_data["refresh_token"]))


class LogoutView(APIView):
    @extend_schema(request=RefreshTokenSerializer, responses={204: None}, tags=["auth"], summary="Log out")
    def post(self, request: Request) -> Response:
        serializer = RefreshTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tokens.blacklist(raw_refresh=serializer.validated_data["refresh_token"], user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- me --------------------------------------------------------------------------------------------
class MeView(APIView):
    @extend_schema(responses=UserSerializer, tags=["me"], summary="The caller's account")
    def get(self, request: Request) -> Response:
        return _user_response(request.user)

    @extend_schema(request=ProfileUpdateSerializer, responses=UserSerializer, tags=["me"], summary="Change own profile")
    def patch(self, request: Request) -> Response:
        services.check_privileged_fields(actor=request.user, fields=request.data, current=request.user)
        serializer = ProfileUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.update_user(
            actor=request.user,
            user_id=request.user.pk,
            fields=serializer.validated_data,
            expected_versions=expected_versions(request),
        )
        return _user_response(user)


class MePasswordView(APIView):
    @extend_schema(
        request=PasswordChangeSerializer,
        responses={204: None, **problems(_429="Too many wrong passwords for the account or from the address")},
        tags=["me"],
        summary="Change password",
        description="Wrong current passwords count against the login throttle: 429 with Retry-After.",
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordChangeSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        services.change_password(request=request, user_id=request.user.pk, **serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- users -----------------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(summary="List users (clerk, admin)"),
    create=extend_schema(request=UserCreateSerializer, responses={201: UserSerializer}, summary="Create a user"),
    retrieve=extend_schema(summary="A user (self, clerk, admin)"),
    update=extend_schema(
        request=AdminUserUpdateSerializer, responses=UserSerializer, summary="Partial update (same as PATCH)"
    ),
    partial_update=extend_schema(request=AdminUserUpdateSerializer, responses=UserSerializer),
    destroy=extend_schema(summary="Soft-delete a user (admin)"),
)
@extend_schema(tags=["users"])
class UserViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = UserSerializer
    queryset = User.objects.none()
    resource_name = "User"
    filter_backends = [QueryFilterBackend, UserOrderingFilter]
    filterset_class = UserFilter
    ordering = ["-date_joined", "-id"]
    ordering_fields = ["created_at", "date_joined", "email", "username", "full_name"]

    def get_permissions(self) -> list[Any]:
        if self.action == "list":
            return [IsStaff()]
        if self.action == "create":
            return [IsAdmin()]
        return [IsAuthenticated()]

    def get_queryset(self) -> QuerySet[User]:
        return selectors.users_visible_to(self.request.user)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return _user_response(self.get_object())

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = UserCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.create_user(actor=request.user, **serializer.validated_data)
        return _user_response(user, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        target = self.get_object()
        actor = request.user
        if actor.is_admin_role:
            serializer_class: type = AdminUserUpdateSerializer
        elif target.pk == actor.pk:
            services.check_privileged_fields(actor=actor, fields=request.data, current=target)
            serializer_class = ProfileUpdateSerializer
        else:
            raise PermissionDeniedError(_("Only an admin may change another user."))
        serializer = serializer_class(target, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.update_user(
            actor=actor,
            user_id=target.pk,
            fields=serializer.validated_data,
            expected_versions=expected_versions(request),
        )
        return _user_response(user)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, **kwargs)

    @extend_schema(responses={204: None, **problems(_412="If-Match does not match the current ETag")})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        target = self.get_object()
        if not request.user.is_admin_role:
            raise PermissionDeniedError(_("Only an admin may delete a user."))
        services.delete_user(actor=request.user, user_id=target.pk, expected_versions=expected_versions(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
