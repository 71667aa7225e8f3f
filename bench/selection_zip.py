"""Zip of a selection's files through SAM (issue 10, item 2): 200 units with one 1 MB original each by default.

A selection (a file and its items, stored in vitam-lite as an ingest stores them) is downloaded through the
selection's zip view: SAM plans the zip (/units/stream, object groups), then relays each binary from vitam-lite
over loopback HTTP into the zip it streams. vitam-lite runs in its own process, so the memory figure is SAM's.

Usage: .venv/bin/python bench/selection_zip.py [--units 200] [--object-kb 1024]
Prints `name value unit` lines. Goals: selection_zip_rss_growth far below the zip's size (nothing held whole),
selection_zip_throughput of the order of the DIP download's.
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
from csv_stream import rss_mb  # noqa: E402
from dip_export import store_units  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--object-kb", type=int, default=1024)
    args = parser.parse_args()
    server, tenant, archivist, _client = setup_world(0, vitam_process=True)
    data_dir = Path(os.environ["SAM_DATA_DIR"]) / "vitamlite"
    folder_id = store_units(tenant.vitam_id, data_dir, args.units, args.object_kb * 1024)

    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from sam.selection.models import Selection, SelectionEntry

    settings.ZIP_EXPORT_CONFIRM_UNITS = args.units + 10  # the bench measures the download, not the confirmation
    selection = Selection.objects.create(user=archivist, tenant=tenant, organisation=tenant.organisation,
                                         name="Permis 2008", kept=True)
    SelectionEntry.objects.create(selection=selection, kind=SelectionEntry.Kind.UNIT, unit_id=folder_id,
                                  label="Permis 2008", with_descendants=True)
    browser = Client()
    browser.force_login(archivist)
    url = reverse("selection:zip", args=[tenant.pk, selection.pk])
    before = peak = rss_mb()
    started = time.perf_counter()
    response = browser.post(url, {"usages": ["BinaryMaster"], "with_description": "on"})
    assert response.status_code == 200 and response.streaming, response.content[:2000]
    first_byte, size, chunks = None, 0, 0
    tail = b""
    for chunk in response.streaming_content:
        if first_byte is None:
            first_byte = time.perf_counter() - started
        size += len(chunk)
        chunks += 1
        tail = (tail + chunk)[-262144:]  # the central directory, to check the entries without keeping the zip
        if chunks % 64 == 0:
            peak = max(peak, rss_mb())
    elapsed = time.perf_counter() - started
    peak = max(peak, rss_mb())
    entries = tail.count(b"PK\x01\x02")  # central directory headers: one per entry
    assert entries == 2 * (args.units + 1) - 1, entries  # a description per unit, a file per item
    print(f"selection_zip_units {args.units + 1} units")
    print(f"selection_zip_entries {entries} entries")
    print(f"selection_zip_size {size / 1e6:.0f} MB")
    print(f"selection_zip_first_byte {first_byte * 1000:.0f} ms")
    print(f"selection_zip_seconds {elapsed:.2f} s")
    print(f"selection_zip_throughput {size / 1e6 / elapsed:.0f} MB/s")
    print(f"selection_zip_rss_growth {peak - before:.1f} MB")
    print(f"selection_zip_load_average {os.getloadavg()[0]:.1f} load")
    server.stop()


if __name__ == "__main__":
    main()
