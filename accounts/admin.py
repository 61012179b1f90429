"""Users in the admin: admins manage roles and activation (through the accounts services, so the
role sync, token revocation and audit happen), clerks only look. Citizens never get in: they are
not ``is_staff``, which the admin login requires."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.password_validation import validate_password
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.token_blacklist.admin import OutstandingTokenAdmin as LibraryOutstandingTokenAdmin
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts import selectors, services
from accounts.models import User
from accounts.permissions import is_admin_user
from core.adminkit import ServiceErrorsAsMessages

EDITABLE = ("username", "email", "full_name", "role", "is_active", "language")
DERIVED = ("is_staff", "is_superuser", "date_joined", "last_login", "deleted_at", "version")


class UserAddForm(forms.ModelForm):
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput, strip=False, help_text=_("Checked by the password rules.")
    )

    class Meta:
        model = User
        fields = EDITABLE

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("password")
        if password:
            candidate = User(
                username=cleaned.get("username", ""),
                email=cleaned.get("email", ""),
                full_name=cleaned.get("full_name", ""),
            )
            try:
                validate_password(password, candidate)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return cleaned


@admin.register(User)
class UserAdmin(ServiceErrorsAsMessages, admin.ModelAdmin):
    list_display = ["username", "email", "full_name", "role", "is_active", "date_joined", "last_login"]
    list_filter = ["role", "is_active", "date_joined"]
    search_fields = ["username", "email", "full_name"]
    ordering = ["-date_joined", "-id"]
    add_form = UserAddForm

    def get_queryset(self, request: HttpRequest) -> Any:
        # Soft-deleted accounts are gone for every interface.
        return super().get_queryset(request).filter(deleted_at__isnull=True)

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> tuple[Any, bool]:
        # The API's search (trigram indexes), not Django's UPPER(column) LIKE that no index serves.
        return selectors.search_users(queryset, search_term), False

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return [*EDITABLE, "password"]
        return [*EDITABLE, *DERIVED]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        if not is_admin_user(request.user):
            return [*EDITABLE, *DERIVED]
        return list(DERIVED)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change=change, **kwargs)

    # Roles and activation are the admin's alone, whatever permissions a group might carry.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_admin_user(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin_user(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Accounts are deactivated (is_active) or soft-deleted through the API, never removed.
        return False

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if not change:
            created = services.create_user(
                actor=request.user,  # type: ignore[arg-type]
                email=form.cleaned_data["email"],
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                full_name=form.cleaned_data.get("full_name") or "",
                role=form.cleaned_data["role"],
                is_active=form.cleaned_data["is_active"],
                language=form.cleaned_data.get("language"),
            )
            obj.pk = created.pk
            obj._state.adding = False
            return
        data = {name: form.cleaned_data[name] for name in EDITABLE if name in form.changed_data}
        services.update_user(actor=request.user, user_id=obj.pk, fields=data)  # type: ignore[arg-type]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Group membership follows the role (accounts.roles.sync_role), never a form.
        return None


# simplejwt's own admin shows each refresh token whole: a credential. Ours shows everything else.
admin.site.unregister(OutstandingToken)


@admin.register(OutstandingToken)
class OutstandingTokenAdmin(LibraryOutstandingTokenAdmin):
    exclude = ["token"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        return [field.name for field in OutstandingToken._meta.fields if field.name != "token"]
