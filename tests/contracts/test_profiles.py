"""Archival profiles: description, hostile XSD/RNG files checked by SAM, download, link to ingest contracts."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tenants.vitam_clients import ADMIN, vitam_client
from tenants.models import AuditEntry

RNG = b"""<?xml version="1.0" encoding="UTF-8"?>
<grammar xmlns="http://relaxng.org/ns/structure/1.0" datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes">
  <start><element name="ArchiveTransfer"><text/></element></start>
</grammar>
"""
XSD = b"""<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="ArchiveTransfer" type="xs:string"/></xs:schema>
"""
BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<grammar xmlns="http://relaxng.org/ns/structure/1.0"><start><element name="a"><text>&lol3;</text></element></start></grammar>
"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY ext SYSTEM "http://127.0.0.1:9/secret">]>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:annotation><xs:documentation>&ext;</xs:documentation></xs:annotation></xs:schema>
"""


def url(name, tenant, *args):
    return reverse(f"contracts:{name}", args=[tenant.pk, *args])


def upload(content, name="profil.rng"):
    return SimpleUploadedFile(name, content, content_type="application/xml")


@pytest.fixture
def referent(client, vitam_world):
    client.force_login(vitam_world.referent_a)
    return client


def create(client, tenant, content=None, **overrides):
    data = {"identifier": "", "Name": "Profil délibérations", "Description": "Actes", "Status": "ACTIVE",
            "Format": "RNG", **overrides}
    if content is not None:
        data["file"] = upload(content, "profil." + data["Format"].lower())
    return client.post(url("profile_create", tenant), data)


def test_create_with_file_then_download(referent, vitam_world):
    tenant = vitam_world.tenant_a
    response = create(referent, tenant, RNG)
    assert response.status_code == 302, response.content.decode()[:3000]
    identifier = response["Location"].rstrip("/").split("/")[-1]
    stored = vitam_client(tenant, contract=ADMIN).get_profile(identifier)
    assert stored["Format"] == "RNG" and stored["Path"]
    download = referent.get(url("profile_download", tenant, identifier))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == RNG
    assert f"{identifier}.rng" in download["Content-Disposition"]
    actions = list(AuditEntry.objects.filter(target_id=identifier).values_list("action", flat=True))
    assert sorted(actions) == ["contracts.profile_create", "contracts.profile_upload"]
    listing = referent.get(url("profile_list", tenant)).content.decode()
    assert identifier in listing and "Profil délibérations" in listing


@pytest.mark.parametrize("content, fragment", [
    (BOMB, "DOCTYPE"),
    (EXTERNAL, "DOCTYPE"),
    (b"this is not xml at all", "XML"),
    (b"<?xml version='1.0'?><grammar xmlns='http://relaxng.org/ns/structure/1.0'><start>", "Premature end"),
    (XSD, "RelaxNG"),
])
def test_hostile_or_wrong_files_are_refused_and_nothing_is_created(referent, vitam_world, content, fragment):
    tenant = vitam_world.tenant_a
    before = len(vitam_client(tenant, contract=ADMIN).search_profiles({"$query": {}, "$projection": {}}))
    response = create(referent, tenant, content)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["file"] and fragment in errors["file"][0]
    assert "error-summary" in response.content.decode()
    assert len(vitam_client(tenant, contract=ADMIN).search_profiles({"$query": {}, "$projection": {}})) == before
    assert not AuditEntry.objects.filter(action__startswith="contracts.profile").exists()


def test_too_big_file_is_refused(referent, vitam_world, settings):
    settings.SAM_PROFILE_MAX_BYTES = 1024
    tenant = vitam_world.tenant_a
    big = XSD.replace(b"</xs:schema>", b"<!--" + b"x" * 2048 + b"--></xs:schema>")
    response = create(referent, tenant, big, Format="XSD")
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert len(errors) == 1 and ("1,0" in errors[0] or "1.0" in errors[0])


def test_upload_later_replace_and_link_to_an_ingest_contract(referent, vitam_world):
    tenant = vitam_world.tenant_a
    response = create(referent, tenant, identifier="PR-ACTES", Format="XSD")
    assert response.status_code == 302
    download_url = url("profile_download", tenant, "PR-ACTES")
    assert download_url not in referent.get(url("profile_detail", tenant, "PR-ACTES")).content.decode()
    response = referent.post(url("profile_upload", tenant, "PR-ACTES"), {"file": upload(RNG)})
    assert response.status_code == 200 and "xs:schema" in response.context["form"].errors["file"][0]
    response = referent.post(url("profile_upload", tenant, "PR-ACTES"), {"file": upload(XSD, "p.xsd")})
    assert response.status_code == 302
    response = referent.post(url("profile_link", tenant, "PR-ACTES"), {"contract": tenant.ingest_contract})
    assert response.status_code == 302
    contract = vitam_client(tenant, contract=ADMIN).get_ingest_contract(tenant.ingest_contract)
    assert contract["ArchiveProfiles"] == ["PR-ACTES"]
    detail = referent.get(url("profile_detail", tenant, "PR-ACTES")).content.decode()
    assert tenant.ingest_contract in detail and download_url in detail
    form = referent.get(url("ingest_contract_update", tenant, tenant.ingest_contract)).content.decode()
    assert 'value="PR-ACTES"' in form and "checked" in form


def test_profile_edit_conflict(referent, vitam_world):
    tenant = vitam_world.tenant_a
    create(referent, tenant, identifier="PR-EDIT", Format="RNG")
    snapshot = referent.get(url("profile_update", tenant, "PR-EDIT")).context["form"].initial["snapshot"]
    data = {"Name": "Nom A", "Description": "", "Status": "ACTIVE", "snapshot": snapshot}
    assert referent.post(url("profile_update", tenant, "PR-EDIT"), data).status_code == 302
    response = referent.post(url("profile_update", tenant, "PR-EDIT"), {**data, "Name": "Nom B",
                                                                          "Status": "INACTIVE"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Nom A" in text and "Nom B" in text
    assert vitam_client(tenant, contract=ADMIN).get_profile("PR-EDIT")["Name"] == "Nom A"


def test_researcher_reads_nothing_and_changes_nothing(client, vitam_world):
    tenant = vitam_world.tenant_a
    client.force_login(vitam_world.researcher_a)
    assert client.get(url("profile_list", tenant)).status_code == 404
    assert create(client, tenant, RNG).status_code == 404
