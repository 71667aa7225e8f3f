"""REST endpoints of Contracts and archival profiles (under /api/v1/)."""

urlpatterns = []
