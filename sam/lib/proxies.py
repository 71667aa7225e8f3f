"""Which peer is SAM's own reverse proxy: only its headers (X-Request-Id, X-Forwarded-For) are believed."""

import ipaddress

from django.conf import settings


def is_trusted_proxy(address: str | None) -> bool:
    """True when ``address`` (REMOTE_ADDR) lies in SAM_TRUSTED_PROXIES (settings.TRUSTED_PROXIES)."""
    try:
        peer = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(peer in network for network in settings.TRUSTED_PROXIES)
