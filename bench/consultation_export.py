"""CSV export of every search result through SAM (Vitam's /units/stream, streamed), against vitam-lite over HTTP.

Usage: .venv/bin/python bench/consultation_export.py [--units 20000]
Prints `name value unit` lines. Goal: consultation_export_seconds <= 10 s, first bytes long before the end.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from consultation_search import setup_world  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=20_000)
    args = parser.parse_args()
    server, tenant, archivist, _client = setup_world(args.units)
    from django.test import Client
    from django.urls import reverse

    browser = Client()
    browser.force_login(archivist)
    url = reverse("consultation:search_export", args=[tenant.pk])
    columns = ["id", "title", "description", "level", "start", "end", "agency", "final_action"]
    tracemalloc.start()
    started = time.perf_counter()
    response = browser.get(url, {"date_from": "1700-01-01", "columns": columns})
    assert response.status_code == 200 and response.streaming
    first_byte, lines, size = None, 0, 0
    for chunk in response.streaming_content:
        if first_byte is None:
            first_byte = time.perf_counter() - started
        lines += chunk.count(b"\r\n")
        size += len(chunk)
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    print(f"consultation_export_rows {lines - 1} rows")
    print(f"consultation_export_seconds {elapsed:.2f} s")
    print(f"consultation_export_first_byte {first_byte * 1000:.0f} ms")
    print(f"consultation_export_bytes {size} bytes")
    print(f"consultation_export_python_peak_memory {peak / 1e6:.1f} MB")
    server.stop()


if __name__ == "__main__":
    main()
