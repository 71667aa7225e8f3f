"""HTML screens of Contracts and archival profiles."""

app_name = "contracts"
urlpatterns = []
