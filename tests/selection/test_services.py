"""Selections against vitam-lite over HTTP: explicit units, units with what lies below, whole searches; counted
and paged by Vitam; kept under a name; handed to the mass rule update of sam.elimination."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404, QueryDict

from sam.elimination import services as elimination_services
from sam.elimination.models import MassUpdate
from sam.selection import selectors, services
from sam.selection.models import Selection
from tenants.models import AuditEntry
from tenants.vitam_clients import ACCESS, vitam_client

pytestmark = pytest.mark.django_db


def working(archive, user=None):
    return services.selection_working(user=user or archive.archivist_a, tenant=archive.tenant_a)


def titles(selection, user):
    return sorted(unit["title"] for unit in selectors.selection_units(selection, user=user).units)


def test_units_with_and_without_what_lies_below(archive):
    selection = working(archive)
    assert selectors.selection_count(selection, user=archive.archivist_a) == 0
    folder = archive.ids["Permis de construire 2008 A"]
    services.selection_units_add(selection=selection, units={folder: "Permis"})
    assert selectors.selection_count(selection, user=archive.archivist_a) == 1

    # ticking it again "with the units below" changes the entry, not a second one
    assert services.selection_units_add(selection=selection, units={folder: "Permis"}, with_descendants=True) == 1
    assert selection.entries.count() == 1
    assert titles(selection, archive.archivist_a) == ["PC 0012 maison A", "PC 0047 garage A",
                                                      "Permis de construire 2008 A"]


def test_a_whole_search_stands_for_its_query(archive):
    selection = working(archive)
    services.selection_search_add(selection=selection, query_dict=QueryDict("q=PC&page=3&per_page=50"),
                                  label="PC")
    entry = selection.entries.get()
    assert entry.parameters == {"q": "PC"}  # the query, not its ids nor its page
    assert titles(selection, archive.archivist_a) == ["PC 0012 maison A", "PC 0047 garage A"]
    # a unit ticked besides the search is counted once with it
    services.selection_units_add(selection=selection, units={archive.ids["Deliberations 2019 A"]: "Délib",
                                                             archive.ids["PC 0012 maison A"]: "PC 12"})
    assert selectors.selection_count(selection, user=archive.archivist_a) == 3
    # the same search added twice stays one entry
    services.selection_search_add(selection=selection, query_dict=QueryDict("q=PC"))
    assert selection.entries.filter(kind="search").count() == 1


def test_remove_clear_keep_and_the_next_working_selection(archive):
    user = archive.archivist_a
    selection = working(archive)
    services.selection_units_add(selection=selection, units={archive.ids["PC 0012 maison A"]: "a",
                                                             archive.ids["PC 0047 garage A"]: "b"})
    first = selection.entries.first()
    assert services.selection_entries_remove(selection=selection, entry_ids=[str(first.pk), "x"]) == 1
    assert selectors.selection_count(selection, user=user) == 1

    with pytest.raises(ValidationError):
        services.selection_keep(actor=user, selection=selection, name="  ")
    services.selection_keep(actor=user, selection=selection, name="Permis à geler")
    assert AuditEntry.objects.filter(action="selection.keep", target_id=str(selection.pk)).exists()
    # the next tick starts a new working selection; the kept one stays as it was
    fresh = working(archive)
    assert fresh.pk != selection.pk and not fresh.kept
    assert list(selectors.kept_selections(user, archive.tenant_a)) == [selection]
    with pytest.raises(ValidationError):
        services.selection_keep(actor=user, selection=fresh, name="Permis à geler")

    services.selection_clear(selection=selection)
    assert selectors.selection_count(selection, user=user) == 0
    with pytest.raises(ValidationError):
        services.selection_criteria(selection)


def test_refuses_what_is_not_a_unit_identifier_and_a_search_without_criteria(archive):
    selection = working(archive)
    with pytest.raises(ValidationError):  # every unit of the tenant: no selection action may sweep it all
        services.selection_search_add(selection=selection, query_dict=QueryDict("sort=title&page=2"))
    with pytest.raises(ValidationError):
        services.selection_units_add(selection=selection, units={'x"}, {"$or': "injection"})
    assert not selection.entries.exists()


def test_only_its_owner_reaches_a_selection(archive):
    selection = working(archive)
    assert selectors.selection_get_for_user(archive.archivist_a, archive.tenant_a.pk, selection.pk) == selection
    for user in (archive.referent_a, archive.archivist_b):
        with pytest.raises(Http404):
            selectors.selection_get_for_user(user, archive.tenant_a.pk, selection.pk)


def test_mass_rule_update_from_a_selection(archive):
    user = archive.archivist_a
    selection = working(archive)
    services.selection_search_add(selection=selection, query_dict=QueryDict("q=garage"))
    services.selection_units_add(selection=selection, units={archive.ids["PC 0012 maison A"]: "PC 12"})
    criteria = services.selection_criteria(selection)
    count, capped = elimination_services.mass_update_count(tenant=archive.tenant_a, criteria=criteria)
    assert (count, capped) == (2, False)
    update = elimination_services.mass_update_start(
        actor=user, tenant=archive.tenant_a, criteria=criteria, expected_count=count, confirmed=True,
        change={"action": "add", "category": "HoldRule", "rule": "HOL-00001"})
    update.refresh_from_db()
    assert update.state == MassUpdate.State.SUCCEEDED, update.error
    assert update.criteria["selection"] == str(selection)
    client = vitam_client(archive.tenant_a, contract=ACCESS)
    held = {unit_id for unit_id in archive.ids.values()
            if (client.get_unit(unit_id).get("#management", {}).get("HoldRule") or {}).get("Rules")}
    assert held == {archive.ids["PC 0012 maison A"], archive.ids["PC 0047 garage A"]}
    assert Selection.objects.filter(pk=selection.pk).exists()
