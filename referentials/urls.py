"""HTML screens of the referentials (rules, agencies, common nomenclature)."""

app_name = "referentials"
urlpatterns = []
