"""OPTIONS /ingest-external/v1/ (Pastell's connection test): vitam-lite answers as Vitam's listResourceEndpoints,
and SAM's door gives the same answer."""

import requests

from sam.connectors.services import connector_create
from tests.connectors.helpers import certificate_header, make_certificate

TIMEOUT = 30


def test_vitamlite_lists_the_ingest_endpoints_as_vitam(vitam_url):
    response = requests.options(f"{vitam_url}/ingest-external/v1/", headers={"X-Tenant-Id": "0"}, timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    endpoints = response.json()
    assert {(e["verb"], e["endpoint"], e["permission"]) for e in endpoints} == {
        ("POST", "/ingest-external/v1/ingests/", "ingests:create"),
        ("GET", "/ingest-external/v1/ingests/{objectId}/archivetransferreply/", "ingests:id:archivetransfertreply:read"),
        ("GET", "/ingest-external/v1/ingests/{objectId}/manifests/", "ingests:id:manifests:read"),
    }
    post = next(e for e in endpoints if e["verb"] == "POST")
    assert post["consumedMediaTypes"] == ["application/octet-stream"] and post["producedMediaTypes"] == []
    assert set(post) == {"permission", "verb", "endpoint", "consumedMediaTypes", "producedMediaTypes", "description"}


def test_vitamlite_keeps_the_tenant_filter_on_options(vitam_url):
    assert requests.options(f"{vitam_url}/ingest-external/v1/", timeout=TIMEOUT).status_code == 412
    unknown = requests.options(f"{vitam_url}/ingest-external/v1/", headers={"X-Tenant-Id": "500"}, timeout=TIMEOUT)
    assert unknown.status_code == 401


def test_the_door_answers_options_exactly_as_vitamlite(transactional_db, world, vitam_url, live_server):
    pem = make_certificate("Pastell")
    connector_create(actor=None, organisation=world.org_a, name="Pastell", tenants=[world.tenant_a],
                     certificate_pem=pem)
    door = requests.options(f"{live_server.url}/vitam/ingest-external/v1/", timeout=TIMEOUT,
                            headers={"X-Tenant-Id": str(world.tenant_a.vitam_id), **certificate_header(pem)})
    vitam = requests.options(f"{vitam_url}/ingest-external/v1/", headers={"X-Tenant-Id": "0"}, timeout=TIMEOUT)
    assert door.status_code == vitam.status_code == 200
    assert door.headers["Content-Type"].startswith("application/json")
    assert door.json() == vitam.json()
