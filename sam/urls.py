"""Root URLconf. Each app owns its urls module; the REST API lives under /api/v1/ (sam/api_urls.py)."""

from django.urls import include, path

urlpatterns = [
    path("", include("sam.site_urls")),
    path("", include("tenants.urls")),
    path("", include("sam.jobs.urls")),
    path("api/v1/", include("sam.api_urls")),
]

handler404 = "sam.views.page_not_found"
handler500 = "sam.views.server_error"
