"""HTML screens of the referentials (rules, agencies, common nomenclature)."""

from django.urls import path

from referentials import views

app_name = "referentials"


def _entry_patterns(segment: str, singular: str, kind: str) -> list:
    base = f"t/<int:tenant_pk>/{segment}/"
    extra = {"kind": kind}
    return [
        path(base, views.entry_list, extra, name=f"{singular}_list"),
        path(f"{base}new/", views.entry_create, extra, name=f"{singular}_create"),
        path(f"{base}export.csv", views.entry_export, extra, name=f"{singular}_export"),
        path(f"{base}import/", views.import_upload, extra, name=f"{singular}_import"),
        path(f"{base}import/<int:pk>/", views.import_detail, extra, name=f"{singular}_import_detail"),
        path(f"{base}import/<int:pk>/confirm/", views.import_confirm, extra, name=f"{singular}_import_confirm"),
        path(f"{base}id/<str:key>/", views.entry_detail, extra, name=f"{singular}_detail"),
        path(f"{base}id/<str:key>/edit/", views.entry_update, extra, name=f"{singular}_update"),
        path(f"{base}id/<str:key>/delete/", views.entry_delete, extra, name=f"{singular}_delete"),
        path(f"{base}id/<str:key>/units/", views.entry_units, extra, name=f"{singular}_units"),
    ]


urlpatterns = [
    *_entry_patterns("rules", "rule", "rules"),
    *_entry_patterns("agencies", "agency", "agencies"),
    path("platform/nomenclature/", views.nomenclature_list, name="nomenclature_list"),
    path("platform/nomenclature/new/", views.template_create, name="template_create"),
    path("platform/nomenclature/<int:pk>/", views.template_detail, name="template_detail"),
    path("platform/nomenclature/<int:pk>/edit/", views.template_update, name="template_update"),
    path("platform/nomenclature/<int:pk>/versions/new/", views.template_version_add, name="template_version_add"),
    path("platform/nomenclature/<int:pk>/export.csv", views.template_export, name="template_export"),
    path("platform/nomenclature/<int:pk>/apply/", views.template_apply, name="template_apply"),
    path("platform/nomenclature/<int:pk>/applications/<int:application_pk>/", views.application_detail,
         name="application_detail"),
]
