"""Binary objects on disk, under objects/<tenant>/, streamed in 1 MiB chunks with their SHA-512.

Files are written to a temporary name then renamed, so a reader never sees half a file.
"""

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from werkzeug import Response
from werkzeug.wsgi import FileWrapper

from vitamlite.ids import new_guid

CHUNK_SIZE = 1024 * 1024


@dataclass(frozen=True)
class StoredBinary:
    path: str  # relative to the tenant's objects directory
    size: int
    sha512: str


def _tenant_root(store, tenant: int) -> Path:
    return store.tenant_objects_dir(tenant)


def resolve(store, tenant: int, relative_path: str) -> Path:
    """Absolute path of a stored binary; refuses anything escaping the tenant's directory."""
    root = _tenant_root(store, tenant).resolve()
    target = (root / relative_path).resolve()
    if root not in target.parents:
        raise ValueError("binary path outside the tenant's directory")
    return target


def object_path(object_id: str) -> str:
    """Relative path of the binary of an object version, named after its `#id` (two-level fan-out)."""
    if not object_id or "/" in object_id or object_id.startswith("."):
        raise ValueError(f"invalid object id {object_id!r}")
    return f"{object_id[-2:]}/{object_id}"


def put(store, tenant: int, source, *, name: str | None = None) -> StoredBinary:
    """Store a binary from a file object (read in chunks) or a path; returns its path, size and SHA-512.

    Ingest passes name=<object version #id> so that access finds it with object_path(#id)."""
    name = name or new_guid(tenant)
    relative = object_path(name)
    target = resolve(store, tenant, relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".part")
    digest = hashlib.sha512()
    size = 0
    opened = None
    if isinstance(source, (str, os.PathLike)):
        opened = open(source, "rb")
        source = opened
    try:
        with open(temporary, "wb") as out:
            while chunk := source.read(CHUNK_SIZE):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    finally:
        if opened is not None:
            opened.close()
    return StoredBinary(path=relative, size=size, sha512=digest.hexdigest())


def open_binary(store, tenant: int, relative_path: str):
    """Open a stored binary for reading (binary mode); FileNotFoundError if absent."""
    return open(resolve(store, tenant, relative_path), "rb")


def delete(store, tenant: int, relative_path: str) -> None:
    resolve(store, tenant, relative_path).unlink(missing_ok=True)


def sha512_of(path, *, chunk_size: int = CHUNK_SIZE) -> str:
    """SHA-512 of a file, read in chunks."""
    digest = hashlib.sha512()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def copy_stream(source, destination, *, chunk_size: int = CHUNK_SIZE) -> int:
    """Copy a stream in chunks; returns the number of bytes."""
    total = 0
    while chunk := source.read(chunk_size):
        destination.write(chunk)
        total += len(chunk)
    return total


def file_response(handle, *, size: int | None = None, mimetype="application/octet-stream", filename=None, headers=None):
    """A streamed Werkzeug response over an open binary file (never read whole in memory)."""
    response = Response(FileWrapper(handle, CHUNK_SIZE), mimetype=mimetype, direct_passthrough=True)
    if size is None:
        try:
            size = os.fstat(handle.fileno()).st_size
        except (AttributeError, OSError):
            size = None
    if size is not None:
        response.headers["Content-Length"] = str(size)
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def download(store, tenant: int, relative_path: str, **kwargs):
    """Streamed response for a stored binary."""
    handle = open_binary(store, tenant, relative_path)
    return file_response(handle, **kwargs)


__all__ = ["CHUNK_SIZE", "StoredBinary", "put", "open_binary", "resolve", "delete", "sha512_of", "download",
           "file_response", "copy_stream", "object_path"]
