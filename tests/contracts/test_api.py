"""The REST API of contracts and profiles, against vitam-lite, with the screens' permissions."""

import pytest
from django.urls import reverse

from tenants.vitam_clients import ADMIN, vitam_client
from tenants.models import AuditEntry
from tests.contracts.test_profiles import BOMB, RNG


def api(name, tenant, identifier=None):
    kwargs = {"tenant_pk": tenant.pk}
    if identifier:
        kwargs["identifier"] = identifier
    return reverse(name, kwargs=kwargs)


@pytest.fixture
def referent(client, vitam_world):
    client.force_login(vitam_world.referent_a)
    return client


def test_ingest_contract_lifecycle(referent, vitam_world):
    tenant = vitam_world.tenant_a
    response = referent.post(api("api-ingest-contract-list", tenant), {
        "Name": "Versements API", "EveryFormatType": False, "FormatType": ["fmt/18"],
        "CheckParentLink": "REQUIRED"}, content_type="application/json")
    assert response.status_code == 201, response.content
    identifier = response.json()["Identifier"]
    assert response.json()["FormatType"] == ["fmt/18"] and response.json()["Status"] == "ACTIVE"
    listing = referent.get(api("api-ingest-contract-list", tenant), {"q": "versements api"}).json()
    assert [doc["Identifier"] for doc in listing] == [identifier]

    version = referent.get(api("api-ingest-contract-detail", tenant, identifier)).json()["#version"]
    response = referent.patch(api("api-ingest-contract-detail", tenant, identifier),
                              {"Description": "Voirie", "#version": version}, content_type="application/json")
    assert response.status_code == 200 and response.json()["Description"] == "Voirie"
    assert response.json()["FormatType"] == ["fmt/18"]  # untouched fields stay
    stale = referent.patch(api("api-ingest-contract-detail", tenant, identifier),
                           {"Name": "Trop tard", "#version": version}, content_type="application/json")
    assert stale.status_code == 409 and stale.json()["current"]["Description"] == "Voirie"

    response = referent.post(api("api-ingest-contract-deactivate", tenant, identifier))
    assert response.status_code == 200 and response.json()["Status"] == "INACTIVE"
    response = referent.post(api("api-ingest-contract-activate", tenant, identifier))
    assert response.json()["Status"] == "ACTIVE"
    actions = set(AuditEntry.objects.filter(target_id=identifier).values_list("action", flat=True))
    assert actions == {"contracts.ingest_contract_create", "contracts.ingest_contract_update",
                       "contracts.ingest_contract_deactivate", "contracts.ingest_contract_activate"}


def test_validation_errors_name_the_field(referent, vitam_world):
    tenant = vitam_world.tenant_a
    response = referent.post(api("api-access-contract-list", tenant), {
        "Name": "X", "WritingRestrictedDesc": True, "DataObjectVersion": ["Original"]},
        content_type="application/json")
    assert response.status_code == 400 and "DataObjectVersion" in response.json()
    response = referent.post(api("api-access-contract-list", tenant), {
        "Name": "X", "WritingRestrictedDesc": True}, content_type="application/json")
    assert response.status_code == 400 and list(response.json()) == ["WritingRestrictedDesc"]
    response = referent.post(api("api-access-contract-list", tenant), {
        "Identifier": tenant.access_contract, "Name": "X"}, content_type="application/json")
    assert response.status_code == 400 and list(response.json()) == ["identifier"]


def test_deactivating_a_default_contract_needs_confirmation(referent, vitam_world):
    tenant = vitam_world.tenant_a
    url = api("api-access-contract-deactivate", tenant, tenant.researcher_access_contract)
    response = referent.post(url, {}, content_type="application/json")
    assert response.status_code == 409 and len(response.json()["consequences"]) == 1
    client = vitam_client(tenant, contract=ADMIN)
    assert client.get_access_contract(tenant.researcher_access_contract)["Status"] == "ACTIVE"
    response = referent.post(url, {"confirm": True}, content_type="application/json")
    assert response.status_code == 200
    assert client.get_access_contract(tenant.researcher_access_contract)["Status"] == "INACTIVE"


def test_profile_create_upload_download(referent, vitam_world):
    tenant = vitam_world.tenant_a
    response = referent.post(api("api-profile-list", tenant), {"Name": "Profil API", "Format": "RNG"},
                             content_type="application/json")
    assert response.status_code == 201, response.content
    identifier = response.json()["Identifier"]
    file_url = api("api-profile-file", tenant, identifier)
    assert referent.get(file_url).status_code == 404
    response = referent.generic("PUT", file_url, data=_multipart(BOMB), content_type=_MULTIPART)
    assert response.status_code == 400 and "file" in response.json()
    response = referent.generic("PUT", file_url, data=_multipart(RNG), content_type=_MULTIPART)
    assert response.status_code == 200 and response.json()["Path"]
    download = referent.get(file_url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == RNG
    response = referent.patch(api("api-profile-detail", tenant, identifier), {"Status": "INACTIVE"},
                              content_type="application/json")
    assert response.json()["Status"] == "INACTIVE"


_BOUNDARY = "samboundary"
_MULTIPART = f"multipart/form-data; boundary={_BOUNDARY}"


def _multipart(content: bytes) -> bytes:
    return (f"--{_BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.rng\"\r\n"
            f"Content-Type: application/xml\r\n\r\n").encode() + content + f"\r\n--{_BOUNDARY}--\r\n".encode()


@pytest.mark.parametrize("user", ["controller", "researcher_a"])
def test_controllers_and_researchers_cannot_read_or_change(client, vitam_world, user):
    tenant = vitam_world.tenant_a
    client.force_login(getattr(vitam_world, user))
    assert client.get(api("api-ingest-contract-list", tenant)).status_code == 404
    response = client.post(api("api-profile-list", tenant), {"Name": "X", "Format": "RNG"},
                           content_type="application/json")
    assert response.status_code == 404


def test_token_authentication(vitam_world):
    from rest_framework.test import APIClient

    from tests.factories import api_key

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key(vitam_world.archivist_a)}")
    response = client.get(api("api-access-contract-detail", vitam_world.tenant_a, vitam_world.tenant_a.access_contract))
    assert response.status_code == 200 and response.json()["Identifier"] == vitam_world.tenant_a.access_contract
