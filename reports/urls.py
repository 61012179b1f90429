from django.urls import re_path

from reports import views

urlpatterns = [
    re_path(r"^dashboard/?$", views.DashboardView.as_view(), name="dashboard"),
    re_path(r"^reports/?$", views.ReportsIndexView.as_view(), name="reports-index"),
    re_path(r"^reports/processing-times/?$", views.ProcessingTimesView.as_view(), name="reports-processing-times"),
    re_path(r"^reports/throughput/?$", views.ThroughputView.as_view(), name="reports-throughput"),
    re_path(r"^reports/service-level/?$", views.ServiceLevelView.as_view(), name="reports-service-level"),
    re_path(r"^reports/backlog/?$", views.BacklogView.as_view(), name="reports-backlog"),
    re_path(r"^reports/orders/?$", views.OrdersReportView.as_view(), name="reports-orders"),
    re_path(r"^reports/webhooks/?$", views.WebhooksReportView.as_view(), name="reports-webhooks"),
]
