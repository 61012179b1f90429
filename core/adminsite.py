"""The project's admin site.

- Every registered ``ModelAdmin`` (ours and third-party ones alike) accepts in a changelist's query
  string only the lookups its declared filters, date hierarchy and search fields use, so the admin
  never becomes an oracle for a field the API hides (a password hash, a webhook secret) through
  ``?field__startswith=...``.
- The password change form confirms the old password through ``authenticate()``, like the login,
  so the project's authentication backend throttles it with every other password check.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin import widgets
from django.contrib.admin.filters import SimpleListFilter
from django.contrib.admin.forms import AdminPasswordChangeForm
from django.contrib.auth import authenticate
from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest
from django.urls import reverse

# What a declared relation filter (``list_filter = ["category"]``) sends: the related row's key, or
# "none". Anything deeper (``category__owner__password__...``) would reach fields nobody declared.
RELATION_SUFFIXES = frozenset({"", "exact", "in", "isnull", "id", "id__exact", "id__in", "pk", "pk__exact", "pk__in"})


def _resolve(model: type[Model], path: str) -> Any:
    """The field a ``__``-separated path ends on, or ``None`` when it names no field."""
    field = None
    for part in path.split(LOOKUP_SEP):
        if field is not None:
            if not field.is_relation or field.related_model is None:
                return None
            model = field.related_model
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
    return field


class DeclaredLookupsOnly:
    """``lookup_allowed`` that accepts only what the changelist itself offers."""

    model: type[Model]
    list_filter: Any
    date_hierarchy: Any

    def declared_lookups(self, request: HttpRequest | None) -> tuple[set[str], set[str]]:
        """(parameter names of custom filters, field paths of field filters / hierarchy / search)."""
        model_admin: Any = self
        parameters: set[str] = set()
        paths: set[str] = set()
        list_filter = model_admin.get_list_filter(request) if request is not None else self.list_filter
        for item in list_filter:
            if isinstance(item, type) and issubclass(item, SimpleListFilter):
                parameters.add(str(item.parameter_name))
            elif isinstance(item, (list, tuple)):
                paths.add(item[0])
            elif isinstance(item, str):
                paths.add(item)
        if self.date_hierarchy:
            paths.add(self.date_hierarchy)
        search_fields = model_admin.get_search_fields(request) if request is not None else model_admin.search_fields
        paths.update(field.lstrip("^=@") for field in search_fields)
        return parameters, paths

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        # Raw-id popups filter by the ForeignKey's limit_choices_to (Django's own exception).
        for fk_lookup in self.model._meta.related_fkey_lookups:
            if callable(fk_lookup):
                fk_lookup = fk_lookup()
            if (lookup, value) in widgets.url_params_from_lookup_dict(fk_lookup).items():
                return True
        parameters, paths = self.declared_lookups(request)
        if lookup in parameters:
            return True
        for path in paths:
            if lookup != path and not lookup.startswith(path + LOOKUP_SEP):
                continue
            rest = lookup[len(path) + len(LOOKUP_SEP) :] if lookup != path else ""
            field = _resolve(self.model, path)
            if field is None:
                continue
            if not field.is_relation or rest in RELATION_SUFFIXES:
                return True
            target_pk = field.target_field.name if hasattr(field, "target_field") else "pk"
            if rest in {target_pk, f"{target_pk}{LOOKUP_SEP}exact", f"{target_pk}{LOOKUP_SEP}in"}:
                return True
        return False


class PasswordChangeForm(AdminPasswordChangeForm):
    """The old password is checked by ``authenticate(request, account=user, password=...)``."""

    request: HttpRequest | None = None

    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        if authenticate(self.request, account=self.user, password=old_password) is None:
            raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password


class _PasswordChangeView(PasswordChangeView):
    def get_form(self, form_class: Any = None) -> Any:
        form: Any = super().get_form(form_class)
        form.request = self.request
        return form


class AdminSite(admin.AdminSite):
    """Django's site, except that every ``ModelAdmin`` registered on it gets :class:`DeclaredLookupsOnly`."""

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, DeclaredLookupsOnly):
            admin_class = type(
                admin_class.__name__,
                (DeclaredLookupsOnly, admin_class),
                {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__},
            )
        super().register(model_or_iterable, admin_class, **options)

    def password_change(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        # Django's own view, with the form that checks the old password through authenticate().
        defaults: dict[str, Any] = {
            "form_class": PasswordChangeForm,
            "success_url": reverse("admin:password_change_done", current_app=self.name),
            "extra_context": {**self.each_context(request), **(extra_context or {})},
        }
        if self.password_change_template is not None:
            defaults["template_name"] = self.password_change_template
        request.current_app = self.name
        return _PasswordChangeView.as_view(**defaults)(request)
