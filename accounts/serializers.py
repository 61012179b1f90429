"""Shapes of the accounts API: the user representation and the request bodies."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers

from accounts.models import Language, Role, User, UsernameValidator
from core.fields import StrictBooleanField, StrictCharField
from core.representation import FastRepresentation, api_data

PASSWORD_MAX_LENGTH = 4096


def _password_field(**kwargs: Any) -> serializers.CharField:
    return StrictCharField(
        write_only=True,
        trim_whitespace=False,
        format_characters=True,
        max_length=PASSWORD_MAX_LENGTH,
        style={"input_type": "password"},
        **kwargs,
    )


def _check_password_strength(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise serializers.ValidationError({"password": list(exc.messages)}, code="password_too_weak") from None


class UserSerializer(FastRepresentation, serializers.ModelSerializer):
    """The user representation of docs/api-guide.md#accounts (never the password hash)."""

    class Meta:
        model = User
        fields = ["id", "email", "username", "full_name", "role", "is_active", "date_joined", "language"]
        read_only_fields = fields


def user_representation(user: User) -> dict[str, Any]:
    return api_data(UserSerializer(user))


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    username = StrictCharField(max_length=150, validators=[UsernameValidator()])
    password = _password_field()
    full_name = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(
        choices=Language.choices, required=False, help_text="The language of the user's emails (default: the office's)."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        candidate = User(email=attrs["email"], username=attrs["username"], full_name=attrs.get("full_name", ""))
        _check_password_strength(attrs["password"], candidate)
        return attrs


class UserCreateSerializer(RegisterSerializer):
    """``POST /users`` (admin): registration plus the role and active flag."""

    role = serializers.ChoiceField(choices=Role.choices, required=False, default=Role.CITIZEN)
    is_active = StrictBooleanField(required=False, default=True)


class ProfileUpdateSerializer(serializers.Serializer):
    """What a user may change on their own account (``PATCH /me``, own ``/users/{id}``)."""

    username = StrictCharField(max_length=150, validators=[UsernameValidator()], required=False)
    full_name = StrictCharField(max_length=200, required=False, allow_blank=True)
    language = serializers.ChoiceField(
        choices=Language.choices, required=False, help_text="The language of the user's emails."
    )


class AdminUserUpdateSerializer(ProfileUpdateSerializer):
    """What an admin may change on any account."""

    email = serializers.EmailField(max_length=254, required=False)
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    is_active = StrictBooleanField(required=False)
    password = _password_field(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "password" in attrs:
            user: User = self.instance
            candidate = User(
                email=attrs.get("email", user.email),
                username=attrs.get("username", user.username),
                full_name=attrs.get("full_name", user.full_name),
            )
            _check_password_strength(attrs["password"], candidate)
        return attrs


class PasswordChangeSerializer(serializers.Serializer):
    current_password = _password_field()
    new_password = _password_field()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user: User = self.context["request"].user
        try:
            password_validation.validate_password(attrs["new_password"], user=user)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"new_password": list(exc.messages)}) from None
        return attrs


class LoginSerializer(serializers.Serializer):
    """JSON ``{username|email, password}`` or the OAuth2 password form (``username`` may be an email)."""

    # Credentials, looked up and never shown: no text rule may turn a login into a 422.
    username = StrictCharField(max_length=254, required=False, allow_blank=True, format_characters=True)
    email = StrictCharField(max_length=254, required=False, allow_blank=True, format_characters=True)
    password = StrictCharField(max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False, format_characters=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not (attrs.get("username") or attrs.get("email")):
            raise serializers.ValidationError({"username": [_("Send username or email.")]}, code="required")
        return attrs


class TokenPairSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    token_type = serializers.ChoiceField(choices=["bearer"])
    expires_in = serializers.IntegerField(help_text="Seconds until the access token expires.")


class RefreshTokenSerializer(serializers.Serializer):
    refresh_token = StrictCharField(max_length=4096, format_characters=True)
