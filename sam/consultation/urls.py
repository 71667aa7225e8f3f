"""HTML screens of Search and consultation."""

from django.urls import path, register_converter

from sam.consultation import views


class VitamIdConverter:
    """Vitam identifiers (GUIDs, operation ids, agency codes): letters, digits, - _ . only."""

    regex = r"[A-Za-z0-9_.\-]{1,100}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(VitamIdConverter, "consultation_vitam_id")

app_name = "consultation"
T = "t/<int:tenant_pk>/"
UNIT = T + "units/<consultation_vitam_id:unit_id>/"
OPERATION = T + "journal/<consultation_vitam_id:operation_id>/"
OBJECT = "objects/<consultation_vitam_id:usage>/<int:version>/"

urlpatterns = [
    path(T + "search/", views.search, name="search"),
    path(T + "search/export.csv", views.search_export, name="search_export"),
    path(T + "search/saved/", views.saved_search_manage, name="saved_search_manage"),
    path(UNIT, views.unit_detail, name="unit_detail"),
    path(UNIT + "edit/", views.unit_edit, name="unit_edit"),
    path(UNIT + OBJECT, views.unit_object_download, name="unit_object_download"),
    path(UNIT + OBJECT + "preview/", views.unit_object_preview, name="unit_object_preview"),
    path(T + "journal/", views.operation_list, name="operation_list"),
    path(OPERATION, views.operation_detail, name="operation_detail"),
    path(OPERATION + "atr/", views.operation_atr, name="operation_atr"),
    path(OPERATION + "report/", views.operation_report, name="operation_report"),
    path(OPERATION + "evidence/", views.operation_evidence, name="operation_evidence"),
    path(T + "register/", views.register, name="register"),
    path(T + "pickers/<slug:kind>/", views.picker, name="picker"),
    path(T + "register/<consultation_vitam_id:agency>/", views.register_detail, name="register_detail"),
    path("researcher/", views.researcher_home, name="researcher_home"),
    path("researcher/" + UNIT, views.researcher_unit, name="researcher_unit"),
    path("researcher/" + UNIT + OBJECT, views.researcher_object_download, name="researcher_object_download"),
]
