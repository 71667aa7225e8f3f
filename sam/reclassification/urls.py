"""Screens that change what is published: moves, renames, deletions of empty nodes, and their results."""

from django.urls import path, register_converter

from sam.reclassification import views


class UnitIdConverter:
    """A Vitam unit identifier: letters, digits, - _ . only (anything else is a 404, never a DSL error)."""

    regex = r"[A-Za-z0-9_.\-]{1,100}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(UnitIdConverter, "reclassification_unit_id")

app_name = "reclassification"
T = "t/<int:tenant_pk>/"
UNIT = T + "published/<reclassification_unit_id:unit_id>/"

urlpatterns = [
    path(UNIT + "move/", views.unit_move, name="unit_move"),
    path(UNIT + "rename/", views.unit_rename, name="unit_rename"),
    path(UNIT + "delete/", views.unit_delete, name="unit_delete"),
    path(T + "selections/<int:pk>/move/", views.selection_move, name="selection_move"),
    path(T + "published/changes/<int:pk>/", views.change_detail, name="change_detail"),
]
