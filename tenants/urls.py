"""HTML screens of the tenants app."""

app_name = "tenants"
urlpatterns = []
