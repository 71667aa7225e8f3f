"""Second factor (TOTP and recovery codes): a person's own pages, and the reset by a referent or admin."""

from django.urls import path

from tenants.second_factor import views

app_name = "second_factor"

urlpatterns = [
    path("accounts/second-factor/", views.status, name="status"),
    path("accounts/second-factor/enrol/", views.enrol, name="enrol"),
    path("accounts/second-factor/verify/", views.verify, name="verify"),
    path("accounts/second-factor/recovery-codes/", views.recovery_codes_regenerate, name="recovery_codes"),
    path("organisations/<int:org_pk>/users/<int:pk>/second-factor/reset/", views.reset, name="reset"),
]
