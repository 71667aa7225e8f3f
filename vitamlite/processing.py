"""Background workflows (ingest, eliminations, mass updates...) on a bounded thread pool.

`submit(store, fn, *args)` returns at once; the worker calls `fn(db, *args)` with its own connection,
commits when fn returns and rolls back if it raises (the exception is logged; the workflow is expected to
have recorded its KO/FATAL status in the logbook itself). fn may commit along the way so that pollers see
progress. Submit only after the request that created the operation has committed (see Ctx.on_commit).
"""

import logging
import os
from concurrent.futures import Future, ThreadPoolExecutor
from threading import Lock

logger = logging.getLogger(__name__)

MAX_WORKERS = int(os.environ.get("VITAMLITE_WORKERS", "2"))

_executors: dict[int, ThreadPoolExecutor] = {}
_lock = Lock()


def _executor(store) -> ThreadPoolExecutor:
    with _lock:
        executor = _executors.get(id(store))
        if executor is None:
            executor = ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="vitamlite-worker")
            _executors[id(store)] = executor
        return executor


def _run(store, fn, args):
    db = store.new_connection()
    try:
        result = fn(db, *args)
        db.commit()
        return result
    except BaseException:
        db.rollback()
        logger.exception("vitam-lite workflow %s failed", getattr(fn, "__name__", fn))
        raise
    finally:
        db.close()


def submit(store, fn, *args) -> Future:
    """Run fn(db, *args) in the background; returns a Future (tests may wait on it)."""
    return _executor(store).submit(_run, store, fn, args)


def shutdown(store, *, wait: bool = True) -> None:
    """Stop the store's workers (server shutdown)."""
    with _lock:
        executor = _executors.pop(id(store), None)
    if executor is not None:
        executor.shutdown(wait=wait, cancel_futures=not wait)
