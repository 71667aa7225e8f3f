"""URL cases of contracts and archival profiles: commune B's contracts and profiles, created in vitam-lite."""

from sam.site.demo import ensure_contracts
from tenants.vitam_clients import ADMIN, vitam_client
from tests.url_cases import ARCHIVE_STAFF, ORGANISATION, UrlCase, register

GP = ("get", "post")


def _tenant_b(world):
    return {"tenant_pk": world.tenant_b.pk}


def _contracts_b(world):
    """Commune B's default contracts exist in Vitam (their names carry commune B's name, a leak marker)."""
    ensure_contracts(vitam_client(world.tenant_b, contract=ADMIN), world.tenant_b, say=lambda *_: None)
    return world.tenant_b


def ingest_b(world):
    tenant = _contracts_b(world)
    return {"tenant_pk": tenant.pk, "identifier": tenant.ingest_contract}


def access_b(world):
    tenant = _contracts_b(world)
    return {"tenant_pk": tenant.pk, "identifier": tenant.access_contract}


RNG = b'<grammar xmlns="http://relaxng.org/ns/structure/1.0"><start><element name="a"><text/></element></start></grammar>'


def profile_b(world):
    if "profile_b" not in world.extra:  # once per world: the page crawl of tests/site reads several profile pages
        client = vitam_client(world.tenant_b, contract=ADMIN)
        client.create_profiles([{
            "Identifier": "PR-B", "Name": f"Profil de {world.org_b.name}", "Format": "RNG", "Status": "ACTIVE"}])
        client.upload_profile_file("PR-B", RNG)
        world.extra["profile_b"] = True
    return {"tenant_pk": world.tenant_b.pk, "identifier": "PR-B"}


def ingest_data(world):
    return {"identifier": "", "Name": "Forged", "Status": "ACTIVE", "CheckParentLink": "AUTHORIZED",
            "EveryFormatType": "on", "snapshot": ""}


def access_data(world):
    return {"identifier": "", "Name": "Forged", "Status": "ACTIVE", "EveryOriginatingAgency": "on", "snapshot": ""}


def profile_data(world):
    return {"identifier": "", "Name": "Forged", "Status": "ACTIVE", "Format": "RNG"}


cases = []
for slug, detail, data in (("ingest", ingest_b, ingest_data), ("access", access_b, access_data)):
    name = f"contracts:{slug}_contract"
    cases += [
        UrlCase(f"{name}_list", ORGANISATION, kwargs=lambda w, d=detail: {"tenant_pk": d(w)["tenant_pk"]}),
        UrlCase(f"{name}_create", ORGANISATION, kwargs=_tenant_b, methods=GP, data=data),
        UrlCase(f"{name}_detail", ORGANISATION, kwargs=detail),
        UrlCase(f"{name}_update", ORGANISATION, kwargs=detail, methods=GP, data=data),
        UrlCase(f"{name}_activate", ORGANISATION, kwargs=detail, methods=("post",)),
        UrlCase(f"{name}_deactivate", ORGANISATION, kwargs=detail, methods=GP, data=lambda w: {"confirm": "on"}),
        UrlCase(f"api-{slug}-contract-list", ORGANISATION, api=True, kwargs=_tenant_b, methods=GP,
                data=lambda w: {"Name": "Forged"}),
        UrlCase(f"api-{slug}-contract-detail", ORGANISATION, api=True, kwargs=detail, methods=("get", "patch"),
                data=lambda w: {"Name": "Forged"}),
        UrlCase(f"api-{slug}-contract-activate", ORGANISATION, api=True, kwargs=detail, methods=("post",)),
        UrlCase(f"api-{slug}-contract-deactivate", ORGANISATION, api=True, kwargs=detail, methods=("post",),
                data=lambda w: {"confirm": True}),
    ]

register(
    *cases,
    UrlCase("contracts:profile_list", ORGANISATION, kwargs=lambda w: {"tenant_pk": profile_b(w)["tenant_pk"]}),
    UrlCase("contracts:profile_create", ORGANISATION, kwargs=_tenant_b, methods=GP, data=profile_data),
    UrlCase("contracts:profile_detail", ORGANISATION, kwargs=profile_b),
    UrlCase("contracts:profile_update", ORGANISATION, kwargs=profile_b, methods=GP,
            data=lambda w: {"Name": "Forged", "Status": "ACTIVE", "snapshot": ""}),
    UrlCase("contracts:profile_upload", ORGANISATION, kwargs=profile_b, methods=GP),
    UrlCase("contracts:profile_download", ORGANISATION, kwargs=profile_b),
    UrlCase("contracts:profile_link", ORGANISATION, kwargs=profile_b, methods=("post",),
            data=lambda w: {"contract": w.tenant_b.ingest_contract}),
    UrlCase("api-profile-list", ORGANISATION, api=True, kwargs=_tenant_b, methods=GP,
            data=lambda w: {"Name": "Forged", "Format": "RNG"}),
    UrlCase("api-profile-detail", ORGANISATION, api=True, kwargs=profile_b, methods=("get", "patch"),
            data=lambda w: {"Name": "Forged"}),
    UrlCase("api-profile-file", ORGANISATION, api=True, kwargs=profile_b, methods=("get", "put")),
    roles=ARCHIVE_STAFF,
)
