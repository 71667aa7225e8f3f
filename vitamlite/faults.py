"""Fault injection for reliability tests: slow answers, error statuses, dropped and truncated connections.

Spec: "mode:path_prefix[=value];..." where mode is
    slow      sleep `value` seconds (default 1) then answer normally
    error     answer status `value` (default 503) with a VitamError body (also "error503:/prefix")
    drop      close the connection without answering
    truncate  send the headers and half of the body, then close
Rules are matched on the request path prefix ("*" or "/" matches everything), before routing.
"""

import socket
from dataclasses import dataclass


class FaultSpecError(ValueError):
    pass


@dataclass(frozen=True)
class Fault:
    mode: str
    prefix: str
    value: float | int | None = None

    def matches(self, path: str) -> bool:
        return self.prefix in ("*", "") or path.startswith(self.prefix)


MODES = ("slow", "error", "drop", "truncate")


def parse(spec: str | None) -> list[Fault]:
    """Parse a fault spec; raises FaultSpecError with the offending part."""
    faults = []
    for part in (spec or "").split(";"):
        part = part.strip()
        if not part:
            continue
        mode, sep, rest = part.partition(":")
        if not sep:
            raise FaultSpecError(f"fault {part!r}: expected mode:path_prefix[=value]")
        mode = mode.strip().lower()
        prefix, _, raw_value = rest.partition("=")
        value = None
        if mode.startswith("error") and mode != "error":
            raw_value = raw_value or mode[len("error"):]
            mode = "error"
        if mode not in MODES:
            raise FaultSpecError(f"fault {part!r}: unknown mode {mode!r} (expected one of {', '.join(MODES)})")
        try:
            if mode == "slow":
                value = float(raw_value) if raw_value else 1.0
            elif mode == "error":
                value = int(raw_value) if raw_value else 503
                if not 400 <= value <= 599:
                    raise FaultSpecError(f"fault {part!r}: error status must be 4xx or 5xx")
        except ValueError as exc:
            if isinstance(exc, FaultSpecError):
                raise
            raise FaultSpecError(f"fault {part!r}: bad value {raw_value!r}") from exc
        faults.append(Fault(mode, prefix.strip() or "*", value))
    return faults


def close_client_socket(environ) -> bool:
    """Shut the client connection down (Werkzeug's dev server exposes it as werkzeug.socket)."""
    sock = environ.get("werkzeug.socket")
    if sock is None:
        return False
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    return True


class DroppedConnection(ConnectionAbortedError):
    """Raised to abort the WSGI call once the socket is closed by a drop fault."""
