"""cProfile of SAM's other main pages: unit, tree, deposit list, proposal, journal (see bench/README.md).

The same pages as bench/load_portal.py (a unit's page: a folder with its children, and an item with its document;
the trees page, the deposit list, the elimination proposals, the journal of operations) plus an elimination
proposal's review page, in a world that holds what each page shows: a commune with its referentials, contracts,
holding tree, published filing plan and demo deposits ingested into vitam-lite (sam.site.demo: units with children
and objects, ingest operations in the journal), a few dozen deposits and an elimination proposal of some hundred
units in SAM's database (SQLite). vitam-lite is served over HTTP from a thread, as in bench/profile_search.py.
DEBUG is off before the first page, as in production. For each page: the queries of one page, SAM's CPU per page
without the profiler (this thread's CPU time, p50 over --pages pages), then with cProfile and the costliest
functions.

Usage: .venv/bin/python bench/profile_pages.py [--page unit|item|tree|deposits|proposal|review|journal|all]
       [--pages 50] [--deposits 40] [--proposal-units 300] [--stats FILE] [--lines 25] [--sql] [--save-html DIR]
--save-html writes each page's HTML to DIR/<page>.html (to compare a page before and after a change).
Prints `profile_<page>_cpu_p50 X ms` and `profile_<page>_queries N queries` for each page.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from trees_publish import setup  # noqa: E402

PAGES = ("unit", "item", "tree", "deposits", "proposal", "review", "journal")


def build_world(deposits: int, proposal_units: int):
    """Returns (server, tenant, archivist, {page: url})."""
    server, tenant, _referent = setup()
    from django.urls import reverse
    from django.utils import timezone

    from sam.deposits.models import Deposit
    from sam.elimination.models import Proposal, ProposalUnit
    from sam.elimination.services import figures_refresh
    from sam.site.demo import contract_ids, ensure_referentials, ensure_trees_and_deposits
    from sam.vitam.client import VitamClient, VitamContext
    from sam.vitam.dsl import Select, eq
    from tenants.models import Role
    from tests.factories import make_user

    organisation = tenant.organisation
    archivist = make_user("bench.pages.archivist", organisation=organisation, role=Role.ARCHIVIST)
    admin_client = VitamClient(VitamContext(tenant=tenant.vitam_id), organisation=organisation)
    rule_types = ensure_referentials(admin_client, organisation, say=lambda *_: None)
    access = VitamClient(VitamContext(tenant=tenant.vitam_id, access_contract=contract_ids(tenant)[1]),
                         organisation=organisation)
    ensure_trees_and_deposits(access, tenant, rule_types, say=lambda *_: None)
    def unit_id(title):
        return access.search_units(Select().where(eq("Title", title)).limit(1).fields("#id").build()).results[0]["#id"]

    # The ten years of letters: a folder with ten items (unit), and one of them with its document (item).
    folder, item = unit_id("Courrier arrivé du cabinet du maire — 2015-2024"), unit_id("Courrier arrivé — 2024")
    states = list(Deposit.State)
    for index in range(deposits):
        Deposit.objects.create(tenant=tenant, organisation=organisation, created_by=archivist,
                               title=f"Versement de banc d'essai {index}", state=states[index % len(states)])
    proposal = Proposal.objects.create(
        tenant=tenant, organisation=organisation, title="Proposition de banc d'essai", reference="PE-BENCH",
        state=Proposal.State.SUBMITTED, analysis_date=date(2025, 1, 1), created_by=archivist,
        submitted_by=archivist, submitted_at=timezone.now())
    ProposalUnit.objects.bulk_create([
        ProposalUnit(proposal=proposal, unit_id=f"aeaqaaaaaabench{index:010d}", title=f"Dossier {index} — permis",
                     level="File", start_date="2008-01-01", end_date="2008-12-31", agency="BENCH-URBA",
                     status="CONFLICT" if index % 20 == 0 else "DESTROY",
                     reasons=["Bloquée par la règle de gel HOL-00001."] if index % 20 == 0 else [],
                     rule_ids="APP-PC", rule_end_date=f"2018-{index % 12 + 1:02d}-28", size=1000 + index,
                     object_count=1, final_action="Destroy", parent_id=f"aeaqaaaaaafolder{index // 50:08d}",
                     parent_path=f"Urbanisme › Permis › Lot {index // 50:05d}", included=index % 20 != 0)
        for index in range(proposal_units)])
    figures_refresh(proposal)
    tenant_args = [tenant.pk]
    urls = {
        "unit": reverse("consultation:unit_detail", args=[tenant.pk, folder]),
        "item": reverse("consultation:unit_detail", args=[tenant.pk, item]),
        "tree": reverse("trees:tree_browser", args=tenant_args),
        "deposits": reverse("deposits:deposit_list", args=tenant_args),
        "proposal": reverse("elimination:proposal_list", args=tenant_args),
        "review": reverse("elimination:proposal_detail", args=[tenant.pk, proposal.pk]),
        "journal": reverse("consultation:operation_list", args=tenant_args),
    }
    return server, tenant, archivist, urls


def profile_page(browser, name, url, args):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):  # imports, URL resolution, templates and caches loaded, as in a running worker
        response = browser.get(url)
        assert response.status_code == 200, (url, response.status_code)
    if args.save_html:
        Path(args.save_html).mkdir(parents=True, exist_ok=True)
        (Path(args.save_html) / f"{name}.html").write_bytes(response.content)
    with CaptureQueriesContext(connection) as captured:
        browser.get(url)
    print(f"profile_{name}_queries {len(captured)} queries")
    if args.sql:
        for query in captured:
            print("#", query["sql"][:160])
    cpu_per_page = []
    for _ in range(args.pages):
        started = time.thread_time()
        browser.get(url)
        cpu_per_page.append((time.thread_time() - started) * 1000)
    print(f"profile_{name}_cpu_p50 {statistics.median(cpu_per_page):.1f} ms")
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.pages):
        browser.get(url)
    profile.disable()
    if args.lines:
        stats = pstats.Stats(profile, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(args.lines)
        stats.sort_stats("tottime").print_stats(args.lines)
    if args.stats:
        pstats.Stats(profile).dump_stats(f"{args.stats}.{name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", choices=(*PAGES, "all"), default="all")
    parser.add_argument("--pages", type=int, default=50, help="pages requested per measure")
    parser.add_argument("--deposits", type=int, default=40)
    parser.add_argument("--proposal-units", type=int, default=300)
    parser.add_argument("--stats", help="also save each page's profile to FILE.<page>, for pstats or snakeviz")
    parser.add_argument("--lines", type=int, default=25, help="functions printed, by cumulative then own time")
    parser.add_argument("--sql", action="store_true", help="print the SQL of one page")
    parser.add_argument("--save-html", help="write each page's HTML to this folder")
    args = parser.parse_args()
    server, _tenant, archivist, urls = build_world(args.deposits, args.proposal_units)
    from django.conf import settings
    from django.test import Client

    settings.DEBUG = False  # before the first page: the template engines read it when they are built
    print(f"profile_pages_load_average {os.getloadavg()[0]:.2f} load")
    browser = Client()
    browser.force_login(archivist)
    for name in PAGES if args.page == "all" else (args.page,):
        profile_page(browser, name, urls[name], args)
    server.stop()


if __name__ == "__main__":
    main()
