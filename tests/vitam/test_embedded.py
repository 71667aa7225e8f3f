"""Without SAM_VITAM_URL the client talks to the embedded vitam-lite started in-process."""

from sam.vitam import SelectSingle, VitamClient, VitamContext
from sam.vitam.client import access_base_url, ingest_base_url


def test_unset_url_uses_the_embedded_vitamlite(settings, tmp_path):
    settings.VITAM = {**settings.VITAM, "URL": None, "INGEST_URL": None}
    settings.VITAMLITE = {**settings.VITAMLITE, "DATA_DIR": str(tmp_path / "embedded"), "TENANTS": "0-9"}
    url = access_base_url()
    assert url.startswith("http://127.0.0.1:") and ingest_base_url() == url
    client = VitamClient(VitamContext(tenant=4))
    assert client.status() is True
    assert client.search_rules(SelectSingle()).total == 0
