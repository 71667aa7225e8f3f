"""Units ticked in the tree browser go to the selection (panier), with the units below them if asked."""

import pytest
from django.urls import reverse

from referentials.trees import selectors
from sam.selection.models import Selection
from tests.trees.test_publication import agency, import_plan

pytestmark = pytest.mark.django_db


def test_nodes_ticked_in_the_tree_browser_are_added_to_the_selection(vitam_world, client):
    world = vitam_world
    draft = import_plan(world, "Lyre")
    client.force_login(world.referent_a)
    published = client.post(reverse("trees:draft_publish", kwargs={"tenant_pk": world.tenant_a.pk, "pk": draft.pk}),
                            {"version": draft.version, "originating_agency": agency(world),
                             "archival_agency": agency(world)})
    assert published.status_code == 302
    client.force_login(world.archivist_a)
    browser_url = reverse("trees:tree_browser", kwargs={"tenant_pk": world.tenant_a.pk})
    html = client.get(browser_url, {"kind": "filing"}).content.decode()
    root = next(node for node in selectors.tree_roots(world.tenant_a, "filing") if node.title == "Plan de test Lyre")
    children, _total = selectors.tree_children(world.tenant_a, root.id)
    markets = next(node for node in children if node.identifier == "P2")
    assert f'name="unit" value="{markets.id}" form="tree-selection"' in html
    assert 'id="tree-selection"' in html and 'action="/t/%d/selection/add/"' % world.tenant_a.pk in html
    # a level opened later (the fragment trees.js inserts) carries its ticks for the same form
    fragment = client.get(reverse("trees:tree_children", kwargs={"tenant_pk": world.tenant_a.pk,
                                                                 "unit_id": markets.id})).content.decode()
    assert 'form="tree-selection"' in fragment

    response = client.post(reverse("selection:add", kwargs={"tenant_pk": world.tenant_a.pk}), {
        "unit": [markets.id], f"title_{markets.id}": markets.title, "with_descendants": "on",
        "next": browser_url + "?kind=filing"})
    assert response.status_code == 302 and response["Location"] == browser_url + "?kind=filing"
    selection = Selection.objects.get(user=world.archivist_a, tenant=world.tenant_a)
    entry = selection.entries.get()
    assert (entry.unit_id, entry.with_descendants, entry.label) == (markets.id, True, markets.title)
    # the node page (no selection form there) has no ticks
    node_page = client.get(reverse("trees:tree_node", kwargs={"tenant_pk": world.tenant_a.pk,
                                                              "unit_id": root.id})).content.decode()
    assert 'form="tree-selection"' not in node_page
