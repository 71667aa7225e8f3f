"""REST endpoints of Contracts and archival profiles (under /api/v1/).

Names: api-ingest-contract-list/-detail/-activate/-deactivate, api-access-contract-..., api-profile-list/
-detail/-file (kwargs tenant_pk, identifier)."""

from rest_framework.routers import SimpleRouter

from referentials.contracts import api

router = SimpleRouter()
router.register(r"tenants/(?P<tenant_pk>[0-9]+)/ingest-contracts", api.IngestContractViewSet,
                basename="api-ingest-contract")
router.register(r"tenants/(?P<tenant_pk>[0-9]+)/access-contracts", api.AccessContractViewSet,
                basename="api-access-contract")
router.register(r"tenants/(?P<tenant_pk>[0-9]+)/profiles", api.ProfileViewSet, basename="api-profile")

urlpatterns = router.urls
