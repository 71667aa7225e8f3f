"""Server time of an elimination proposal's page with 10,000 units (paged, filtered, sorted, by folder), and of its
CSV.

The page reads only SAM's database (the analysis result is stored as ProposalUnit rows): requests go
through Django's test client (session, permissions, queries, template) on a temporary SQLite database.

Usage: .venv/bin/python bench/elimination_proposal_page.py [--units 10000] [--requests 30]
Prints `name value unit` lines. Goal: elimination_proposal_page_p95 <= 300 ms (also with --units 50000: the review
page of issue 10 sorts, filters and groups by folder from indexed rows).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path


def setup(units: int):
    data_dir = Path(tempfile.mkdtemp(prefix="sam-bench-elimination-"))
    os.environ["SAM_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")  # development mode: SQLite, vitam-lite
    import django

    django.setup()
    import logging

    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOWED_HOSTS = ["*"]
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    logging.disable(logging.WARNING)
    call_command("migrate", verbosity=0)
    from sam.elimination.models import Proposal, ProposalUnit
    from tenants import services
    from tenants.models import Organisation, Role
    from tests.factories import make_organisation, make_tenant, make_user

    commune = make_organisation("Commune de banc d'essai")
    archives = make_organisation("Archives départementales", kind=Organisation.Kind.DEPARTMENTAL_ARCHIVES)
    services.controlled_organisations_set(actor=None, organisation=archives, controlled=[commune])
    tenant = make_tenant(commune, vitam_id=4444)
    archivist = make_user("bench.archivist", organisation=commune, role=Role.ARCHIVIST)
    controller = make_user("bench.controller", organisation=archives, role=Role.CONTROLLER)
    proposal = Proposal.objects.create(tenant=tenant, organisation=commune, title="Banc d'essai", reference="PE-BENCH",
                                       state=Proposal.State.SUBMITTED, analysis_date=date(2025, 1, 1),
                                       created_by=archivist, destroy_count=units)
    agencies = [f"BENCH-{code}" for code in ("URBA", "FIN", "RH", "DG", "EC")]
    started = time.perf_counter()
    ProposalUnit.objects.bulk_create([
        ProposalUnit(proposal=proposal, unit_id=f"aeaqaaaaaabench{index:010d}", title=f"Dossier {index} — permis",
                     level="File", start_date="2008-01-01", end_date="2008-12-31", agency=agencies[index % 5],
                     status="CONFLICT" if index % 20 == 0 else "DESTROY",
                     reasons=["Bloquée par la règle de gel HOL-00001."] if index % 20 == 0 else [],
                     rule_ids="APP-PC", rule_end_date=f"2018-{index % 12 + 1:02d}-28", size=1000 + index,
                     object_count=1, final_action="Destroy", parent_id=f"aeaqaaaaaafolder{index // 50:08d}",
                     parent_path=f"Urbanisme › Permis › Lot {index // 50:05d}",
                     included=index % 20 != 0) for index in range(units)], batch_size=2000)
    from sam.elimination.services import figures_refresh

    figures_refresh(proposal)  # as the analysis does once it has stored the units
    insert_seconds = time.perf_counter() - started
    return proposal, archivist, controller, insert_seconds


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    proposal, archivist, controller, insert_seconds = setup(args.units)
    from django.test import Client
    from django.urls import reverse

    kwargs = {"tenant_pk": proposal.tenant_id, "pk": proposal.pk}
    detail = reverse("elimination:proposal_detail", kwargs=kwargs)
    pages = max(1, args.units // 50)
    variants = [{}, {"page": pages // 2}, {"page": pages}, {"status": "CONFLICT"},
                {"agency": "BENCH-FIN", "page": 5}, {"order": "title", "page": pages // 3},
                {"order": "-rule_end", "text": "permis", "page": 3}, {"parent": "aeaqaaaaaafolder00000042"},
                {"order": "final_action", "included": "no"}]
    durations = []
    for user in (archivist, controller):
        browser = Client()
        browser.force_login(user)
        for index in range(args.requests):
            params = variants[index % len(variants)]
            started = time.perf_counter()
            response = browser.get(detail, params)
            durations.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
    browser = Client()
    browser.force_login(controller)
    decide = reverse("elimination:proposal_decide", kwargs=kwargs)
    decide_durations = []
    for _ in range(max(5, args.requests // 3)):
        started = time.perf_counter()
        assert browser.get(decide).status_code == 200
        decide_durations.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    response = browser.get(reverse("elimination:proposal_csv", kwargs=kwargs))
    size = sum(len(chunk) for chunk in response.streaming_content)
    csv_seconds = time.perf_counter() - started

    print(f"elimination_proposal_units {args.units} units")
    print(f"elimination_proposal_insert {insert_seconds:.2f} s")
    print(f"elimination_proposal_page_p50 {statistics.median(durations):.0f} ms")
    print(f"elimination_proposal_page_p95 {percentile(durations, 0.95):.0f} ms")
    print(f"elimination_proposal_page_max {max(durations):.0f} ms")
    print(f"elimination_proposal_decide_p95 {percentile(decide_durations, 0.95):.0f} ms")
    print(f"elimination_proposal_csv {csv_seconds:.2f} s")
    print(f"elimination_proposal_csv_bytes {size} bytes")


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
