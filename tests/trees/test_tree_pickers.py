"""Tree forms ask for no identifier: a node moves under a parent chosen in a list of the draft's nodes (never
itself nor one of its descendants), and a draft is attached under a published unit chosen with a picker."""

import pytest
from django.urls import reverse

from tests.trees.test_drafts import create

pytestmark = pytest.mark.django_db


def test_a_node_moves_under_a_parent_chosen_by_its_label_and_never_under_its_own_branch(world, client):
    draft = create(world, "Identifiant;Identifiant parent;Intitulé\nA;;Racine A\nA1;A;Un\nA11;A1;Sous un\n"
                          "B;;Racine B\n".encode())
    nodes = {node.identifier: node for node in draft.nodes.all()}
    client.force_login(world.referent_a)
    move = reverse("trees:node_move", kwargs={"tenant_pk": world.tenant_a.pk, "pk": draft.pk,
                                              "node_pk": nodes["A1"].pk})
    form = client.get(move).context["form"]
    choices = form.fields["parent"].widget.choices
    assert choices[0][0] == "" and [value for value, _label in choices[1:]] == ["A", "B"]
    assert ("B", "B — Racine B") in choices
    page = client.get(move).content.decode()
    assert '<select name="parent"' in page and "Premier niveau de l’arbre" in page

    response = client.post(move, {"version": draft.version, "parent": "B"})
    assert response.status_code == 302
    nodes["A1"].refresh_from_db()
    assert nodes["A1"].parent == nodes["B"]
    # a value outside the list (typed by hand into the request) is refused on the field, nothing moves
    draft.refresh_from_db()
    response = client.post(move, {"version": draft.version, "parent": "ZZZ"})
    assert "ZZZ" in str(response.context["form"].errors["parent"])
    nodes["A1"].refresh_from_db()
    assert nodes["A1"].parent == nodes["B"]


def test_draft_forms_attach_under_a_unit_chosen_with_the_tenants_picker(world, client):
    client.force_login(world.referent_a)
    page = client.get(reverse("trees:draft_create", kwargs={"tenant_pk": world.tenant_a.pk})).content.decode()
    assert f'data-picker-url="/t/{world.tenant_a.pk}/pickers/units/"' in page
    assert "identifier in the archive system" not in page and "identifiant dans le système" not in page
