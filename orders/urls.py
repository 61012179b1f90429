from django.urls import re_path

from core.routers import OptionalSlashRouter
from orders import views
from orders.payments import views as payment_views

router = OptionalSlashRouter()
router.register("categories", views.CategoryViewSet, basename="category")
router.register("products", views.ProductViewSet, basename="product")
router.register("orders", views.OrderViewSet, basename="order")
router.register("payments", payment_views.PaymentViewSet, basename="payment")

urlpatterns = [
    re_path(r"^cart/?$", views.CartView.as_view(), name="cart"),
    re_path(r"^cart/items/?$", views.CartItemsView.as_view(), name="cart-items"),
    re_path(r"^cart/items/(?P<product_id>[0-9]+)/?$", views.CartItemView.as_view(), name="cart-item"),
    re_path(
        # Any action word reaches the view: one outside the workflow table is a 409, like any
        # other step the order cannot take (docs/api-guide.md#order-workflow).
        r"^orders/(?P<pk>[0-9]+)/(?P<action>[A-Za-z0-9_-]{1,50})/?$",
        views.OrderTransitionView.as_view(),
        name="order-transition",
    ),
    re_path(r"^checkout/?$", payment_views.CheckoutView.as_view(), name="checkout"),
    *router.urls,
]
