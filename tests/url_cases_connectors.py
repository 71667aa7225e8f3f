"""URL cases of the connectors' door: authenticated by a client certificate, never by a session.

Signed-in users of any commune (and anonymous visitors) get Vitam's refusals there; the door's own
isolation (a connector of one commune on another's tenant) is tested in tests/connectors/.
"""

from tests.url_cases import PUBLIC, UrlCase, register

HEADERS_NOTE = "no client certificate: Vitam's 412/401, nothing stored"

register(
    UrlCase("door:endpoints", PUBLIC, methods=("options",), api=True, note=HEADERS_NOTE),
    UrlCase("door:ingest", PUBLIC, methods=("post",), api=True, note=HEADERS_NOTE),
    UrlCase("door:atr", PUBLIC, kwargs=lambda w: {"operation_id": "sam0123"}, api=True, note=HEADERS_NOTE),
    UrlCase("door:manifest", PUBLIC, kwargs=lambda w: {"operation_id": "sam0123"}, api=True, note=HEADERS_NOTE),
)
