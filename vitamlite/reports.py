"""Operation reports on disk: reports/<tenant>/<operation-id>.<kind>.json (a document) or .jsonl (lines).

    reports.write(store, tenant, op_id, "batchreport", [line, line, ...])   # JSON lines
    reports.write(store, tenant, op_id, "rulesreport", {...})                # one JSON document
    reports.write(store, tenant, op_id, "rulesreferential.csv", b"...")     # raw bytes kept as is
    handle = reports.open(store, tenant, op_id, "batchreport")             # binary file, or None

Written to a temporary name then renamed, so a reader never sees half a report. Operation ids must be
GUID-shaped and kinds simple words, so a URL can never name a file outside the tenant's directory.
"""

import builtins
import json
import os
import re
import tempfile
from pathlib import Path

from vitamlite.binaries import file_response
from vitamlite.ids import is_guid

_KIND = re.compile(r"^[a-z][a-z0-9_\-.]{0,40}$")


def _base(store, tenant: int, operation_id: str, kind: str) -> Path | None:
    if not is_guid(operation_id) or not _KIND.match(kind) or ".." in kind:
        return None
    return store.tenant_reports_dir(tenant) / f"{operation_id}.{kind}"


def path(store, tenant: int, operation_id: str, kind: str) -> Path | None:
    """Path of an existing report (whatever its form), or None."""
    base = _base(store, tenant, operation_id, kind)
    if base is None:
        return None
    for candidate in (base.with_name(base.name + ".jsonl"), base.with_name(base.name + ".json"), base):
        if candidate.is_file():
            return candidate
    return None


def target(store, tenant: int, operation_id: str, kind: str) -> Path:
    """Where a raw report of that kind goes, for writers that build it on disk themselves (a DIP's zip)."""
    base = _base(store, tenant, operation_id, kind)
    if base is None:
        raise ValueError(f"invalid report name {operation_id!r}.{kind!r}")
    return base


def write(store, tenant: int, operation_id: str, kind: str, obj) -> Path:
    """Write a report: dict → .json, list/iterable of dicts → .jsonl, bytes/str → raw file named <op>.<kind>."""
    base = _base(store, tenant, operation_id, kind)
    if base is None:
        raise ValueError(f"invalid report name {operation_id!r}.{kind!r}")
    if isinstance(obj, dict):
        target = base.with_name(base.name + ".json")
    elif isinstance(obj, (bytes, bytearray, str)):
        target = base
    else:
        target = base.with_name(base.name + ".jsonl")
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            if isinstance(obj, dict):
                handle.write(json.dumps(obj, ensure_ascii=False).encode("utf-8"))
            elif isinstance(obj, (bytes, bytearray)):
                handle.write(obj)
            elif isinstance(obj, str):
                handle.write(obj.encode("utf-8"))
            else:
                for line in obj:
                    handle.write(json.dumps(line, ensure_ascii=False).encode("utf-8") + b"\n")
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def open(store, tenant: int, operation_id: str, kind: str):  # noqa: A001 (module-level API name)
    """Open a report for binary reading, or None when there is none for this tenant and operation."""
    found = path(store, tenant, operation_id, kind)
    return builtins.open(found, "rb") if found is not None else None


def read(store, tenant: int, operation_id: str, kind: str):
    """Parsed report: a dict (.json), a list of dicts (.jsonl), bytes (raw), or None."""
    found = path(store, tenant, operation_id, kind)
    if found is None:
        return None
    data = found.read_bytes()
    if found.suffix == ".json":
        return json.loads(data)
    if found.suffix == ".jsonl":
        return [json.loads(line) for line in data.splitlines() if line.strip()]
    return data


def response(store, tenant: int, operation_id: str, kind: str, *, filename: str | None = None):
    """Streamed download response of a report, or None when absent."""
    found = path(store, tenant, operation_id, kind)
    if found is None:
        return None
    return file_response(builtins.open(found, "rb"), mimetype="application/octet-stream",
                         filename=filename or found.name)
