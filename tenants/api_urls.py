"""REST endpoints of the tenants app (under /api/v1/). Route names are prefixed "api-"."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from tenants import api

router = SimpleRouter()
router.register("organisations", api.OrganisationViewSet, basename="api-organisation")
router.register("tenants", api.TenantViewSet, basename="api-tenant")
router.register("users", api.UserViewSet, basename="api-user")
router.register("memberships", api.MembershipViewSet, basename="api-membership")
router.register("audit-entries", api.AuditEntryViewSet, basename="api-audit-entry")

urlpatterns = [
    path("auth/token/", api.TokenView.as_view(), name="api-token"),
    *router.urls,
]
