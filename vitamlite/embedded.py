"""Embedded vitam-lite: started lazily once per process on a loopback port, for SAM without SAM_VITAM_URL.

    from vitamlite.embedded import base_url
    url = base_url()   # "http://127.0.0.1:PORT", same server for every caller of this process

Configuration comes from settings.VITAMLITE: DATA_DIR, TENANTS ("0-9"), FAULTS (fault spec), and optionally
ADMIN_TENANT (default settings.VITAM["ADMIN_TENANT"] or 1), CONTEXT (security context identifier) and
UNITS_STREAM_EXECUTION_LIMIT (units streams per tenant per day, 0 = unlimited, applied to the running server).
A different DATA_DIR/TENANTS/ADMIN_TENANT/CONTEXT starts another server (tests override settings);
a different FAULTS is applied to the running server. After a fork the child starts its own server.
"""

import atexit
import os
import threading

from django.conf import settings

from vitamlite.server import RunningServer, start_in_thread

_lock = threading.Lock()
_servers: dict[tuple, RunningServer] = {}
_pid = os.getpid()


def _settings() -> dict:
    lite = dict(getattr(settings, "VITAMLITE", {}) or {})
    vitam = getattr(settings, "VITAM", {}) or {}
    return {
        "data_dir": str(lite.get("DATA_DIR") or os.path.join(os.getcwd(), "var", "vitamlite")),
        "tenants": str(lite.get("TENANTS") or "0-9"),
        "admin_tenant": int(lite.get("ADMIN_TENANT", vitam.get("ADMIN_TENANT", 1))),
        "context": lite.get("CONTEXT") or None,
        "faults": lite.get("FAULTS") or "",
        "units_stream_execution_limit": int(lite.get("UNITS_STREAM_EXECUTION_LIMIT") or 0),
    }


def server() -> RunningServer:
    """The embedded RunningServer for the current settings (started on first call)."""
    global _pid
    config = _settings()
    key = (config["data_dir"], config["tenants"], config["admin_tenant"], config["context"])
    with _lock:
        if os.getpid() != _pid:
            # Forked child: the parent's serving thread does not exist here.
            _servers.clear()
            _pid = os.getpid()
        running = _servers.get(key)
        if running is None:
            running = start_in_thread(config["data_dir"], host="127.0.0.1", port=0, tenants=config["tenants"],
                                      admin_tenant=config["admin_tenant"], context=config["context"],
                                      faults=config["faults"])
            running.fault_spec = config["faults"]
            _servers[key] = running
        elif getattr(running, "fault_spec", "") != config["faults"]:
            running.set_faults(config["faults"])
            running.fault_spec = config["faults"]
        running.app.config.units_stream_execution_limit = config["units_stream_execution_limit"]
        return running


def base_url() -> str:
    """URL of the embedded vitam-lite server ("http://127.0.0.1:PORT")."""
    return server().base_url


def stop_all() -> None:
    """Stop every embedded server of this process (tests, interpreter exit)."""
    with _lock:
        servers = list(_servers.values())
        _servers.clear()
    for running in servers:
        running.stop()


atexit.register(stop_all)
