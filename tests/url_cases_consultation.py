"""URL cases of search and consultation. Commune B's archives are really deposited in a vitam-lite
(started once per test process) so that platform administrators reach real units and operations."""

import tempfile

from sam.consultation.models import SavedSearch
from tests.url_cases import ARCHIVE_STAFF, AUTHENTICATED, ORGANISATION, RESEARCHERS, UrlCase, register

_server = None


def _vitam(world):
    """Points this test's settings at a vitam-lite holding commune B's test archive (deposited once per world).

    The change is made on the test's settings override (tests/conftest.py's autouse settings fixture), so it
    ends with the test."""
    global _server
    from django.conf import settings

    if _server is None:
        from vitamlite.server import start_in_thread

        _server = start_in_thread(tempfile.mkdtemp(prefix="sam-url-cases-vitamlite-"), host="127.0.0.1", port=0,
                                  tenants="1000-99999")
    settings.VITAM = {**settings.VITAM, "URL": _server.base_url, "INGEST_URL": _server.base_url}
    if "consultation_ids" not in world.extra:
        from tests.consultation.helpers import seed_archive

        world.extra["consultation_ids"] = seed_archive(world.tenant_b)
    return world.extra["consultation_ids"]


def tenant_b(world):
    _vitam(world)
    return {"tenant_pk": world.tenant_b.pk}


def unit_b(world, title="Dossier public 2001"):
    ids = _vitam(world)
    return {"tenant_pk": world.tenant_b.pk, "unit_id": ids[title]}


def object_b(world):
    return {**unit_b(world, 'Compte rendu ; "quoted"'), "usage": "BinaryMaster", "version": 1}


def preview_b(world):
    return {**unit_b(world, "Plan du quartier"), "usage": "BinaryMaster", "version": 1}


def operation_b(world):
    ids = _vitam(world)
    return {"tenant_pk": world.tenant_b.pk, "operation_id": ids["operation"]}


def rules_operation_b(world):
    from sam.vitam.dsl import SelectSingle, eq
    from tenants.vitam_clients import vitam_client

    _vitam(world)
    world.tenant_b.refresh_from_db()
    found = vitam_client(world.tenant_b).search_operations(SelectSingle().where(eq("evType", "STP_IMPORT_RULES")))
    return {"tenant_pk": world.tenant_b.pk, "operation_id": found.results[0]["evId"]}


def agency_b(world):
    from sam.site.demo import agency_prefix

    _vitam(world)
    return {"tenant_pk": world.tenant_b.pk, "agency": f"{agency_prefix(world.org_b)}-DG"}


def saved_search_b(world):
    saved = SavedSearch.objects.filter(user=world.archivist_b, tenant=world.tenant_b).first()
    if saved is None:
        saved = SavedSearch.objects.create(user=world.archivist_b, tenant=world.tenant_b, name="Secretbee search",
                                           parameters={"q": "Secretbee"})
    return {"action": "delete", "saved_search": saved.pk}


def b_titles(world):
    return ["Dossier public 2001", "Dossier confidentiel 2020", "Secretbee search"]


register(
    UrlCase("consultation:search", ORGANISATION, kwargs=tenant_b, query=lambda w: {"q": "dossier"}, markers=b_titles),
    UrlCase("consultation:search_export", ORGANISATION, kwargs=tenant_b, query=lambda w: {"q": "dossier"},
            markers=b_titles),
    UrlCase("consultation:saved_search_manage", ORGANISATION, kwargs=tenant_b, methods=("post",),
            data=saved_search_b, markers=b_titles),
    UrlCase("consultation:unit_detail", ORGANISATION, kwargs=unit_b, markers=b_titles),
    # POSTed without a title: refused on the form, so trying it as every role changes nothing.
    UrlCase("consultation:unit_edit", ORGANISATION, kwargs=unit_b, methods=("get", "post"),
            data=lambda w: {"version": "0", "title": ""}, markers=b_titles),
    UrlCase("consultation:unit_object_download", ORGANISATION, kwargs=object_b, markers=b_titles),
    UrlCase("consultation:unit_object_preview", ORGANISATION, kwargs=preview_b, markers=b_titles),
    UrlCase("consultation:operation_list", ORGANISATION, kwargs=tenant_b, markers=b_titles),
    UrlCase("consultation:operation_detail", ORGANISATION, kwargs=operation_b, markers=b_titles),
    UrlCase("consultation:operation_atr", ORGANISATION, kwargs=operation_b, markers=b_titles),
    UrlCase("consultation:operation_report", ORGANISATION, kwargs=rules_operation_b, markers=b_titles),
    UrlCase("consultation:operation_evidence", ORGANISATION, kwargs=operation_b, markers=b_titles),
    UrlCase("consultation:register", ORGANISATION, kwargs=tenant_b, markers=b_titles),
    # Pickers' suggestions: B's units by title (and its services, rules) never reach A's users.
    UrlCase("consultation:picker", ORGANISATION, kwargs=lambda w: {**tenant_b(w), "kind": "units"},
            query=lambda w: {"q": "Dossier"}, markers=b_titles, roles=ARCHIVE_STAFF),
    UrlCase("consultation:register_detail", ORGANISATION, kwargs=agency_b, markers=b_titles),
    # Researchers' portal: every signed-in user may open it; it searches only their own granted organisations.
    UrlCase("consultation:researcher_home", AUTHENTICATED, query=lambda w: {"q": "dossier", "tenant": w.tenant_b.pk},
            markers=b_titles),
    UrlCase("consultation:researcher_unit", ORGANISATION, kwargs=unit_b, markers=b_titles, roles=RESEARCHERS),
    UrlCase("consultation:researcher_object_download", ORGANISATION, kwargs=object_b, markers=b_titles,
            roles=RESEARCHERS),
    # API.
    UrlCase("api-unit-list", ORGANISATION, api=True, kwargs=tenant_b, query=lambda w: {"q": "dossier"},
            markers=b_titles),
    UrlCase("api-unit-detail", ORGANISATION, api=True, kwargs=unit_b, markers=b_titles),
    roles=ARCHIVE_STAFF,
)
