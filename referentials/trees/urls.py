"""HTML screens of the filing trees. Tenant-scoped: /t/<tenant_pk>/trees/..."""

from django.urls import path, register_converter

from referentials.trees import views


class UnitIdConverter:
    """A Vitam identifier (GUID: 36 base-32 characters); anything else is a 404, never a DSL error."""

    regex = r"[A-Za-z2-7]{36}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(UnitIdConverter, "unit")

app_name = "trees"
T = "t/<int:tenant_pk>/trees/"
D = T + "drafts/<int:pk>/"
N = D + "nodes/<int:node_pk>/"

urlpatterns = [
    path(T, views.tree_browser, name="tree_browser"),
    path(T + "units/<unit:unit_id>/", views.tree_node, name="tree_node"),
    path(T + "units/<unit:unit_id>/children/", views.tree_children, name="tree_children"),
    path(T + "units/<unit:unit_id>/export.csv", views.tree_export_csv, name="tree_export_csv"),
    path(T + "units/<unit:unit_id>/new-draft/", views.draft_from_published, name="draft_from_published"),
    path(T + "drafts/", views.draft_list, name="draft_list"),
    path(T + "drafts/new/", views.draft_create, name="draft_create"),
    path(D, views.draft_detail, name="draft_detail"),
    path(D + "preview/", views.draft_preview, name="draft_preview"),
    path(D + "edit/", views.draft_update, name="draft_update"),
    path(D + "delete/", views.draft_delete, name="draft_delete"),
    path(D + "export.csv", views.draft_export_csv, name="draft_export_csv"),
    path(D + "manifest.xml", views.draft_export_seda, name="draft_export_seda"),
    path(D + "publish/", views.draft_publish, name="draft_publish"),
    path(D + "nodes/add/", views.node_add, name="node_add"),
    path(N + "edit/", views.node_update, name="node_update"),
    path(N + "move/", views.node_move, name="node_move"),
    path(N + "delete/", views.node_delete, name="node_delete"),
    path(N + "reorder/", views.node_reorder, name="node_reorder"),
    path(T + "publications/<int:pk>/", views.publication_detail, name="publication_detail"),
    path(T + "publications/<int:pk>/atr/", views.publication_atr, name="publication_atr"),
    path(T + "publications/<int:pk>/refresh/", views.publication_refresh, name="publication_refresh"),
]
