"""REST endpoints of the referentials (under /api/v1/)."""

urlpatterns = []
