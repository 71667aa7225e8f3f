"""URL cases of the filing trees: published-tree browser (Vitam) and drafts of commune B."""

from referentials.trees import services
from referentials.trees.models import TreePublication
from tests.url_cases import ARCHIVE_STAFF, ORGANISATION, UrlCase, register

GP = ("get", "post")
CSV = "Identifiant;Identifiant parent;Intitulé\nB;;Plan secret de B\nB1;B;Sous-série secrète de B\n"


def vitam_b(world):
    """Commune B's tenant set up in vitam-lite (agencies, rules, contracts), once per world."""
    if "trees_vitam_b" not in world.extra:
        from sam.site.demo import ensure_contracts, ensure_referentials
        from tenants.vitam_clients import ADMIN, vitam_client

        client = vitam_client(world.tenant_b, contract=ADMIN)
        ensure_referentials(client, world.org_b, say=lambda *_: None)
        ensure_contracts(client, world.tenant_b, say=lambda *_: None)
        world.extra["trees_vitam_b"] = True
    return world


def tenant_b(world):
    vitam_b(world)
    return {"tenant_pk": world.tenant_b.pk}


def draft_b(world):
    if "trees_draft_b" not in world.extra:
        world.extra["trees_draft_b"] = services.draft_import(
            actor=world.referent_b, tenant=world.tenant_b, kind="filing", title="Brouillon secret de B",
            data=CSV.encode(), fmt="csv")
    return world.extra["trees_draft_b"]


def draft_kwargs(world):
    vitam_b(world)
    return {"tenant_pk": world.tenant_b.pk, "pk": draft_b(world).pk}


def node_kwargs(world):
    draft = draft_b(world)
    return {"tenant_pk": world.tenant_b.pk, "pk": draft.pk, "node_pk": draft.nodes.get(identifier="B1").pk}


def unit_b(world):
    """A published holding unit of commune B."""
    if "trees_unit_b" not in world.extra:
        vitam_b(world)
        draft = services.draft_import(actor=world.referent_b, tenant=world.tenant_b, kind="holding",
                                      title="Arbre de B", data=CSV.encode(), fmt="csv")
        from referentials.trees.selectors import tenant_agencies, tree_roots

        agency = tenant_agencies(world.tenant_b)[0]["Identifier"]
        services.publish_start(actor=world.referent_b, draft=draft, version=draft.version,
                               originating_agency=agency, archival_agency=agency)
        world.extra["trees_unit_b"] = tree_roots(world.tenant_b, "holding")[0].id
    return {"tenant_pk": world.tenant_b.pk, "unit_id": world.extra["trees_unit_b"]}


def publication_b(world):
    unit_b(world)
    return {"tenant_pk": world.tenant_b.pk, "pk": TreePublication.objects.filter(draft__tenant=world.tenant_b).first().pk}


def node_data(world):
    return {"version": draft_b(world).version, "identifier": "X9", "title": "Intrus", "level": "Series"}


def version(world):
    return {"version": draft_b(world).version}


MARKERS = lambda w: ["Plan secret de B", "Sous-série secrète de B", "Brouillon secret de B"]  # noqa: E731

register(
    UrlCase("trees:tree_browser", ORGANISATION, kwargs=tenant_b, query=lambda w: {"kind": "all"}, markers=MARKERS),
    UrlCase("trees:tree_node", ORGANISATION, kwargs=unit_b, markers=MARKERS),
    UrlCase("trees:tree_children", ORGANISATION, kwargs=unit_b, markers=MARKERS),
    UrlCase("trees:tree_export_csv", ORGANISATION, kwargs=unit_b, markers=MARKERS),
    UrlCase("trees:draft_from_published", ORGANISATION, kwargs=unit_b, methods=GP,
            data=lambda w: {"title": "Copie"}, markers=MARKERS),
    UrlCase("trees:draft_list", ORGANISATION, kwargs=tenant_b, markers=MARKERS),
    UrlCase("trees:draft_create", ORGANISATION, kwargs=tenant_b, methods=GP,
            data=lambda w: {"kind": "filing", "title": "Intrus", "source": "empty"}),
    UrlCase("trees:draft_detail", ORGANISATION, kwargs=draft_kwargs, markers=MARKERS),
    UrlCase("trees:draft_preview", ORGANISATION, kwargs=draft_kwargs, markers=MARKERS),
    UrlCase("trees:draft_update", ORGANISATION, kwargs=draft_kwargs, methods=GP,
            data=lambda w: {**version(w), "title": "Renommé"}, markers=MARKERS),
    UrlCase("trees:draft_delete", ORGANISATION, kwargs=draft_kwargs, methods=GP, markers=MARKERS),
    UrlCase("trees:draft_export_csv", ORGANISATION, kwargs=draft_kwargs, markers=MARKERS),
    UrlCase("trees:draft_export_seda", ORGANISATION, kwargs=draft_kwargs, markers=MARKERS),
    UrlCase("trees:draft_publish", ORGANISATION, kwargs=draft_kwargs, methods=GP, data=version, markers=MARKERS),
    UrlCase("trees:node_add", ORGANISATION, kwargs=draft_kwargs, methods=GP, data=node_data, markers=MARKERS),
    UrlCase("trees:node_update", ORGANISATION, kwargs=node_kwargs, methods=GP,
            data=lambda w: {**node_data(w), "identifier": "B1"}, markers=MARKERS),
    UrlCase("trees:node_move", ORGANISATION, kwargs=node_kwargs, methods=GP,
            data=lambda w: {**version(w), "parent": ""}, markers=MARKERS),
    UrlCase("trees:node_delete", ORGANISATION, kwargs=node_kwargs, methods=GP, data=version, markers=MARKERS),
    UrlCase("trees:node_reorder", ORGANISATION, kwargs=node_kwargs, methods=("post",),
            data=lambda w: {**version(w), "direction": "up"}),
    UrlCase("trees:publication_detail", ORGANISATION, kwargs=publication_b, markers=MARKERS),
    UrlCase("trees:publication_atr", ORGANISATION, kwargs=publication_b, markers=MARKERS),
    UrlCase("trees:publication_refresh", ORGANISATION, kwargs=publication_b, methods=("post",)),
    roles=ARCHIVE_STAFF,
)

register(
    UrlCase("api-tree-published", ORGANISATION, api=True, kwargs=tenant_b, markers=MARKERS),
    UrlCase("api-tree-children", ORGANISATION, api=True, kwargs=unit_b, markers=MARKERS),
    UrlCase("api-tree-draft-list", ORGANISATION, api=True, kwargs=tenant_b, methods=GP,
            data=lambda w: {"kind": "filing", "title": "Intrus"}, markers=MARKERS),
    UrlCase("api-tree-draft-detail", ORGANISATION, api=True, kwargs=draft_kwargs, methods=("get", "patch", "delete"),
            data=lambda w: {**version(w), "title": "Renommé"}, markers=MARKERS),
    UrlCase("api-tree-node-list", ORGANISATION, api=True, kwargs=draft_kwargs, methods=GP, data=node_data,
            markers=MARKERS),
    UrlCase("api-tree-node-detail", ORGANISATION, api=True, kwargs=node_kwargs, methods=("get", "patch", "delete"),
            data=lambda w: {**version(w), "title": "Renommé"}, markers=MARKERS),
    UrlCase("api-tree-publish", ORGANISATION, api=True, kwargs=draft_kwargs, methods=("post",),
            data=lambda w: {**version(w), "originating_agency": "X", "archival_agency": "X"}, markers=MARKERS),
    roles=ARCHIVE_STAFF,
)
