"""REST endpoints of Elimination and mass updates (under /api/v1/)."""

urlpatterns = []
