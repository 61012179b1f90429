from django.contrib import admin

from orders.models import Cart, CartItem, Category, Order, OrderItem, Payment, Product


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "category", "price", "currency", "stock", "active"]
    list_filter = ["active", "category"]
    search_fields = ["name"]


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0
    readonly_fields = ["product", "name", "quantity", "unit_price", "line_total"]
    can_delete = False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    # Status changes go through the API's workflow service, which audits and releases stock.
    list_display = ["id", "user", "status", "total", "currency", "created_at"]
    list_filter = ["status"]
    readonly_fields = ["user", "status", "total", "currency", "version", "created_at", "updated_at"]
    inlines = [OrderItemInline]


class CartItemInline(admin.TabularInline):
    model = CartItem
    extra = 0


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "updated_at"]
    inlines = [CartItemInline]


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    # Read-only: charges and refunds happen at the provider, through the payment services.
    list_display = ["id", "order", "amount", "currency", "status", "provider", "transaction_id", "created_at"]
    list_filter = ["status", "provider"]
    search_fields = ["transaction_id", "idempotency_key"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
