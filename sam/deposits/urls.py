"""HTML screens of Deposits."""

app_name = "deposits"
urlpatterns = []
