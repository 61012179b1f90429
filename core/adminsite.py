"""The project's admin site: every registered ``ModelAdmin`` (ours and third-party ones alike)
accepts in a changelist's query string only the lookups its declared filters, date hierarchy and
search fields use, so the admin never becomes an oracle for a field the API hides (a password
hash, a webhook secret) through ``?field__startswith=...``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin import widgets
from django.contrib.admin.filters import SimpleListFilter
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest

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
