"""REST endpoints of the filing trees (under /api/v1/). Route names are prefixed "api-tree"."""

from django.urls import path

from referentials.trees import api
from referentials.trees import urls as _screens  # noqa: F401  (registers the "unit" path converter)

T = "tenants/<int:tenant_pk>/trees/"
D = T + "drafts/<int:pk>/"

urlpatterns = [
    path(T + "published/", api.PublishedRootsView.as_view(), name="api-tree-published"),
    path(T + "published/<unit:unit_id>/children/", api.PublishedChildrenView.as_view(), name="api-tree-children"),
    path(T + "drafts/", api.DraftListView.as_view(), name="api-tree-draft-list"),
    path(D, api.DraftDetailView.as_view(), name="api-tree-draft-detail"),
    path(D + "nodes/", api.NodeListView.as_view(), name="api-tree-node-list"),
    path(D + "nodes/<int:node_pk>/", api.NodeDetailView.as_view(), name="api-tree-node-detail"),
    path(D + "publish/", api.PublishView.as_view(), name="api-tree-publish"),
]
