from django.urls import re_path

from expedientes import views

urlpatterns = [
    re_path(r"^expedientes/?$", views.ExpedienteListCreateView.as_view(), name="expediente-list"),
    re_path(r"^expedientes/(?P<pk>[0-9]+)/?$", views.ExpedienteDetailView.as_view(), name="expediente-detail"),
    re_path(
        r"^expedientes/(?P<pk>[0-9]+)/transitions/?$",
        views.ExpedienteTransitionView.as_view(),
        name="expediente-transitions",
    ),
    re_path(
        r"^expedientes/(?P<pk>[0-9]+)/history/?$", views.ExpedienteHistoryView.as_view(), name="expediente-history"
    ),
    re_path(
        r"^expedientes/(?P<expediente_pk>[0-9]+)/documentos/?$",
        views.DocumentoListCreateView.as_view(),
        name="documento-list",
    ),
    re_path(
        r"^expedientes/(?P<expediente_pk>[0-9]+)/documentos/(?P<pk>[0-9]+)/?$",
        views.DocumentoDetailView.as_view(),
        name="documento-detail",
    ),
    re_path(
        r"^expedientes/(?P<expediente_pk>[0-9]+)/documentos/(?P<pk>[0-9]+)/download/?$",
        views.DocumentoDownloadView.as_view(),
        name="documento-download",
    ),
]
