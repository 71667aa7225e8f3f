"""URL cases of the changes of published units: moving, renaming or deleting commune B's published node, moving
B's selection and reading B's change answer 404 to commune A's users; inside B the archive staff only."""

from sam.reclassification.models import PublishedChange
from tests.url_cases import ARCHIVE_STAFF, ORGANISATION, UrlCase, register
from tests.url_cases_selection import working_b
from tests.url_cases_trees import unit_b

SECRET = "Déplacement secret de B"


def change_b(world):
    change = PublishedChange.objects.create(
        tenant=world.tenant_b, organisation=world.org_b, kind=PublishedChange.Kind.MOVE, label=SECRET,
        moves={"aeaqaaaaaasecretunitb": []}, new_parent_id="aeaqaaaaaasecretparentb",
        new_parent_label="Parent secret de B", state=PublishedChange.State.DONE, created_by=world.archivist_b)
    return {"tenant_pk": world.tenant_b.pk, "pk": change.pk}


def markers(world):
    return [SECRET, "Parent secret de B", "Plan secret de B", "Sous-série secrète de B"]


register(
    UrlCase("reclassification:unit_move", ORGANISATION, kwargs=unit_b, methods=("get", "post"), markers=markers,
            data=lambda w: {"new_parent": unit_b(w)["unit_id"], "step": "preview"}),
    UrlCase("reclassification:unit_rename", ORGANISATION, kwargs=unit_b, methods=("get",), markers=markers,
            note="POST sends Vitam's update: tests/reclassification covers it"),
    UrlCase("reclassification:unit_delete", ORGANISATION, kwargs=unit_b, methods=("get",), markers=markers,
            note="POST starts an elimination analysis: tests/reclassification covers it"),
    UrlCase("reclassification:selection_move", ORGANISATION, kwargs=working_b, methods=("get",), markers=markers,
            roles=frozenset(), note="a selection is its owner's alone (see tests/url_cases_selection.py)"),
    UrlCase("reclassification:change_detail", ORGANISATION, kwargs=change_b, markers=markers),
    roles=ARCHIVE_STAFF,
)
