from django.urls import re_path

from reports import views

urlpatterns = [
    re_path(r"^dashboard/?$", views.DashboardView.as_view(), name="dashboard"),
]
