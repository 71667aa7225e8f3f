"""DIP export of 1,000 units with 1,000 objects (about 1 GB) through SAM (issue 11, item 1).

A selection (a file and its 1,000 items, one 1 MB BinaryMaster each) is communicated: SAM asks vitam-lite for
EXPORT_DIP and follows it (the job's work is run in this process), then the DIP is downloaded through SAM's download view
(the Django view relays Vitam's stream chunk by chunk). vitam-lite runs in its own process, so the memory figure
is SAM's alone; the download goes over loopback HTTP from vitam-lite to SAM.

Usage: .venv/bin/python bench/dip_export.py [--units 1000] [--object-kb 1024] [--threshold N]
(--threshold: Vitam's distribution threshold lowered, so that the communication runs as several EXPORT_DIP)
Prints `name value unit` lines. Goals: dip_sam_rss_growth < 100 MB, dip_download_throughput >= 100 MB/s.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from consultation_search import setup_world  # noqa: E402
from csv_stream import rss_mb  # noqa: E402


def store_units(tenant: int, data_dir: Path, count: int, object_bytes: int) -> str:
    """A file and `count` items with one BinaryMaster each, stored as vitam-lite stores an ingest; returns the
    file's id."""
    from vitamlite import binaries, units_store
    from vitamlite.ids import new_guid
    from vitamlite.store import Store

    store = Store(data_dir)
    db = store.new_connection()
    agency, opi = "BENCH-URBA", new_guid(tenant)
    common = {"#unitType": "INGEST", "#originating_agency": agency, "#originating_agencies": [agency], "#opi": opi,
              "#operations": [opi], "#management": {}}
    folder = {"#id": new_guid(tenant), "Title": "Permis de construire 2008", "DescriptionLevel": "File",
              "#unitups": [], **common}
    block = os.urandom(object_bytes)
    units, groups = [], []
    for n in range(count):
        unit_id, group_id, object_id = new_guid(tenant), new_guid(tenant), new_guid(tenant)
        content = f"{n:08d}".encode() + block[8:]
        stored = binaries.put(store, tenant, io.BytesIO(content), name=object_id)
        units.append({"#id": unit_id, "Title": f"PC {n:04d}", "DescriptionLevel": "Item", "#object": group_id,
                      "#unitups": [folder["#id"]], **common})
        groups.append({"#id": group_id, "#unitups": [unit_id], "#originating_agency": agency, "#opi": opi,
                       "#nbobjects": 1, "#qualifiers": [{"qualifier": "BinaryMaster", "#nbc": 1, "versions": [{
                           "#id": object_id, "DataObjectGroupId": group_id, "DataObjectVersion": "BinaryMaster_1",
                           "Size": stored.size, "MessageDigest": stored.sha512, "Algorithm": "SHA-512",
                           "FileInfo": {"Filename": f"pc-{n:04d}.pdf"}, "#storage": {"path": stored.path}}]}]})
    units_store.insert_units(db, tenant, [folder, *units])
    units_store.insert_object_groups(db, tenant, groups)
    db.commit()
    db.close()
    return folder["#id"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--object-kb", type=int, default=1024)
    parser.add_argument("--threshold", type=int, default=0,
                        help="units per EXPORT_DIP (Vitam's distribution threshold): past it, the DIP comes in parts")
    args = parser.parse_args()
    server, tenant, archivist, _client = setup_world(0, vitam_process=True)
    if args.threshold:
        from django.conf import settings

        settings.VITAM = {**settings.VITAM, "DISTRIBUTION_THRESHOLD": args.threshold}
    data_dir = Path(os.environ["SAM_DATA_DIR"]) / "vitamlite"
    folder_id = store_units(tenant.vitam_id, data_dir, args.units, args.object_kb * 1024)

    from django.test import Client
    from django.urls import reverse

    from sam.communication.models import Communication
    from sam.communication.services import communication_run, communication_start
    from sam.selection.models import Selection, SelectionEntry

    selection = Selection.objects.create(user=archivist, tenant=tenant, organisation=tenant.organisation,
                                         name="Permis 2008", kept=True)
    SelectionEntry.objects.create(selection=selection, kind=SelectionEntry.Kind.UNIT, unit_id=folder_id,
                                  label="Permis 2008", with_descendants=True)
    started = time.perf_counter()
    communication = communication_start(actor=archivist, selection=selection, purpose="research", purpose_detail="",
                                        requester_name="Banc d'essai", requester_service="", usages=["BinaryMaster"],
                                        with_logbook=False)
    if communication.state == Communication.State.RUNNING:  # the job waits for a worker: run it here
        communication_run(communication=communication, on_progress=lambda *progress: None)
    build_seconds = time.perf_counter() - started
    communication.refresh_from_db()
    assert communication.state == Communication.State.READY, communication.error

    browser = Client()
    browser.force_login(archivist)
    parts = list(communication.parts.all())
    before = peak = rss_mb()
    started = time.perf_counter()
    size, chunks = 0, 0
    for part in parts:  # one DIP per part, each relayed as Vitam streams it
        response = browser.get(reverse("communication:part_download", args=[tenant.pk, communication.pk, part.index]))
        assert response.status_code == 200 and response.streaming
        for chunk in response.streaming_content:
            size += len(chunk)
            chunks += 1
            if chunks % 64 == 0:
                peak = max(peak, rss_mb())
    elapsed = time.perf_counter() - started
    peak = max(peak, rss_mb())
    print(f"dip_units {communication.exported_units} units")
    print(f"dip_parts {len(parts)} parts")
    print(f"dip_objects {communication.exported_objects} objects")
    print(f"dip_size {size / 1e6:.0f} MB")
    print(f"dip_build_seconds {build_seconds:.1f} s")
    print(f"dip_download_seconds {elapsed:.2f} s")
    print(f"dip_download_throughput {size / 1e6 / elapsed:.0f} MB/s")
    print(f"dip_sam_rss_growth {peak - before:.1f} MB")
    print(f"dip_load_average {os.getloadavg()[0]:.1f} load")
    server.stop()


if __name__ == "__main__":
    main()
