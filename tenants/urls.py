"""HTML screens of the tenants app: platform administration, users of an organisation, audit, context."""

from django.urls import path

from tenants import views

app_name = "tenants"

platform = [
    path("platform/organisations/", views.organisation_list, name="organisation_list"),
    path("platform/organisations/new/", views.organisation_create, name="organisation_create"),
    path("platform/organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("platform/organisations/<int:pk>/edit/", views.organisation_update, name="organisation_update"),
    path("platform/organisations/<int:pk>/deactivate/", views.organisation_deactivate, name="organisation_deactivate"),
    path("platform/organisations/<int:pk>/reactivate/", views.organisation_reactivate, name="organisation_reactivate"),
    path("platform/organisations/<int:pk>/tenants/new/", views.tenant_create, name="tenant_create"),
    path("platform/organisations/<int:pk>/referents/appoint/", views.referent_appoint, name="referent_appoint"),
    path("platform/organisations/<int:pk>/referents/<int:user_pk>/revoke/", views.referent_revoke,
         name="referent_revoke"),
    path("platform/organisations/<int:pk>/controlled/", views.controlled_organisations_update,
         name="controlled_organisations_update"),
    path("platform/users/<int:pk>/tokens/", views.service_account_tokens, name="service_account_tokens"),
    path("platform/tenants/<int:pk>/edit/", views.tenant_update, name="tenant_update"),
    path("platform/tenants/<int:pk>/deactivate/", views.tenant_deactivate, name="tenant_deactivate"),
]

referent = [
    path("organisations/<int:org_pk>/users/", views.user_list, name="user_list"),
    path("organisations/<int:org_pk>/users/new/", views.user_create, name="user_create"),
    path("organisations/<int:org_pk>/users/<int:pk>/", views.user_detail, name="user_detail"),
    path("organisations/<int:org_pk>/users/<int:pk>/edit/", views.user_update, name="user_update"),
    path("organisations/<int:org_pk>/users/<int:pk>/roles/grant/", views.role_grant, name="role_grant"),
    path("organisations/<int:org_pk>/users/<int:pk>/roles/revoke/", views.role_revoke, name="role_revoke"),
    path("organisations/<int:org_pk>/users/<int:pk>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("organisations/<int:org_pk>/users/<int:pk>/reactivate/", views.user_reactivate, name="user_reactivate"),
    path("organisations/<int:org_pk>/users/<int:pk>/anonymise/", views.user_anonymise, name="user_anonymise"),
    path("organisations/<int:org_pk>/users/<int:pk>/invitation/", views.user_invitation_resend,
         name="user_invitation_resend"),
]

urlpatterns = platform + referent + [
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/export.csv", views.audit_export, name="audit_export"),
    path("switch/", views.switch, name="switch"),
]
