"""HTML screens of Contracts and archival profiles (menu entries: ingest_contract_list, access_contract_list,
profile_list, all with kwargs tenant_pk)."""

from django.urls import path

from referentials.contracts import views

app_name = "contracts"


def _contract_urls(slug: str):
    base = f"t/<int:tenant_pk>/contracts/{slug}/"
    name = f"{slug}_contract"
    kind = {"kind": slug}
    return [
        path(base, views.contract_list, kind, name=f"{name}_list"),
        path(f"{base}new/", views.contract_create, kind, name=f"{name}_create"),
        path(f"{base}<str:identifier>/", views.contract_detail, kind, name=f"{name}_detail"),
        path(f"{base}<str:identifier>/edit/", views.contract_update, kind, name=f"{name}_update"),
        path(f"{base}<str:identifier>/activate/", views.contract_activate, kind, name=f"{name}_activate"),
        path(f"{base}<str:identifier>/deactivate/", views.contract_deactivate, kind, name=f"{name}_deactivate"),
    ]


urlpatterns = _contract_urls("ingest") + _contract_urls("access") + [
    path("t/<int:tenant_pk>/profiles/", views.profile_list, name="profile_list"),
    path("t/<int:tenant_pk>/profiles/new/", views.profile_create, name="profile_create"),
    path("t/<int:tenant_pk>/profiles/<str:identifier>/", views.profile_detail, name="profile_detail"),
    path("t/<int:tenant_pk>/profiles/<str:identifier>/edit/", views.profile_update, name="profile_update"),
    path("t/<int:tenant_pk>/profiles/<str:identifier>/upload/", views.profile_upload, name="profile_upload"),
    path("t/<int:tenant_pk>/profiles/<str:identifier>/file/", views.profile_download, name="profile_download"),
    path("t/<int:tenant_pk>/profiles/<str:identifier>/link/", views.profile_link, name="profile_link"),
]
