"""Communications (DIP) and the number of units one Vitam operation takes (SAM_VITAM_DISTRIBUTION_THRESHOLD):
past it the form says in how many DIPs the communication will be delivered and the job cuts it into parts
(tests/communication/test_parts.py follows the parts); exactly at the limit one DIP holds every unit. And what
vitam-lite does at the query's $threshold, as Vitam's CheckDistributionThreshold.
The folder of the fixture holds 3 units."""

import html

import pytest
from django.urls import reverse

from sam.communication import services
from sam.communication.models import Communication
from sam.elimination.vitam_side import follow
from sam.vitam import limits
from sam.vitam.dsl import Select, in_, or_
from tenants.models import AuditEntry
from tenants.vitam_clients import ACCESS, vitam_client
from tests.communication.test_communication import FOLDER, FORM, create_url, folder_selection
from tests.elimination.conftest import Archive, seed_eliminable
from tests.factories import put_registers_past_vitams_count

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive(vitam_world):
    return Archive(world=vitam_world, ids=seed_eliminable(vitam_world.tenant_a))


@pytest.fixture
def limit(settings):
    def set_limit(value):
        settings.VITAM = {**settings.VITAM, "DISTRIBUTION_THRESHOLD": value}
    return set_limit


def test_a_selection_over_the_limit_is_announced_in_parts_and_accepted(client, archive, limit):
    limit(2)
    selection = folder_selection(archive)
    client.force_login(archive.archivist_a)
    page = html.unescape(client.get(create_url(archive, selection), follow=True).content.decode())
    assert "La communication sera livrée en 2 DIP d’au plus 2 unités chacun" in page
    assert client.post(create_url(archive, selection), FORM).status_code == 302
    communication = Communication.objects.get()
    assert communication.parts.count() == 2 and communication.state == Communication.State.READY
    assert AuditEntry.objects.get(action="communication.request").after["units"] == 3


def test_a_selection_exactly_at_the_limit_is_exported_whole(client, archive, limit):
    limit(3)
    selection = folder_selection(archive)
    client.force_login(archive.archivist_a)
    assert client.post(create_url(archive, selection), FORM).status_code == 302
    communication = Communication.objects.get()
    assert communication.state == Communication.State.READY, communication.error
    assert communication.exported_units == 3
    part = communication.parts.get()  # one part, without a list of ids: the whole condition, as before parts
    assert (part.index, part.unit_ids) == (1, [])


def test_a_selection_grown_past_the_limit_before_the_job_is_cut_by_the_job(client, archive, limit):
    limit(3)
    selection = folder_selection(archive)
    client.force_login(archive.archivist_a)
    client.post(create_url(archive, selection), FORM)
    communication = Communication.objects.get()
    limit(2)  # what the job finds now is more than one operation takes
    communication.parts.all().delete()
    Communication.objects.filter(pk=communication.pk).update(state=Communication.State.RUNNING)
    communication.refresh_from_db()
    services.communication_run(communication=communication, on_progress=lambda *args: None)
    communication.refresh_from_db()
    assert communication.state == Communication.State.READY
    assert [part.exported_units for part in communication.parts.all()] == [2, 1]


def test_units_are_counted_exactly_past_vitams_capped_total(archive, monkeypatch):
    client = vitam_client(archive.tenant_a, contract=ACCESS)
    folder = archive.ids[FOLDER]
    conditions = [or_(in_("#id", [folder]), in_("#allunitups", [folder]))]
    # Page by 2 from a cap of 2: the keyset paging that counts past Vitam's 10,000 runs on the 3 units.
    monkeypatch.setattr(limits, "HITS_TOTAL_CAP", 2)
    monkeypatch.setattr(limits, "PAGE", 2)
    assert limits.count_units(client, conditions, limit=10) == 3
    assert limits.count_units(client, conditions, limit=1) == 3  # the first total already says too many
    assert limits.count_units(client, [in_("#id", [folder])], limit=10) == 1


@pytest.mark.parametrize("threshold, outcome", [(3, "OK"), (2, "KO")])
def test_vitamlite_export_takes_the_units_up_to_the_query_threshold_and_refuses_past_it(archive, threshold,
                                                                                          outcome):
    client = vitam_client(archive.tenant_a, contract=ACCESS)
    folder = archive.ids[FOLDER]
    query = Select().where(or_(in_("#id", [folder]), in_("#allunitups", [folder]))).threshold(threshold)
    operation_id = client.export_dip(query, usages=["BinaryMaster"], with_logbook=False, without_objects=False,
                                     parameters={"requesterIdentifier": "test"})
    assert follow(client, operation_id, lambda done, total: None, timeout=60).status == outcome
    events = {event["evType"]: event for event in client.get_operation(operation_id)["events"]}
    assert events["CHECK_DISTRIBUTION_THRESHOLD"]["outcome"] == outcome
    if outcome == "KO":
        assert "Too many units found. Threshold=2, found=3" in events["CHECK_DISTRIBUTION_THRESHOLD"]["evDetData"]


def test_vitamlite_export_past_its_default_threshold_within_the_querys_is_a_warning(client, archive, monkeypatch):
    """CheckDistributionThresholdBase: more units than the default threshold but within the request's $threshold
    is WARNING (the check, its step and the operation), and the DIP is still built and downloadable; SAM's
    communication takes it. The default is lowered to 2 here: 100,001 units would make a slow test."""
    from vitamlite import dip

    monkeypatch.setattr(dip, "DIP_THRESHOLD", 2)
    vitam = vitam_client(archive.tenant_a, contract=ACCESS)
    folder = archive.ids[FOLDER]
    query = Select().where(or_(in_("#id", [folder]), in_("#allunitups", [folder]))).threshold(3)
    operation_id = vitam.export_dip(query, usages=["BinaryMaster"], with_logbook=False, without_objects=False,
                                    parameters={"requesterIdentifier": "test"})
    assert follow(vitam, operation_id, lambda done, total: None, timeout=60).status == "WARNING"
    events = {event["evType"]: event for event in vitam.get_operation(operation_id)["events"]}
    assert events["CHECK_DISTRIBUTION_THRESHOLD"]["outcome"] == "WARNING"
    assert ("Unit count exceeds default threshold. Default threshold=2, found=3"
            in events["CHECK_DISTRIBUTION_THRESHOLD"]["evDetData"])
    assert events["STP_CREATE_MANIFEST"]["outcome"] == "WARNING"

    selection = folder_selection(archive)
    client.force_login(archive.archivist_a)
    client.post(create_url(archive, selection), FORM)
    communication = Communication.objects.get()
    assert communication.state == Communication.State.READY and communication.exported_units == 3


def test_a_selection_past_vitams_capped_count_is_announced_as_at_least(client, archive, limit, vitamlite_server):
    """Vitam's $hits.total stops at 10,000: the form says "au moins 10 000" units and "au moins N DIP", N the
    parts of those 10,000 (a lower bound); the job counts the units exactly when it cuts them."""
    from sam.selection.models import Selection, SelectionEntry

    put_registers_past_vitams_count(vitamlite_server, archive)
    selection = Selection.objects.create(user=archive.archivist_a, tenant=archive.tenant_a,
                                         organisation=archive.tenant_a.organisation)
    SelectionEntry.objects.create(selection=selection, kind=SelectionEntry.Kind.SEARCH, label="Registre matricule",
                                  parameters={"title": "Registre matricule"})
    limit(4000)
    client.force_login(archive.archivist_a)
    page = html.unescape(client.get(create_url(archive, selection)).content.decode())
    assert "au moins 10\u00a0000 unités archivistiques seront communiquées" in page
    assert ("Vitam ne compte pas au-delà de 10\u00a0000 unités\u00a0: la communication sera livrée en au moins 3 DIP "
            "d’au plus 4\u00a0000 unités chacun") in page
    assert "10000" not in page and "livrée en 3 DIP" not in page

    assert client.post(create_url(archive, selection), {**FORM, "usages": []}).status_code == 302
    communication = Communication.objects.get()
    detail = reverse("communication:detail", args=[archive.tenant_a.pk, communication.pk])
    assert communication.selected_count == 10_005  # counted exactly when cut
    assert communication.parts.count() == 3 and "10005" in client.get(detail).content.decode()
