"""HTML screens of Search and consultation."""

app_name = "consultation"
urlpatterns = []
