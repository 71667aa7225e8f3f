"""REST endpoints of the referentials (under /api/v1/). Route names are prefixed "api-"."""

from django.urls import path

from referentials import api


def _entry_routes(segment: str, singular: str, kind: str) -> list:
    base = f"tenants/<int:tenant_pk>/{segment}/"
    extra = {"kind_name": kind}
    return [
        path(base, api.EntryListApi.as_view(**extra), name=f"api-{singular}-list"),
        path(f"{base}export/", api.EntryExportApi.as_view(**extra), name=f"api-{singular}-export"),
        path(f"{base}import/", api.EntryImportApi.as_view(**extra), name=f"api-{singular}-import"),
        path(f"{base}id/<str:key>/", api.EntryDetailApi.as_view(**extra), name=f"api-{singular}-detail"),
    ]


urlpatterns = [
    *_entry_routes("rules", "rule", "rules"),
    *_entry_routes("agencies", "agency", "agencies"),
    path("nomenclature/templates/", api.TemplateListApi.as_view(), name="api-template-list"),
    path("nomenclature/templates/<int:pk>/", api.TemplateDetailApi.as_view(), name="api-template-detail"),
    path("nomenclature/templates/<int:pk>/versions/", api.TemplateVersionApi.as_view(), name="api-template-versions"),
    path("nomenclature/templates/<int:pk>/preview/", api.TemplatePreviewApi.as_view(), name="api-template-preview"),
    path("nomenclature/templates/<int:pk>/apply/", api.TemplateApplyApi.as_view(), name="api-template-apply"),
    path("nomenclature/applications/<int:pk>/", api.ApplicationDetailApi.as_view(), name="api-application-detail"),
]
