"""The catalog in the admin: categories and products, written through ``orders.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.adminkit import ServiceErrorsAsMessages, count_of
from core.search import unaccent_search
from orders import services
from orders.models import Category, Product


@admin.register(Category)
class CategoryAdmin(ServiceErrorsAsMessages, admin.ModelAdmin):
    list_display = ["name", "slug", "products_count", "updated_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        return super().get_queryset(request).annotate(products_count=count_of(Product.objects.all(), "category"))

    @admin.display(description=gettext_lazy("products"), ordering="products_count")
    def products_count(self, category: Category) -> int:
        return category.products_count  # type: ignore[attr-defined]

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        fields = {name: form.cleaned_data[name] for name in ("name", "slug")}
        if change:
            services.update_category(actor=request.user, category_id=obj.pk, fields=fields)
        else:
            obj.pk = services.create_category(actor=request.user, fields=fields).pk
            obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Category) -> None:
        services.delete_category(actor=request.user, category_id=obj.pk)


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ["name", "category", "price", "currency", "stock", "active"]

    def clean_stock(self) -> int:
        # The database refuses negative stock (orders_product_stock_non_negative); say so politely.
        stock: int = self.cleaned_data["stock"]
        if stock is not None and stock < 0:
            raise forms.ValidationError(_("Stock cannot be negative."), code="min_value")
        return stock

    def clean_price(self) -> Any:
        price = self.cleaned_data["price"]
        if price is not None and price < 0:
            raise forms.ValidationError(_("Price cannot be negative."), code="min_value")
        return price


@admin.register(Product)
class ProductAdmin(ServiceErrorsAsMessages, admin.ModelAdmin):
    form = ProductForm
    list_display = ["name", "category", "price", "currency", "stock", "active", "updated_at"]
    list_editable = ["stock", "active"]
    list_filter = ["active", "category"]
    list_select_related = ["category"]
    search_fields = ["name"]
    autocomplete_fields = ["category"]
    ordering = ["name", "id"]

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> tuple[Any, bool]:
        # The API's search (trigram index), not Django's UPPER(name) LIKE that no index serves.
        return unaccent_search(queryset, search_term, ["name"]), False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> Any:
        # The list's stock edit gets the same friendly checks as the change form.
        kwargs.setdefault("form", ProductForm)
        return super().get_changelist_form(request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Product, form: Any, change: bool) -> None:
        if change:
            fields = {name: form.cleaned_data[name] for name in form.changed_data if name in ProductForm.Meta.fields}
            services.update_product(actor=request.user, product_id=obj.pk, fields=fields)
        else:
            fields = {name: form.cleaned_data[name] for name in ProductForm.Meta.fields}
            obj.pk = services.create_product(actor=request.user, fields=fields).pk
            obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Product) -> None:
        services.delete_product(actor=request.user, product_id=obj.pk)
