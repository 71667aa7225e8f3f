"""REST endpoints of Search and consultation (under /api/v1/)."""

from django.urls import path

from sam.consultation import api
from sam.consultation.urls import VitamIdConverter  # noqa: F401  (registers the path converter)

urlpatterns = [
    path("tenants/<int:tenant_pk>/units/", api.UnitListView.as_view(), name="api-unit-list"),
    path("tenants/<int:tenant_pk>/units/<consultation_vitam_id:unit_id>/", api.UnitDetailView.as_view(),
         name="api-unit-detail"),
]
