"""Check and import of 5,000 management rules through SAM's services, against an in-thread vitam-lite.

Usage: .venv/bin/python bench/referentials_rules_import.py [--rules 5000]
Prints `name value unit` lines. The file is what archivists produce (Windows-1252, ';', French labels);
the tenant already holds 5,000 rules, the file changes 500, adds 500 and drops 500 (replace mode).
SAM-side time = total time minus the time spent waiting for vitam-lite's HTTP answers.
Goal: rules_5000_sam_side_seconds <= 3 s.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def setup(count: int):
    data_dir = Path(tempfile.mkdtemp(prefix="sam-bench-rules-"))
    os.environ["SAM_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")  # development mode: SQLite, vitam-lite
    from vitamlite.server import start_in_thread

    server = start_in_thread(data_dir / "vitamlite", host="127.0.0.1", port=0, tenants="1000-99999")
    os.environ["SAM_VITAM_URL"] = server.base_url
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LOGGING_CONFIG = None
    logging.getLogger("sam.vitam").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0)
    from referentials.kinds import RULES
    from tenants.vitam_clients import ADMIN, vitam_client
    from tenants.models import Role
    from tests.factories import make_organisation, make_tenant, make_user

    organisation = make_organisation("Commune de banc d'essai")
    tenant = make_tenant(organisation, vitam_id=4343)
    archivist = make_user("bench.archivist", organisation=organisation, role=Role.ARCHIVIST)
    baseline = [{"RuleId": f"APP-{n:05d}", "RuleType": "AppraisalRule", "RuleValue": f"Règle {n}",
                 "RuleDescription": f"Description de la règle {n}", "RuleDuration": str(n % 99 + 1),
                 "RuleMeasurement": "YEAR"} for n in range(count)]
    vitam_client(tenant, contract=ADMIN).import_rules(io.BytesIO(RULES.to_csv(baseline)), filename="base.csv")
    return server, tenant, archivist


def spreadsheet(count: int) -> bytes:
    """Windows-1252, ';': 10 % changed, 10 % new, 10 % of the baseline absent."""
    lines = ["Identifiant;Type;Intitulé;Description;Durée;Unité"]
    drop = count // 10
    for n in range(drop, count + drop):
        title = f"Règle {n}" if n % 10 else f"Règle {n} révisée"
        lines.append(f"APP-{n:05d};DUA;{title};Description de la règle {n};{n % 99 + 1};ans")
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=5000)
    args = parser.parse_args()
    server, tenant, archivist = setup(args.rules)
    from referentials import services
    from referentials.kinds import RULES
    from referentials.models import ReferentialImport
    from sam.vitam.client import VitamClient

    vitam_seconds = [0.0]
    original = VitamClient._request

    def timed(self, *a, **kw):
        started = time.perf_counter()
        try:
            return original(self, *a, **kw)
        finally:
            vitam_seconds[0] += time.perf_counter() - started

    VitamClient._request = timed
    data = spreadsheet(args.rules)
    started = time.perf_counter()
    import_ = services.import_prepare(actor=archivist, tenant=tenant, kind=RULES, filename="regles.csv", data=data,
                                      mode="replace")
    preview_seconds = time.perf_counter() - started
    assert import_.state == ReferentialImport.State.READY, import_.check_messages
    preview_vitam = vitam_seconds[0]
    import_ = services.import_run(import_=import_, actor=archivist)
    total = time.perf_counter() - started
    assert import_.state == ReferentialImport.State.IMPORTED, (import_.error, import_.check_messages)
    sam_side = total - vitam_seconds[0]
    print(f"rules_{args.rules}_file_bytes {len(data)} bytes")
    print(f"rules_{args.rules}_diff_added {len(import_.diff['added'])} rules")
    print(f"rules_{args.rules}_diff_changed {len(import_.diff['changed'])} rules")
    print(f"rules_{args.rules}_diff_removed {len(import_.diff['removed'])} rules")
    print(f"rules_{args.rules}_preview_seconds {preview_seconds:.2f} s")
    print(f"rules_{args.rules}_preview_sam_side_seconds {preview_seconds - preview_vitam:.2f} s")
    print(f"rules_{args.rules}_vitam_seconds {vitam_seconds[0]:.2f} s")
    print(f"rules_{args.rules}_total_seconds {total:.2f} s")
    print(f"rules_{args.rules}_sam_side_seconds {sam_side:.2f} s")
    server.stop()


if __name__ == "__main__":
    main()
