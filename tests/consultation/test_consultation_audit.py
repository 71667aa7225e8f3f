"""Every consultation of archives lands in the audit trail, at the cost of one INSERT; a search once."""

from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sam.consultation import services
from tenants.models import AuditEntry, Tenant
from tests.factories import api_key


def entries_since(start, **filters):
    return list(AuditEntry.objects.filter(pk__gt=start, **filters).order_by("pk"))


def last_pk():
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_unit_page_download_and_preview_are_recorded(client, archive):
    client.force_login(archive.archivist_a)
    start = last_pk()
    unit_id = archive.ids["Dossier public 2001"]
    assert client.get(reverse("consultation:unit_detail", args=[archive.tenant_a.pk, unit_id])).status_code == 200
    text_id = archive.ids['Compte rendu ; "quoted"']
    download = client.get(reverse("consultation:unit_object_download",
                                  args=[archive.tenant_a.pk, text_id, "BinaryMaster", 1]))
    assert download.status_code == 200
    b"".join(download.streaming_content)
    preview_id = archive.ids["Plan du quartier"]
    preview = client.get(reverse("consultation:unit_object_preview",
                                 args=[archive.tenant_a.pk, preview_id, "BinaryMaster", 1]))
    assert preview.status_code == 200
    view, downloaded, previewed = entries_since(start, actor=archive.archivist_a)
    assert (view.action, view.target_type, view.target_id, view.target_repr) == (
        "consultation.unit_view", "vitam.unit", unit_id, "Dossier public 2001")
    assert view.tenant == archive.tenant_a and view.organisation == archive.org_a
    assert view.request_id and view.ip_address == "127.0.0.1"
    assert (downloaded.action, downloaded.target_id) == ("consultation.object_download", text_id)
    assert downloaded.after["usage"] == "BinaryMaster" and downloaded.after["version"] == 1
    assert (previewed.action, previewed.target_id) == ("consultation.object_preview", preview_id)


def test_a_refused_download_is_not_recorded_as_a_consultation(client, archive):
    client.force_login(archive.archivist_a)
    start = last_pk()
    text_id = archive.ids['Compte rendu ; "quoted"']
    missing = client.get(reverse("consultation:unit_object_download",
                                 args=[archive.tenant_a.pk, text_id, "Dissemination", 1]))
    assert missing.status_code in (403, 404)
    assert entries_since(start, action__startswith="consultation.object") == []


def test_a_search_is_recorded_once_not_per_unit_nor_per_page(client, archive):
    client.force_login(archive.archivist_a)
    start = last_pk()
    url = reverse("consultation:search", args=[archive.tenant_a.pk])
    response = client.get(url, {"q": "dossier", "per_page": 25})
    assert response.status_code == 200 and response.context["results"].total == 2
    next_page = client.get(url, {"q": "dossier", "per_page": 25, "page": 2})
    assert next_page.context["results"] is not None  # the search ran again, for its second page
    (entry,) = entries_since(start)
    assert entry.action == "consultation.search" and entry.tenant == archive.tenant_a
    assert entry.after == {"criteria": {"q": "dossier", "per_page": "25"}}


def test_export_is_recorded_with_its_criteria_and_size(client, archive):
    client.force_login(archive.archivist_a)
    start = last_pk()
    response = client.get(reverse("consultation:search_export", args=[archive.tenant_a.pk]), {"q": "dossier"})
    assert response.status_code == 200
    b"".join(response.streaming_content)
    (entry,) = entries_since(start)
    assert entry.action == "consultation.export"
    assert entry.after == {"criteria": {"q": "dossier"}, "rows": 2}


def test_researcher_and_api_consultations_are_recorded(client, archive):
    unit_id = archive.ids["Dossier public 2001"]
    client.force_login(archive.researcher_a)
    start = last_pk()
    assert client.get(reverse("consultation:researcher_unit", args=[archive.tenant_a.pk, unit_id])).status_code == 200
    (entry,) = entries_since(start)
    assert (entry.action, entry.actor, entry.after) == ("consultation.unit_view", archive.researcher_a,
                                                        {"contract": "researcher"})
    client.logout()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {api_key(archive.archivist_a)}"
    start = last_pk()
    assert client.get(reverse("api-unit-detail", args=[archive.tenant_a.pk, unit_id])).status_code == 200
    assert [e.action for e in entries_since(start)] == ["token.use", "consultation.unit_view"]


def test_recording_a_consultation_costs_one_insert(archive):
    tenant = Tenant.objects.get(pk=archive.tenant_a.pk)  # organisation not loaded
    request = RequestFactory().get("/")
    request.user = archive.archivist_a
    request.request_id = "0123456789abcdef"
    with CaptureQueriesContext(connection) as queries:
        services.consultation_record(request=request, tenant=tenant, action="consultation.unit_view",
                                     unit_id="aeaaaa", title="Dossier")
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["INSERT"]
    entry = AuditEntry.objects.latest("pk")
    assert entry.organisation_id == archive.org_a.pk and entry.request_id == "0123456789abcdef"
