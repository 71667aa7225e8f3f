"""A 5,000-node filing plan, from its CSV file to a COMPLETED ingest in vitam-lite, through SAM's services.

Steps timed: CSV check and import into a draft (SAM's database), then publication (draft check, SEDA 2.1
SIP, schema validation, FILING_SCHEME ingest over HTTP, follow-up until COMPLETED, ATR), run in the
background job's code (django-tasks' immediate backend here).

Usage: .venv/bin/python bench/trees_publish.py [--nodes 5000]
Prints `name value unit` lines. Goal: filing_plan_5000_to_completed_seconds <= 60 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def plan_csv(count: int) -> bytes:
    """10 series × 20 sub-series × 24 files (+ levels above), cut at `count` nodes."""
    lines = ["Identifiant;Identifiant parent;Intitulé;Niveau de description;Description;Règles;Sort final"]
    for series in range(1, 100):
        lines.append(f"{series};;Série {series};Série;;;")
        for sub in range(1, 21):
            lines.append(f"{series}.{sub};{series};Sous-série {series}.{sub};Sous-série;;APP-DELIB;Conserver")
            for item in range(1, 25):
                lines.append(f"{series}.{sub}.{item};{series}.{sub};Dossier {series}.{sub}.{item};Dossier;"
                             f"Dossiers de l'année;APP-PC ACC-00001;Détruire")
        if len(lines) > count:
            break
    return ("\n".join(lines[:count + 1]) + "\n").encode("cp1252")


def setup():
    """A temp SAM (SQLite) and a vitam-lite over HTTP; one commune with its referentials and contracts."""
    data_dir = Path(tempfile.mkdtemp(prefix="sam-bench-trees-"))
    os.environ["SAM_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")  # development mode: SQLite, vitam-lite
    from vitamlite.server import start_in_thread

    server = start_in_thread(data_dir / "vitamlite", host="127.0.0.1", port=0, tenants="1000-99999")
    os.environ["SAM_VITAM_URL"] = server.base_url
    import django

    django.setup()
    import logging

    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOWED_HOSTS = ["*"]
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["default", "vitam"]}}
    logging.disable(logging.WARNING)
    call_command("migrate", verbosity=0)
    from sam.site.demo import ensure_contracts, ensure_referentials
    from tenants.vitam_clients import ADMIN, vitam_client
    from tenants.models import Role
    from tests.factories import make_organisation, make_tenant, make_user

    organisation = make_organisation("Commune de banc d'essai")
    tenant = make_tenant(organisation, vitam_id=4343)
    referent = make_user("bench.referent", organisation=organisation, role=Role.REFERENT)
    client = vitam_client(tenant, contract=ADMIN)
    ensure_referentials(client, organisation, say=lambda *_: None)
    ensure_contracts(client, tenant, say=lambda *_: None)
    tenant.refresh_from_db()
    return server, tenant, referent


def publish_plan(tenant, referent, nodes: int, title="Plan de classement"):
    """Import then publish; returns (draft, publication, import seconds, publication seconds)."""
    from referentials.trees import selectors, services

    data = plan_csv(nodes)
    started = time.perf_counter()
    draft = services.draft_import(actor=referent, tenant=tenant, kind="filing", title=title, data=data, fmt="csv",
                                  filename="plan.csv", known_rules=selectors.tenant_rule_types(tenant))
    imported = time.perf_counter()
    agency = selectors.tenant_agencies(tenant)[0]["Identifier"]
    publication = services.publish_start(actor=referent, draft=draft, version=draft.version,
                                         originating_agency=agency, archival_agency=agency)
    finished = time.perf_counter()
    return draft, publication, imported - started, finished - imported


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    args = parser.parse_args()
    server, tenant, referent = setup()
    # The SEDA schema is compiled inside the measure, as a fresh worker would.
    cpu = time.process_time()
    draft, publication, import_s, publish_s = publish_plan(tenant, referent, args.nodes)
    cpu = time.process_time() - cpu
    assert publication.status == "OK", (publication.status, publication.error, publication.failing_event)
    assert draft.nodes.count() == args.nodes
    print(f"filing_plan_nodes {args.nodes} nodes")
    print(f"filing_plan_csv_import_seconds {import_s:.2f} s")
    print(f"filing_plan_publication_seconds {publish_s:.2f} s")
    print(f"filing_plan_{args.nodes}_to_completed_seconds {import_s + publish_s:.2f} s")
    # SAM and the embedded vitam-lite share this process: CPU time says what a loaded machine hides.
    print(f"filing_plan_process_cpu_seconds {cpu:.2f} s")
    print(f"filing_plan_operation_status {publication.status} status")
    server.stop()


if __name__ == "__main__":
    main()
