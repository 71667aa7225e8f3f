"""URL cases of the connectors: the referent's pages, and the door (a client certificate, never a session).

Signed-in users of any commune (and anonymous visitors) get Vitam's refusals there; the door's own
isolation (a connector of one commune on another's tenant) is tested in tests/connectors/.
"""

from sam.connectors.models import Connector
from sam.connectors.services import connector_create, connector_suspend
from tests.connectors.helpers import make_certificate
from tests.url_cases import ORGANISATION, PUBLIC, REFERENT_ONLY, UrlCase, register

HEADERS_NOTE = "no client certificate: Vitam's 412/401, nothing stored"

register(
    UrlCase("door:endpoints", PUBLIC, methods=("options",), api=True, note=HEADERS_NOTE),
    UrlCase("door:ingest", PUBLIC, methods=("post",), api=True, note=HEADERS_NOTE),
    UrlCase("door:atr", PUBLIC, kwargs=lambda w: {"operation_id": "sam0123"}, api=True, note=HEADERS_NOTE),
    UrlCase("door:manifest", PUBLIC, kwargs=lambda w: {"operation_id": "sam0123"}, api=True, note=HEADERS_NOTE),
)


def connector_b(world):
    connector = connector_create(actor=None, organisation=world.org_b, name="Pastell B",
                                 tenants=[world.tenant_b], certificate_pem=make_certificate("pastell-b"))
    return {"org_pk": world.org_b.pk, "pk": connector.pk}


def suspended_connector_b(world):
    kwargs = connector_b(world)
    connector_suspend(actor=None, connector=Connector.objects.get(pk=kwargs["pk"]))
    return kwargs


# The referent's pages (and platform administrators'): commune B's connectors.
register(
    UrlCase("connectors:connector_list", ORGANISATION, kwargs=lambda w: {"org_pk": w.org_b.pk}),
    UrlCase("connectors:connector_create", ORGANISATION, kwargs=lambda w: {"org_pk": w.org_b.pk},
            methods=("get", "post"), data=lambda w: {"name": "Forged", "tenants": [w.tenant_b.pk]}),
    UrlCase("connectors:connector_detail", ORGANISATION, kwargs=connector_b),
    UrlCase("connectors:connector_suspend", ORGANISATION, kwargs=connector_b, methods=("post",)),
    UrlCase("connectors:connector_resume", ORGANISATION, kwargs=suspended_connector_b, methods=("post",)),
    UrlCase("connectors:connector_rotate", ORGANISATION, kwargs=connector_b, methods=("get", "post")),
    roles=REFERENT_ONLY,
)
