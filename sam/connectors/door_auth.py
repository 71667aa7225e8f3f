"""Who knocks at the door: the connector of the TLS client certificate the HTTPS proxy verified.

nginx passes the certificate as X-SSL-Client-Cert ($ssl_client_escaped_cert: URL-encoded PEM). The
header is believed only from SAM_TRUSTED_PROXIES: from any other address it is an attempt to pass for
a connector and is refused, as Vitam refuses it without allowSslClientHeader.
"""

import logging


from sam.connectors.certificates import fingerprint_of_header
from sam.connectors.selectors import active_connector_by_fingerprint
from sam.lib.proxies import is_trusted_proxy

logger = logging.getLogger(__name__)
CERTIFICATE_HEADER = "HTTP_X_SSL_CLIENT_CERT"


class DoorRefused(Exception):
    """Vitam's answer to an unauthenticated call: status and VitamError fields."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


def door_connector(request):
    """The active connector whose certificate the trusted proxy passed; DoorRefused otherwise."""
    header = request.META.get(CERTIFICATE_HEADER, "")
    remote = request.META.get("REMOTE_ADDR", "")
    if header and not is_trusted_proxy(remote):
        logger.warning("connector door: X-SSL-Client-Cert sent from untrusted address %s", remote)
        raise DoorRefused(403, "Client certificate header from an untrusted address")
    if not header:
        raise DoorRefused(401, "No client certificate")
    fingerprint = fingerprint_of_header(header)
    connector = active_connector_by_fingerprint(fingerprint) if fingerprint else None
    if connector is None:
        raise DoorRefused(401, "No active context for this certificate")
    return connector
