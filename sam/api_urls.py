"""/api/v1/: one router per app, plus the OpenAPI schema."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("", include("tenants.api_urls")),
    path("", include("referentials.api_urls")),
    path("", include("referentials.contracts.api_urls")),
    path("", include("referentials.trees.api_urls")),
    path("", include("sam.deposits.api_urls")),
    path("", include("sam.consultation.api_urls")),
    path("", include("sam.elimination.api_urls")),
]
