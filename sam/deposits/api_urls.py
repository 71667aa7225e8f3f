"""REST endpoints of Deposits (under /api/v1/)."""

urlpatterns = []
