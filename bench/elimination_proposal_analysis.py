"""An elimination analysis through SAM over 10,000 candidate units: Vitam's analysis, then SAM reading the
indexed units (with inherited rules and object sizes) and storing one ProposalUnit row per unit.

Units are loaded straight into a vitam-lite store (the trees of bench/vitam_elimination.py: fonds with
expired or running DUA, holds on some series, Keep overrides on some files), then SAM's service runs as
the background task does, against vitam-lite over HTTP.

Usage: .venv/bin/python bench/elimination_proposal_analysis.py [--units 17000]
Prints `name value unit` lines: the whole analysis time, the part spent reading and storing in SAM, the rows.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import vitam_elimination  # noqa: E402

TENANT = 4545


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=17_000)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="sam-bench-elimination-analysis-"))
    os.environ["SAM_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")  # development mode: SQLite, vitam-lite
    vitam_elimination.TENANT = TENANT
    from vitamlite.referentials import store as referentials
    from vitamlite.server import start_in_thread
    from vitamlite.store import Store

    vitam_dir = data_dir / "vitamlite"
    vitam_dir.mkdir()
    load_seconds = vitam_elimination.load(vitam_dir, args.units)
    store = Store(vitam_dir)
    db = store.new_connection()
    referentials.put(db, TENANT, "access_contracts", {
        "Identifier": f"AC-TEST-{TENANT}", "Name": "bench", "Status": "ACTIVE", "EveryOriginatingAgency": True,
        "EveryDataObjectVersion": True, "WritingPermission": True})
    db.commit()
    db.close()
    server = start_in_thread(vitam_dir, host="127.0.0.1", port=0, tenants=str(TENANT))
    os.environ["SAM_VITAM_URL"] = server.base_url
    import django

    django.setup()
    import logging

    from django.conf import settings
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["default", "vitam"]}}
    logging.disable(logging.WARNING)
    call_command("migrate", verbosity=0)
    from sam.elimination import services
    from sam.elimination.models import ProposalUnit
    from tenants.models import Role
    from tests.factories import make_organisation, make_tenant, make_user

    organisation = make_organisation("Commune de banc d'essai")
    tenant = make_tenant(organisation, vitam_id=TENANT)
    archivist = make_user("bench.archivist", organisation=organisation, role=Role.ARCHIVIST)
    marks = {}
    original = services.vitam_side.analysed_units

    def timed_reading(*a, **k):
        marks["vitam_done"] = time.perf_counter()
        yield from original(*a, **k)

    services.vitam_side.analysed_units = timed_reading
    started = time.perf_counter()
    proposal = services.analysis_start(actor=archivist, tenant=tenant, title="Banc d'essai", mode="dua",
                                       criteria={}, date=date(2026, 1, 1))
    elapsed = time.perf_counter() - started
    proposal.refresh_from_db()
    try:
        assert proposal.state == "draft", proposal.error
        rows = ProposalUnit.objects.filter(proposal=proposal).count()
        print(f"elimination_bench_vitam_load {load_seconds:.1f} s")
        print(f"elimination_proposal_analysis_seconds {elapsed:.1f} s")
        print(f"elimination_proposal_sam_read_store_seconds {time.perf_counter() - marks['vitam_done']:.1f} s")
        print(f"elimination_proposal_rows {rows} rows")
        print(f"elimination_proposal_destroy {proposal.destroy_count} units")
        print(f"elimination_proposal_conflict {proposal.conflict_count} units")
        print(f"elimination_proposal_keep {proposal.keep_count} units")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
