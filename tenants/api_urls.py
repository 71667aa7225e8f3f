"""REST endpoints of the tenants app (under /api/v1/)."""

urlpatterns = []
