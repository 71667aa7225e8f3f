"""Elimination of 50,000 archive units through SAM's services and vitam-lite: analysis, visa, action.

The units are loaded straight into a vitam-lite store as the trees of bench/vitam_elimination.py (fonds >
series > files > items, about 1,000 units a tree), every fonds carrying an expired DUA with the final action
Destroy and nothing below it holding them back, so that every unit is destroyable. vitam-lite runs in a
process of its own (as in production; --embedded for a thread of this process), and SAM's services run as
the background jobs do, against it over HTTP, in batches of SAM_VITAM_BATCH_SIZE units (Vitam's threshold):
candidate selection, ELIMINATION_ANALYSIS per batch, one ProposalUnit row per unit, the archivist's
submission, the controller's visa, ELIMINATION_ACTION per batch, the report and the certificate.

Usage: .venv/bin/python bench/elimination_50k.py [--units 50000] [--embedded]
Prints progress lines `elimination_50k_progress <elapsed>s <done>/<total> <message>` (from the jobs' own
progress hook), then `name value unit` lines: elimination_50k_analysis_seconds, elimination_50k_visa_seconds,
elimination_50k_action_seconds, elimination_50k_total_seconds (goal <= 300 s: analysis, visa and action, up to
the proposal executed), elimination_50k_certificate_seconds (the certificate's own job that follows: summary PDF
and annex CSV), the sizes of both, the process's peak memory, elimination_50k_vitam_operations, the units
destroyed and the units left in vitam-lite.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import vitam_elimination  # noqa: E402
from consultation_search import VitamLiteProcess  # noqa: E402

TENANT = 4550
EXPIRED_DUA = {"AppraisalRule": {"Rules": [{"Rule": "APP-00010", "StartDate": "1990-01-01",
                                            "EndDate": "2000-01-01"}], "FinalAction": "Destroy"}}


def load(vitam_dir: Path, count: int) -> float:
    """`count` units in trees whose fonds only carry an expired Destroy DUA, and SAM's access contract."""
    from vitamlite import units_store
    from vitamlite.referentials import store as referentials
    from vitamlite.store import Store

    started = time.perf_counter()
    vitam_elimination.TENANT = TENANT
    units = vitam_elimination.generate(random.Random(50), count)
    for unit in units:
        unit["#management"] = EXPIRED_DUA if not unit["#unitups"] else {}
    db = Store(vitam_dir).new_connection()
    referentials.put(db, TENANT, "access_contracts", {
        "Identifier": f"AC-TEST-{TENANT}", "Name": "bench", "Status": "ACTIVE", "EveryOriginatingAgency": True,
        "EveryDataObjectVersion": True, "WritingPermission": True})
    for start in range(0, len(units), 5000):
        units_store.insert_units(db, TENANT, units[start:start + 5000])
    db.commit()
    db.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=50_000)
    parser.add_argument("--embedded", action="store_true", help="vitam-lite in a thread of this process")
    args = parser.parse_args()
    label = f"{args.units // 1000}k" if args.units % 1000 == 0 else str(args.units)
    data_dir = Path(tempfile.mkdtemp(prefix="sam-bench-elimination-50k-"))
    os.environ["SAM_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")  # development mode: SQLite, vitam-lite
    vitam_dir = data_dir / "vitamlite"
    vitam_dir.mkdir()
    print(f"elimination_{label}_vitam_load_seconds {load(vitam_dir, args.units):.1f} s", flush=True)
    if args.embedded:
        from vitamlite.server import start_in_thread

        server = start_in_thread(vitam_dir, host="127.0.0.1", port=0, tenants=str(TENANT))
    else:
        server = VitamLiteProcess(vitam_dir, str(TENANT))
    os.environ["SAM_VITAM_URL"] = server.base_url
    try:
        run(args.units, label)
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)  # a 50,000-unit store and its certificate


def run(count: int, label: str) -> None:
    import django

    django.setup()
    import logging

    from django.conf import settings
    from django.core.management import call_command

    # The jobs run at once in this process, as the worker would run them.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["default", "vitam"]}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the notices, kept in memory
    logging.disable(logging.WARNING)
    call_command("migrate", verbosity=0)
    from sam.elimination import services, tasks
    from sam.elimination.models import Proposal, VitamBatch
    from sam.vitam.dsl import Select
    from tenants import services as tenant_services
    from tenants.models import Organisation, Role
    from tenants.vitam_clients import vitam_client
    from tests.factories import make_organisation, make_tenant, make_user

    commune = make_organisation("Commune de banc d'essai")
    archives = make_organisation("Archives départementales", kind=Organisation.Kind.DEPARTMENTAL_ARCHIVES)
    tenant_services.controlled_organisations_set(actor=None, organisation=archives, controlled=[commune])
    tenant = make_tenant(commune, vitam_id=TENANT)
    archivist = make_user("bench.archivist", organisation=commune, role=Role.ARCHIVIST)
    controller = make_user("bench.controller", organisation=archives, role=Role.CONTROLLER)

    started = time.perf_counter()
    last = {"at": 0.0, "message": None}
    job_progress = tasks.job_progress

    def printed_progress(job, done, total, message):
        """The jobs' progress as the archivist sees it, printed every 5 s and whenever the step changes."""
        step = str(message).split(":")[0]
        now = time.perf_counter()
        if now - last["at"] >= 5 or step != last["message"]:
            print(f"elimination_{label}_progress {now - started:.1f}s {done}/{total} {message}", flush=True)
            last.update(at=now, message=step)
        return job_progress(job, done, total, message)

    tasks.job_progress = printed_progress
    proposal = services.analysis_start(actor=archivist, tenant=tenant, title="Banc d'essai 50 000", mode="dua",
                                       criteria={}, date=date(2026, 1, 1))
    analysed = time.perf_counter()
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.DRAFT, proposal.error
    proposal = services.proposal_submit(actor=archivist, proposal=proposal)
    proposal = services.proposal_decide(actor=controller, proposal=proposal, approve=True, comment="Vu, bon pour")
    approved = time.perf_counter()
    approved_wall = time.time()
    proposal = services.proposal_execute_start(actor=archivist, proposal=proposal)
    certified = time.perf_counter()
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.EXECUTED, proposal.error
    # The elimination is done when the proposal is executed; the certificate's own job then runs (here at once,
    # in this process): its time is printed apart.
    executed = approved + (proposal.executed_at.timestamp() - approved_wall)
    left = vitam_client(tenant).search_units(Select().where({"$exists": "#id"}).limit(1).build()).total

    batches = VitamBatch.objects.filter(proposal=proposal)
    print(f"elimination_{label}_analysis_seconds {analysed - started:.1f} s")
    print(f"elimination_{label}_visa_seconds {approved - analysed:.2f} s")
    print(f"elimination_{label}_action_seconds {executed - approved:.1f} s")
    print(f"elimination_{label}_total_seconds {executed - started:.1f} s")
    print(f"elimination_{label}_certificate_seconds {certified - executed:.1f} s")
    print(f"elimination_{label}_total_with_certificate_seconds {certified - started:.1f} s")
    print(f"elimination_{label}_certificate_pdf_bytes {Path(proposal.certificate_path).stat().st_size} bytes")
    print(f"elimination_{label}_certificate_annex_bytes {Path(proposal.certificate_annex_path).stat().st_size} bytes")
    print(f"elimination_{label}_peak_rss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
    print(f"elimination_{label}_vitam_operations {batches.count()} operations")
    for kind in (VitamBatch.Kind.ANALYSIS, VitamBatch.Kind.ELIMINATION):
        print(f"elimination_{label}_vitam_operations_{kind} {batches.filter(kind=kind).count()} operations")
    print(f"elimination_{label}_candidates {proposal.candidate_count} units")
    print(f"elimination_{label}_destroyed {proposal.destroyed_count} units")
    print(f"elimination_{label}_units_left_in_vitam {left} units")


if __name__ == "__main__":
    main()
