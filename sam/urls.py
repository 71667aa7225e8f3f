"""Root URLconf. Each app owns its urls module; the REST API lives under /api/v1/ (sam/api_urls.py)."""

from django.urls import include, path

urlpatterns = [
    path("", include("sam.site.urls")),
    path("", include("tenants.urls")),
    path("", include("tenants.sso_urls")),
    path("", include("tenants.second_factor.urls")),
    path("", include("sam.site.jobs_urls")),
    path("", include("referentials.urls")),
    path("", include("referentials.contracts.urls")),
    path("", include("referentials.trees.urls")),
    path("", include("sam.deposits.urls")),
    path("", include("sam.consultation.urls")),
    path("", include("sam.elimination.urls")),
    path("", include("sam.connectors.urls")),
    path("", include("sam.selection.urls")),
    path("", include("sam.proof.urls")),
    path("", include("sam.reclassification.urls")),
    path("", include("sam.communication.urls")),
    path("", include("sam.transfers.urls")),
    path("", include("sam.connectors.door_urls")),
    path("api/v1/", include("sam.api_urls")),
]

handler404 = "sam.site.views.page_not_found"
handler500 = "sam.site.views.server_error"
