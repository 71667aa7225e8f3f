"""CSV export of 100,000 units through SAM, read from Vitam's /units/stream (issue 11, item 4).

SAM (Django test client: the whole view, the Vitam client, the CSV writer) exports every unit of a search
matching all of them; vitam-lite runs in its own process, so the memory figures are SAM's alone.

Usage: .venv/bin/python bench/csv_stream.py [--units 100000]
Prints `name value unit` lines. Goals: csv_stream_seconds <= 60 s, csv_stream_first_byte <= 2000 ms, flat memory
(csv_stream_rss_growth does not grow with --units; compare two sizes).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from consultation_search import setup_world  # noqa: E402


def rss_mb() -> float:
    """Resident memory of this process now (Linux /proc), in MB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000)
    args = parser.parse_args()
    server, tenant, archivist, _client = setup_world(args.units, vitam_process=True)
    from django.test import Client
    from django.urls import reverse

    browser = Client()
    browser.force_login(archivist)
    url = reverse("consultation:search_export", args=[tenant.pk])
    columns = ["id", "title", "description", "level", "start", "end", "agency", "final_action"]
    browser.get(url, {"date_from": "1700-01-01", "date_to": "1700-01-02", "columns": columns})  # warm-up
    before = peak = rss_mb()
    started = time.perf_counter()
    response = browser.get(url, {"date_from": "1700-01-01", "columns": columns})
    assert response.status_code == 200 and response.streaming
    first_byte, lines, size = None, 0, 0
    for chunk in response.streaming_content:
        if first_byte is None:
            first_byte = time.perf_counter() - started
        lines += chunk.count(b"\r\n")
        size += len(chunk)
        if lines % 5000 < 2:
            peak = max(peak, rss_mb())
    elapsed = time.perf_counter() - started
    peak = max(peak, rss_mb())
    print(f"csv_stream_units {args.units} units")
    print(f"csv_stream_rows {lines - 1} rows")
    print(f"csv_stream_total_header {response['X-Total-Results']} units")
    print(f"csv_stream_seconds {elapsed:.2f} s")
    print(f"csv_stream_first_byte {first_byte * 1000:.0f} ms")
    print(f"csv_stream_rows_per_s {(lines - 1) / elapsed:.0f} rows/s")
    print(f"csv_stream_bytes {size} bytes")
    print(f"csv_stream_rss_growth {peak - before:.1f} MB")
    print(f"csv_stream_load_average {os.getloadavg()[0]:.1f} load")
    server.stop()


if __name__ == "__main__":
    main()
