"""Single sign-on (tenants/sso.py): the names mozilla-django-oidc reverses, without a namespace."""

from django.urls import path

from tenants import sso

urlpatterns = [
    path("accounts/sso/login/", sso.SsoLoginView.as_view(), name="oidc_authentication_init"),
    path("accounts/sso/callback/", sso.SsoCallbackView.as_view(), name="oidc_authentication_callback"),
    path("accounts/sso/refused/", sso.sso_refused, name="sso_refused"),
]
