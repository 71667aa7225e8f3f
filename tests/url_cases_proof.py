"""URL cases of probative value reports: commune B's report (really requested from the vitam-lite of
url_cases_consultation) and its downloads answer 404 to commune A's users; inside B only the archive staff
(search) reach them: a researcher consults communicable archives but does not request proofs."""

from tests.url_cases import ARCHIVE_STAFF, ORGANISATION, UrlCase, register
from tests.url_cases_consultation import b_titles, object_b, unit_b

OBJECT_TITLE = 'Compte rendu ; "quoted"'


def proof_b(world):
    from sam.proof import services

    if "proof_b" not in world.extra:
        kwargs = unit_b(world, OBJECT_TITLE)
        world.extra["proof_b"] = services.proof_request(user=world.archivist_b, tenant=world.tenant_b,
                                                        unit_id=kwargs["unit_id"], usage="BinaryMaster", version=1)
    unit_b(world)  # points this test's settings at the vitam-lite
    return {"tenant_pk": world.tenant_b.pk, "pk": world.extra["proof_b"].pk}


def selection_b(world):
    from sam.selection.models import Selection, SelectionEntry

    kwargs = unit_b(world)
    selection = Selection.objects.create(user=world.archivist_b, tenant=world.tenant_b, organisation=world.org_b,
                                         name="Sélection à certifier de B", kept=True)
    SelectionEntry.objects.create(selection=selection, kind=SelectionEntry.Kind.UNIT, unit_id=kwargs["unit_id"],
                                  label="Dossier à certifier de B", with_descendants=True)
    return {"tenant_pk": world.tenant_b.pk, "selection_pk": selection.pk}


def markers(world):
    return [*b_titles(world), OBJECT_TITLE, "Sélection à certifier de B", "Dossier à certifier de B"]


register(
    UrlCase("proof:request", ORGANISATION, kwargs=object_b, methods=("post",), markers=markers),
    UrlCase("proof:selection", ORGANISATION, kwargs=selection_b, methods=("get", "post"), markers=markers,
            data=lambda w: {"usage": "BinaryMaster", "version": 1}, roles=frozenset(),
            note="the selection is its owner's alone (tests/proof covers the owner)"),
    UrlCase("proof:unit_tree", ORGANISATION, kwargs=unit_b, methods=("get", "post"), markers=markers,
            data=lambda w: {"usage": "BinaryMaster", "version": 1}),
    UrlCase("proof:detail", ORGANISATION, kwargs=proof_b, markers=markers),
    UrlCase("proof:report", ORGANISATION, kwargs=proof_b, markers=markers),
    UrlCase("proof:attestation", ORGANISATION, kwargs=proof_b, markers=markers),
    UrlCase("proof:attestation_pdf", ORGANISATION, kwargs=proof_b, markers=markers),
    roles=ARCHIVE_STAFF,
)
