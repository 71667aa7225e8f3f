"""URL cases of selections (paniers): a selection of commune B and every action URL on it answer 404 to commune
A's users; inside B only the archive staff (search and eliminate) reach them, and only the owner's selection."""

from sam.selection.models import Selection, SelectionEntry
from tests.url_cases import ARCHIVE_STAFF, ORGANISATION, UrlCase, register

SECRET = "Sélection secrète de B"


def tenant_b(world):
    return {"tenant_pk": world.tenant_b.pk}


def _selection_b(world, *, kept):
    selection = Selection.objects.create(user=world.archivist_b, tenant=world.tenant_b, organisation=world.org_b,
                                         name=SECRET if kept else "", kept=kept)
    SelectionEntry.objects.create(selection=selection, kind=SelectionEntry.Kind.UNIT,
                                  unit_id="aeaqaaaaaasecretunitb", label="Dossier sélectionné secret de B")
    return selection


def working_b(world):
    return {"tenant_pk": world.tenant_b.pk, "pk": _selection_b(world, kept=False).pk}


def kept_b(world):
    return {"tenant_pk": world.tenant_b.pk, "pk": _selection_b(world, kept=True).pk}


def markers(world):
    return [SECRET, "Dossier sélectionné secret de B", "aeaqaaaaaasecretunitb"]


# A selection is its owner's alone: the role matrix's users of commune B are not world.archivist_b, so the
# object URLs answer 404 to every role there; the tenant-level URLs (current, add, list) are the staff's.
OWNER_ONLY = frozenset()

register(
    UrlCase("selection:current", ORGANISATION, kwargs=tenant_b, markers=markers),
    UrlCase("selection:add", ORGANISATION, kwargs=tenant_b, methods=("post",), markers=markers,
            data=lambda w: {"unit": ["aeaqaaaaaasecretunitb"], "title_aeaqaaaaaasecretunitb": "x"}),
    UrlCase("selection:list", ORGANISATION, kwargs=lambda w: (kept_b(w), tenant_b(w))[1], markers=markers),
    UrlCase("selection:detail", ORGANISATION, kwargs=kept_b, markers=markers, roles=OWNER_ONLY),
    UrlCase("selection:update", ORGANISATION, kwargs=working_b, methods=("post",), markers=markers,
            data=lambda w: {"action": "clear"}, roles=OWNER_ONLY),
    UrlCase("selection:mass_update", ORGANISATION, kwargs=working_b, methods=("get", "post"), markers=markers,
            data=lambda w: {"action": "add", "category": "HoldRule", "rule": "HOL-00001", "step": "preview"},
            roles=OWNER_ONLY),
    UrlCase("selection:description_update", ORGANISATION, kwargs=working_b, methods=("get", "post"),
            markers=markers, data=lambda w: {"action": "add_keyword", "keyword": "Urbanisme", "step": "preview"},
            roles=OWNER_ONLY),
    UrlCase("selection:analysis", ORGANISATION, kwargs=working_b, methods=("get",), markers=markers,
            roles=OWNER_ONLY, note="POST starts Vitam's analysis: tests/selection covers it"),
    UrlCase("selection:export", ORGANISATION, kwargs=kept_b, markers=markers, roles=OWNER_ONLY),
    UrlCase("selection:zip", ORGANISATION, kwargs=kept_b, methods=("get", "post"), markers=markers,
            data=lambda w: {"usages": ["BinaryMaster"], "with_description": "on", "confirmed": "on"},
            roles=OWNER_ONLY),
    roles=ARCHIVE_STAFF,
)
