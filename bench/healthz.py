"""/healthz answer time: the full request (database, task queue, Vitam /status over HTTP, disk) through Django.

Usage: .venv/bin/python bench/healthz.py [--requests 200]
Prints `name value unit` lines. Goal: healthz_p50 <= 50 ms (monitoring polls it every few seconds).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="sam-bench-healthz-"))
    os.environ["SAM_DATA_DIR"] = str(data_dir)
    os.environ["SAM_LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")  # development mode: SQLite, vitam-lite
    from vitamlite.server import start_in_thread

    server = start_in_thread(data_dir / "vitamlite", host="127.0.0.1", port=0, tenants="0-9")
    os.environ["SAM_VITAM_URL"] = server.base_url
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    browser = Client(HTTP_HOST="localhost")
    warm_up = browser.get("/healthz")  # connections opened once
    assert warm_up.status_code == 200, warm_up.content
    timings = []
    for _ in range(args.requests):
        started = time.perf_counter()
        response = browser.get("/healthz")
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content
    server.stop()
    timings.sort()
    print(f"healthz_p50 {statistics.median(timings):.1f} ms")
    print(f"healthz_p95 {timings[int(len(timings) * 0.95) - 1]:.1f} ms")


if __name__ == "__main__":
    main()
