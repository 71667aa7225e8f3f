"""Transfers past the number of units one Vitam operation takes (settings.VITAM["DISTRIBUTION_THRESHOLD"], here 2
for the fixture's folder of 3 units): made of parts, one ARCHIVE_TRANSFER and one SIP each, followed and shown as
one; a part that fails stops the rest and is resumed without asking Vitam twice. Against vitam-lite over HTTP."""

import html
import re

import pytest

from sam.transfers import services
from sam.transfers.models import Transfer
from sam.vitam.dsl import SelectSingle, eq
from tenants.models import AuditEntry
from tenants.vitam_clients import vitam_client
from tests.transfers.test_transfers import (
    NS, folder_selection, form_data, manifest_of, post_reply, remaining, reply_for, url)

pytestmark = pytest.mark.django_db

FOLDER = ("Permis de construire 2008 A", "PC 0012 maison A", "PC 0047 garage A")
TRANSFERS_PATH = "/access-external/v1/transfers"


@pytest.fixture
def two_per_operation(settings):
    settings.VITAM = {**settings.VITAM, "DISTRIBUTION_THRESHOLD": 2}


@pytest.fixture
def queued_tasks(settings):
    """Jobs are only enqueued, so that the test runs the work itself and can break Vitam between two parts."""
    immediate = settings.TASKS
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                                  "QUEUES": ["default", "vitam"]}}
    yield lambda: setattr(settings, "TASKS", immediate)
    settings.TASKS = immediate


def post_transfer(client, archive):
    client.force_login(archive.archivist_a)
    page_url = url("new_selection", archive, selection_pk=folder_selection(archive).pk)
    data = form_data(client, archive, page_url)
    rule = "le transfert est fait en plusieurs parties (un SIP chacune) d’au plus 2\u00a0unités chacune"
    assert rule in html.unescape(client.get(page_url).content.decode())
    response = client.post(page_url, data)
    assert response.status_code == 302, response.content.decode()
    return Transfer.objects.get(tenant=archive.tenant_a, part_index__in=(0, 1))


def parts_of(head):
    return list(Transfer.objects.filter(group=head).order_by("part_index"))


def sip_unit_ids(client, archive, part):
    response = client.get(url("sip", archive, pk=part.pk))
    assert response.status_code == 200
    manifest = manifest_of(b"".join(response.streaming_content))
    assert manifest.findtext("s:MessageIdentifier", namespaces=NS) == part.operation_id
    return manifest.xpath("//s:ArchiveUnit/s:Content/s:SystemId/text()", namespaces=NS)


def archive_transfers(archive) -> list[str]:
    """The ARCHIVE_TRANSFER operations in Vitam's journal of the tenant."""
    found = vitam_client(archive.tenant_a).search_operations(SelectSingle().where(eq("evType", "ARCHIVE_TRANSFER")))
    return sorted(operation["evId"] for operation in found.results)


def break_transfers_after_first_part(server, head, spec):
    """A progress hook that breaks Vitam (`spec`) once the first part's SIP is ready, before the second starts."""
    def on_progress(done, total, message):
        if Transfer.objects.filter(group=head, part_index=1, state=Transfer.State.SIP_READY).exists():
            server.set_faults(spec)
    return on_progress


def test_three_units_with_two_per_operation_make_two_parts_each_replied_and_purged_apart(
        client, archive, two_per_operation):
    head = post_transfer(client, archive)
    first, second = parts = parts_of(head)
    assert head.pk == first.pk and [part.part_count for part in parts] == [2, 2]
    assert [part.state for part in parts] == [Transfer.State.SIP_READY] * 2, [part.error for part in parts]
    assert first.reference.endswith("-1") and second.reference.endswith("-2")
    assert first.group_reference == second.group_reference == first.reference[:-2]
    assert first.operation_id != second.operation_id
    assert archive_transfers(archive) == sorted([first.operation_id, second.operation_id])

    # every unit in exactly one SIP; the deepest units (the folder's items) in the first part
    first_ids, second_ids = sip_unit_ids(client, archive, first), sip_unit_ids(client, archive, second)
    assert sorted(first_ids + second_ids) == sorted(archive.ids[title] for title in FOLDER)
    assert set(first_ids) == {archive.ids["PC 0012 maison A"], archive.ids["PC 0047 garage A"]}
    assert second_ids == [archive.ids["Permis de construire 2008 A"]]

    # shown as one: one line in the list, the group page with its parts and totals
    listing = html.unescape(client.get(url("list", archive)).content.decode())
    assert listing.count(first.group_reference) == 1 and "3 en 2\u00a0parties" in listing
    assert "Envoyé, en attente de réponse 2/2" in listing
    page = html.unescape(client.get(url("group", archive, pk=head.pk)).content.decode())
    assert "Le transfert est fait en 2\u00a0parties (2\u00a0SIP) d’au plus 2\u00a0unités chacune" in page
    assert first.reference in page and second.reference in page and "une réponse (ArchiveTransferReply) par partie" \
        in page

    # each part's reply names its own operation and purges exactly its units
    post_reply(client, archive, first, reply_for(first.operation_id, first_ids))
    first.refresh_from_db()
    assert first.state == Transfer.State.DONE, first.error
    assert remaining(archive, archive.ids.values()) == {archive.ids["Permis de construire 2008 A"],
                                                        archive.ids["Deliberations 2019 A"]}
    wrong = post_reply(client, archive, second, reply_for(first.operation_id, second_ids))
    assert "Cette réponse concerne le transfert " + first.operation_id in html.unescape(wrong)
    post_reply(client, archive, second, reply_for(second.operation_id, second_ids))
    second.refresh_from_db()
    assert second.state == Transfer.State.DONE, second.error
    assert remaining(archive, archive.ids.values()) == {archive.ids["Deliberations 2019 A"]}
    page = html.unescape(client.get(url("group", archive, pk=head.pk)).content.decode())
    assert '<dd id="group-accepted">3</dd>' in page and '<dd id="group-refused">0</dd>' in page
    assert "Réponse intégrée 2/2" in page

    split = AuditEntry.objects.get(action="transfer.split", target_id=str(head.pk))
    assert split.after == {"parts": 2, "units": 3, "units_per_operation": 2}
    assert AuditEntry.objects.filter(action="transfer.sip_ready", target_id=str(second.pk)).count() == 1


def test_a_part_vitam_never_received_stops_the_rest_and_the_resumption_sends_only_it(
        client, archive, two_per_operation, queued_tasks, vitamlite_server):
    head = post_transfer(client, archive)
    assert head.state == Transfer.State.PREPARING
    try:
        services.transfer_prepare(transfer=head, on_progress=break_transfers_after_first_part(
            vitamlite_server, head, f"error503:{TRANSFERS_PATH}"))
    finally:
        vitamlite_server.set_faults("")
    first, second = parts_of(head)
    assert first.state == Transfer.State.SIP_READY and second.state == Transfer.State.FAILED
    assert second.operation_id == "" and second.error
    assert archive_transfers(archive) == [first.operation_id]

    page = html.unescape(client.get(url("group", archive, pk=head.pk)).content.decode())
    assert "La partie 2 sur 2 n’a pas abouti\u00a0: " + second.error in page
    assert "Parties prêtes\u00a0: 1 (2\u00a0unités)." in page
    assert "Parties non prêtes\u00a0: 2 (1\u00a0unité)." in page
    assert 'id="resume-transfer"' in page
    listing = html.unescape(client.get(url("list", archive)).content.decode())
    assert "Échec 1/2" in listing and "SIP prêt 1/2" in listing

    queued_tasks()  # the resumption's job runs at once
    response = client.post(url("resume", archive, pk=head.pk))
    assert response.status_code == 302 and response["Location"] == url("group", archive, pk=head.pk)
    first_again, second_again = parts_of(head)
    assert second_again.state == Transfer.State.SIP_READY, second_again.error
    assert first_again.operation_id == first.operation_id and first_again.sip_path == first.sip_path
    assert archive_transfers(archive) == sorted([first.operation_id, second_again.operation_id])
    resume = AuditEntry.objects.get(action="transfer.resume", target_id=str(head.pk))
    assert resume.actor == archive.archivist_a and resume.after == {"parts": [2]}

    # nothing left to resume: a French refusal, nothing asked of Vitam
    page = html.unescape(client.post(url("resume", archive, pk=head.pk), follow=True).content.decode())
    assert "Aucune partie de ce transfert n’a échoué" in page
    assert archive_transfers(archive) == sorted([first.operation_id, second_again.operation_id])


def test_a_part_whose_operation_could_not_be_followed_is_followed_again_not_asked_twice(
        client, archive, two_per_operation, queued_tasks, vitamlite_server):
    head = post_transfer(client, archive)
    try:
        services.transfer_prepare(transfer=head, on_progress=break_transfers_after_first_part(
            vitamlite_server, head, "error503:/admin-external/v1/operations"))
    finally:
        vitamlite_server.set_faults("")
    first, second = parts_of(head)
    assert second.state == Transfer.State.FAILED and second.operation_id  # Vitam has it: recorded before following
    queued_tasks()
    assert client.post(url("resume", archive, pk=head.pk)).status_code == 302
    second.refresh_from_db()
    assert second.state == Transfer.State.SIP_READY, second.error
    assert archive_transfers(archive) == sorted([first.operation_id, second.operation_id])


def test_a_preparation_run_again_after_the_split_lists_nothing_again_and_runs_the_parts_left(
        client, archive, two_per_operation, queued_tasks, vitamlite_server):
    head = post_transfer(client, archive)
    try:
        services.transfer_prepare(transfer=head, on_progress=break_transfers_after_first_part(
            vitamlite_server, head, f"error503:{TRANSFERS_PATH}"))
    finally:
        vitamlite_server.set_faults("")
    Transfer.objects.filter(group=head, part_index=2).update(state=Transfer.State.PREPARING, error="")
    head.refresh_from_db()
    services.transfer_prepare(transfer=head, on_progress=lambda *args: None)  # e.g. the worker restarted the job
    assert Transfer.objects.filter(tenant=archive.tenant_a).count() == 2
    first, second = parts_of(head)
    assert [first.state, second.state] == [Transfer.State.SIP_READY] * 2, second.error
    assert archive_transfers(archive) == sorted([first.operation_id, second.operation_id])


def test_the_list_of_transfers_costs_the_same_queries_for_one_or_several_transfers_in_parts(client, archive):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def group(number):
        fields = {"tenant": archive.tenant_a, "organisation": archive.tenant_a.organisation,
                  "created_by": archive.archivist_a, "mode": Transfer.Mode.SELECTION, "archival_agency": "FRAD095",
                  "transferring_agency": "A-ARCH", "archival_agreement": "IC-DEFINITIF",
                  "state": Transfer.State.SIP_READY, "part_count": 2, "unit_count": 2}
        head = Transfer.objects.create(reference=f"TR-G{number}-1", part_index=1, **fields)
        Transfer.objects.filter(pk=head.pk).update(group=head)
        Transfer.objects.create(reference=f"TR-G{number}-2", part_index=2, group=head, **fields)

    client.force_login(archive.archivist_a)
    group(1)
    client.get(url("list", archive))  # the first page of a session warms the caches (permissions, menus)
    with CaptureQueriesContext(connection) as one:
        assert "TR-G1" in client.get(url("list", archive)).content.decode()
    for number in (2, 3, 4):
        group(number)
    with CaptureQueriesContext(connection) as four:
        page = html.unescape(client.get(url("list", archive)).content.decode())
    assert all(f"TR-G{number}" in page for number in (1, 2, 3, 4)) and "TR-G1-2" not in page
    assert page.count("4 en 2\u00a0parties") == 4
    assert len(four) == len(one), "\n".join(query["sql"][:150] for query in four.captured_queries)


def stored_binaries(server, tenant, unit_ids):
    """The files vitam-lite keeps for these units' objects."""
    from vitamlite import binaries, units_store

    db = server.app.store.connect()
    try:
        paths = []
        for unit in units_store.get_unit_docs(db, tenant.vitam_id, unit_ids).values():
            group = units_store.get_object_group_doc(db, tenant.vitam_id, unit["#object"]) if unit.get("#object") \
                else None
            for qualifier in (group or {}).get("#qualifiers") or []:
                paths += [binaries.resolve(server.app.store, tenant.vitam_id, version["#storage"]["path"])
                          for version in qualifier.get("versions") or []]
        return paths
    finally:
        server.app.store.close_thread_connection()


def test_a_part_ending_ko_in_vitam_stops_the_rest_and_is_asked_again_on_resumption(
        client, archive, two_per_operation, queued_tasks, vitamlite_server):
    head = post_transfer(client, archive)
    items = [archive.ids["PC 0012 maison A"], archive.ids["PC 0047 garage A"]]  # the first part, the deepest
    stored = stored_binaries(vitamlite_server, archive.tenant_a, items)
    assert stored
    hidden = [path.rename(path.with_name(path.name + ".hidden")) for path in stored]  # a storage offer lost them
    try:
        services.transfer_prepare(transfer=head, on_progress=lambda *args: None)
    finally:
        for moved, path in zip(hidden, stored):
            moved.rename(path)
    first, second = parts_of(head)
    assert first.state == Transfer.State.FAILED and second.state == Transfer.State.PREPARING
    assert "KO" in first.error and first.operation_id in first.error
    assert archive_transfers(archive) == [first.operation_id]  # the second part never asked
    page = html.unescape(client.get(url("group", archive, pk=head.pk)).content.decode())
    assert "La partie 1 sur 2 n’a pas abouti" in page and "En attente de la reprise du transfert" in page

    queued_tasks()
    assert client.post(url("resume", archive, pk=head.pk)).status_code == 302
    first_again, second_again = parts_of(head)
    assert [first_again.state, second_again.state] == [Transfer.State.SIP_READY] * 2, first_again.error
    # the KO operation did nothing: the part is asked again, once; the second part once
    assert first_again.operation_id != first.operation_id
    assert archive_transfers(archive) == sorted([first.operation_id, first_again.operation_id,
                                                 second_again.operation_id])


def transfer_replies(archive) -> list[str]:
    """The TRANSFER_REPLY operations in Vitam's journal of the tenant."""
    found = vitam_client(archive.tenant_a).search_operations(SelectSingle().where(eq("evType", "TRANSFER_REPLY")))
    return [operation["evId"] for operation in found.results]


def text_of(response) -> str:
    """The page's text as read, links' markup left out."""
    return html.unescape(re.sub(r"<[^>]+>", "", response.content.decode()))


def queue_the_jobs(settings):
    """From here on jobs are only enqueued: the test runs each reply's work itself, to see the part between."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                                  "QUEUES": ["default", "vitam"]}}


def test_replies_are_imported_in_the_order_of_the_parts(client, archive, two_per_operation, settings, tmp_path):
    """Part 2's reply (the folder) before part 1's (its items) is refused, naming part 1, with nothing kept nor
    asked of Vitam; the group page says which reply comes next; in the right order both are accepted."""
    head = post_transfer(client, archive)
    first, second = parts_of(head)
    group_page = text_of(client.get(url("group", archive, pk=head.pk)))
    assert f"Réponse attendue ensuite\u00a0: partie 1 sur 2 ({first.reference})." in group_page
    assert "Après la réponse de la partie 1" in group_page
    detail = client.get(url("detail", archive, pk=second.pk))
    assert 'id="reply-first"' in detail.content.decode()
    assert f"La réponse de la partie 1 sur 2 ({first.reference}) doit être intégrée avant celle-ci" in text_of(detail)

    second_ids = sip_unit_ids(client, archive, second)  # downloading the SIP records the part as sent
    second.refresh_from_db()
    state_before, audit_before = second.state, AuditEntry.objects.count()
    settings.DATA_DIR = tmp_path  # where a reply would be kept: empty, to see that nothing is
    refused = html.unescape(post_reply(client, archive, second, reply_for(second.operation_id, second_ids)))
    assert (f"Importez d’abord la réponse de la partie 1 sur 2 ({first.reference})\u00a0: les parties reçoivent "
            "leur réponse dans leur ordre") in refused
    second.refresh_from_db()
    assert (second.state, second.reply_path, second.accepted_count) == (state_before, "", 0)
    assert not list(services.storage_dir(second).glob("*reply*")) and transfer_replies(archive) == []
    assert AuditEntry.objects.count() == audit_before  # a refusal, as any refused reply, is not audited
    assert remaining(archive, [archive.ids[title] for title in FOLDER]) == {archive.ids[title] for title in FOLDER}

    post_reply(client, archive, first, reply_for(first.operation_id, sip_unit_ids(client, archive, first)))
    first.refresh_from_db()
    assert first.state == Transfer.State.DONE, first.error
    group_page = text_of(client.get(url("group", archive, pk=head.pk)))
    assert f"Réponse attendue ensuite\u00a0: partie 2 sur 2 ({second.reference})." in group_page
    post_reply(client, archive, second, reply_for(second.operation_id, second_ids))
    second.refresh_from_db()
    assert second.state == Transfer.State.DONE and second.accepted_count == 1, second.error
    assert remaining(archive, [archive.ids[title] for title in FOLDER]) == set()
    assert 'id="group-next-reply"' not in client.get(url("group", archive, pk=head.pk)).content.decode()


def test_a_partial_earlier_reply_must_be_integrated_first_and_keeps_the_folder_of_its_refused_item(
        client, archive, two_per_operation, settings):
    """Part 1 answered in part (one item refused): while its regularisation and reply run, part 2's reply is
    refused; once part 1 is done, part 2 counts as answerable, and Vitam keeps the folder, which still holds the
    refused item (NON_DESTROYABLE_HAS_CHILD_UNITS): the bordereau of part 2 shows it refused."""
    head = post_transfer(client, archive)
    first, second = parts_of(head)
    queue_the_jobs(settings)
    kept_item, purged_item = archive.ids["PC 0047 garage A"], archive.ids["PC 0012 maison A"]
    post_reply(client, archive, first, reply_for(first.operation_id, [purged_item]))
    first.refresh_from_db()
    assert first.state == Transfer.State.REGULARISING

    second_reply = reply_for(second.operation_id, [archive.ids["Permis de construire 2008 A"]])
    refused = html.unescape(post_reply(client, archive, second, second_reply))
    assert (f"La réponse de la partie 1 sur 2 ({first.reference}) est encore en cours d’intégration dans "
            "Vitam") in refused
    group_page = text_of(client.get(url("group", archive, pk=head.pk)))
    assert f"La réponse de la partie 1 sur 2 ({first.reference}) est en cours d’intégration dans Vitam" in group_page

    services.regularisation_run(transfer=first, actor=archive.archivist_a, on_progress=lambda *progress: None)
    first.refresh_from_db()
    assert first.state == Transfer.State.REPLY_RUNNING
    assert "encore en cours d’intégration" in html.unescape(post_reply(client, archive, second, second_reply))
    services.reply_run(transfer=first, on_progress=lambda *progress: None)
    first.refresh_from_db()
    assert (first.state, first.accepted_count, first.refused_count) == (Transfer.State.DONE, 1, 1)

    post_reply(client, archive, second, second_reply)
    second.refresh_from_db()
    assert second.state == Transfer.State.REPLY_RUNNING, second.error
    services.reply_run(transfer=second, on_progress=lambda *progress: None)
    second.refresh_from_db()
    folder = archive.ids["Permis de construire 2008 A"]
    assert (second.state, second.refused_unit_ids) == (Transfer.State.DONE, [folder])
    assert remaining(archive, [archive.ids[title] for title in FOLDER]) == {folder, kept_item}
