from core.routers import OptionalSlashRouter
from events import views

router = OptionalSlashRouter()
router.register("webhooks/endpoints", views.WebhookEndpointViewSet, basename="webhook-endpoint")
router.register("webhooks/deliveries", views.WebhookDeliveryViewSet, basename="webhook-delivery")
router.register("events", views.EventViewSet, basename="event")
router.register("audit-events", views.AuditEventViewSet, basename="audit-event")

urlpatterns = router.urls
