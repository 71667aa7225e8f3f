"""What a Vitam identifier tells by itself: Vitam's GUIDs carry the tenant they were made on.

A GUID is 22 bytes in base32 (36 lowercase characters): version, object type, then the tenant on 4 bytes
(Vitam's GUIDImplPrivate layout, which vitam-lite follows). Identifiers of another shape say nothing.
"""

from __future__ import annotations

import base64
import binascii

GUID_LENGTH = 36


def tenant_of_id(identifier: str) -> int | None:
    """The tenant a Vitam GUID was made on, or None when the text is not a GUID."""
    if not isinstance(identifier, str) or len(identifier) != GUID_LENGTH:
        return None
    try:
        raw = base64.b32decode(identifier.upper() + "=" * 4)
    except (binascii.Error, ValueError):
        return None
    return int.from_bytes(raw[2:6], "big")
