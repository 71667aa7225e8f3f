"""HTML screens of Filing trees."""

app_name = "trees"
urlpatterns = []
