"""HTML screens of Elimination and mass updates."""

app_name = "elimination"
urlpatterns = []
