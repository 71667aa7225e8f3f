"""The connectors' door: Vitam's ingest-external API under /vitam/ (see door.py)."""

from django.urls import path, re_path

from sam.connectors import door

app_name = "door"
urlpatterns = [
    re_path(r"^vitam/ingest-external/v1/?$", door.door_endpoints, name="endpoints"),
    path("vitam/ingest-external/v1/ingests", door.door_ingest, name="ingest"),
    path("vitam/ingest-external/v1/ingests/<str:operation_id>/archivetransferreply", door.door_atr, name="atr"),
    path("vitam/ingest-external/v1/ingests/<str:operation_id>/manifests", door.door_manifest, name="manifest"),
]
