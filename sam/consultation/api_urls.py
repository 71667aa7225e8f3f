"""REST endpoints of Search and consultation (under /api/v1/)."""

urlpatterns = []
