"""Cost of the audit trail on hot paths: recording a consultation, and authenticating an API token.

Usage: .venv/bin/python bench/audit_trail.py [--rounds 2000]
Prints `name value unit` lines. Goal (issue 13): a consultation costs one INSERT and no SELECT
(audit_consultation_queries = 1); a token's use is written at most once per period, so a
request authenticated by token costs one SELECT (api_token_auth_queries = 1).
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    os.environ["SAM_DATA_DIR"] = tempfile.mkdtemp(prefix="sam-bench-audit-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sam.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext
    from rest_framework.request import Request

    from sam.consultation.services import consultation_record
    from tenants.models import Role, Tenant
    from tenants.tokens import ApiTokenAuthentication, token_issue
    from tests.factories import make_organisation, make_tenant, make_user

    call_command("migrate", verbosity=0)
    organisation = make_organisation("Commune du banc d'essai")
    tenant = Tenant.objects.get(pk=make_tenant(organisation).pk)
    user = make_user("bench.audit", organisation=organisation, role=Role.ARCHIVIST)
    request = RequestFactory().get("/t/1/units/aeaaaa/")
    request.user, request.request_id = user, "bench-0123456789"

    def record():
        consultation_record(request=request, tenant=tenant, action="consultation.unit_view", unit_id="aeaaaa",
                            title="Dossier")

    with CaptureQueriesContext(connection) as queries:
        record()
    started = time.perf_counter()
    for _ in range(args.rounds):
        record()
    per_record = (time.perf_counter() - started) / args.rounds
    print(f"audit_consultation_queries {len(queries.captured_queries)} queries")
    print(f"audit_consultation_record {per_record * 1e6:.0f} us")

    key = token_issue(actor=user, user=user, name="bench").key
    authentication = ApiTokenAuthentication()
    api_request = Request(RequestFactory().get("/api/v1/", HTTP_AUTHORIZATION=f"Bearer {key}"))

    def authenticate():
        return authentication.authenticate(api_request)

    authenticate()  # the first use is audited; the next ones within the period are not
    with CaptureQueriesContext(connection) as queries:
        authenticate()
    started = time.perf_counter()
    for _ in range(args.rounds):
        authenticate()
    per_auth = (time.perf_counter() - started) / args.rounds
    print(f"api_token_auth_queries {len(queries.captured_queries)} queries")
    print(f"api_token_auth {per_auth * 1e6:.0f} us")


if __name__ == "__main__":
    main()
