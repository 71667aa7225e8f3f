"""REST endpoints of Filing trees (under /api/v1/)."""

urlpatterns = []
