"""URL cases of communications (DIP): commune B's communications, their DIP (each part's), "Reprendre" and the
request form on B's selection answer 404 to commune A's users; inside B the archive staff reach the tenant's
communications (researchers and controllers never), and the request form only on the owner's selection."""

from sam.communication.models import Communication, CommunicationPart
from sam.selection.models import Selection, SelectionEntry
from tests.url_cases import ARCHIVE_STAFF, ORGANISATION, UrlCase, register

SECRET = "Communication secrète de B"
REQUESTER = "Demandeur secret de B"


def tenant_b(world):
    return {"tenant_pk": world.tenant_b.pk}


def communication_b(world):
    communication = Communication.objects.create(
        tenant=world.tenant_b, organisation=world.org_b, created_by=world.archivist_b, title=SECRET,
        purpose=Communication.Purpose.RESEARCH, requester_name=REQUESTER, condition={"$in": {"#id": ["x"]}},
        state=Communication.State.FAILED, error="Partie 2 sur 2 en échec")
    CommunicationPart.objects.create(communication=communication, index=1, state=CommunicationPart.State.DONE,
                                     operation_id="aeeaaaaaaghduohdabjwealqsecretbaaaq", exported_units=2)
    CommunicationPart.objects.create(communication=communication, index=2, state=CommunicationPart.State.FAILED)
    return {"tenant_pk": world.tenant_b.pk, "pk": communication.pk}


def part_b(world):
    return {**communication_b(world), "index": 1}


def selection_b(world):
    selection = Selection.objects.create(user=world.archivist_b, tenant=world.tenant_b, organisation=world.org_b,
                                         name="Sélection à communiquer de B", kept=True)
    SelectionEntry.objects.create(selection=selection, kind=SelectionEntry.Kind.UNIT,
                                  unit_id="aeaqaaaaaasecretunitb", label="Dossier à communiquer de B")
    return {"tenant_pk": world.tenant_b.pk, "selection_pk": selection.pk}


def markers(world):
    return [SECRET, REQUESTER, "Sélection à communiquer de B", "Dossier à communiquer de B"]


register(
    UrlCase("communication:create", ORGANISATION, kwargs=selection_b, methods=("get", "post"), markers=markers,
            data=lambda w: {"purpose": "research", "requester_name": "x", "usages": ["BinaryMaster"]},
            roles=frozenset(), note="the selection is its owner's alone (tests/communication covers the owner)"),
    UrlCase("communication:list", ORGANISATION, kwargs=lambda w: (communication_b(w), tenant_b(w))[1],
            markers=markers),
    UrlCase("communication:detail", ORGANISATION, kwargs=communication_b, markers=markers),
    UrlCase("communication:download", ORGANISATION, kwargs=communication_b, markers=markers,
            note="not ready: the archive staff are sent back to the detail page"),
    UrlCase("communication:part_download", ORGANISATION, kwargs=part_b, markers=markers,
            note="not ready: the archive staff are sent back to the detail page"),
    UrlCase("communication:resume", ORGANISATION, kwargs=communication_b, methods=("post",), markers=markers,
            note="resumes B's failed communication for B's archive staff (a job is queued)"),
    roles=ARCHIVE_STAFF,
)
