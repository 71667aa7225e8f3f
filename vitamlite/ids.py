"""Vitam-like GUIDs: 22 bytes rendered as 36 lowercase base32 characters (e.g. "aeaqaaaaaahk...").

Layout modelled on Vitam's GUID (version, object type, tenant, platform, process, time, counter) so
identifiers look and sort like Vitam's; only uniqueness and shape matter to clients.
"""

import base64
import os
import secrets
import threading
import time

_VERSION = 1
_PLATFORM = secrets.token_bytes(4)
_lock = threading.Lock()
_counter = secrets.randbelow(1 << 20)
_last_ms = 0


def new_guid(tenant: int = 0, object_type: int = 0) -> str:
    """Return a new unique GUID string of 36 lowercase base32 characters."""
    global _counter, _last_ms
    with _lock:
        now_ms = int(time.time() * 1000)
        # Never go backwards in time (clock adjustments) so ids stay unique with the counter.
        if now_ms <= _last_ms:
            now_ms = _last_ms
        _last_ms = now_ms
        _counter = (_counter + 1) & 0xFFFFFF
        counter = _counter
    raw = (
        bytes([_VERSION, object_type & 0xFF])
        + (tenant & 0xFFFFFFFF).to_bytes(4, "big")
        + _PLATFORM
        + (os.getpid() & 0xFFFFFF).to_bytes(3, "big")
        + (now_ms & 0xFFFFFFFFFFFF).to_bytes(6, "big")
        + counter.to_bytes(3, "big")
    )
    return base64.b32encode(raw).decode("ascii").rstrip("=").lower()


def is_guid(value: str) -> bool:
    """True when value has the shape of a GUID produced by new_guid (used to reject junk ids early)."""
    return isinstance(value, str) and len(value) == 36 and all(c in "abcdefghijklmnopqrstuvwxyz234567" for c in value)
