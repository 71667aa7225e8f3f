"""`python manage.py vitamlite --port 8444`: serve vitam-lite over HTTP until Ctrl-C.

With --cert/--key/--ca it serves HTTPS and, as Vitam, takes the caller's context from its client
certificate (linked to a context with --identity CERT.pem=CONTEXT).

It never touches the portal's database (no system checks, no migrations check).
"""

import signal
import ssl
import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from vitamlite.faults import FaultSpecError
from vitamlite import security
from vitamlite.referentials.documents import VITAM_DEPLOYMENT_EXTERNAL_IDENTIFIERS, parse_external_identifiers
from vitamlite.server import parse_tenants, start_in_thread, tls_context
from vitamlite.store import Store


class Command(BaseCommand):
    help = "Serve vitam-lite (Vitam-compatible external API) over HTTP until interrupted."
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        lite = getattr(settings, "VITAMLITE", {}) or {}
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8444, help="port (0 = any free port; default 8444)")
        parser.add_argument("--data-dir", default=lite.get("DATA_DIR"), help="data directory (default VITAMLITE DATA_DIR)")
        parser.add_argument("--tenants", default=lite.get("TENANTS", "0-9"), help='tenant list, e.g. "0-9" or "0,1,5-7"')
        parser.add_argument("--admin-tenant", type=int, default=(getattr(settings, "VITAM", {}) or {}).get("ADMIN_TENANT", 1))
        parser.add_argument("--context", default=lite.get("CONTEXT"), help="security context identifier to enforce")
        parser.add_argument("--cert", help="server certificate (PEM): serve HTTPS, the context comes from the "
                            "client certificate")
        parser.add_argument("--key", help="private key of --cert (PEM)")
        parser.add_argument("--ca", help="CA bundle (PEM) that signs the client certificates")
        parser.add_argument("--identity", action="append", default=[], metavar="CERT.pem=CONTEXT",
                            help="link a client certificate to a context (the identity referential); repeatable")
        parser.add_argument("--faults", default=lite.get("FAULTS", ""), help='fault spec, e.g. "slow:/access-external=2"')
        parser.add_argument(
            "--external-identifiers", default=lite.get("EXTERNAL_IDENTIFIERS", VITAM_DEPLOYMENT_EXTERNAL_IDENTIFIERS),
            help="tenants whose contracts, profiles... need the client's Identifier (Vitam's slave mode), e.g. "
                 '"0:INGEST_CONTRACT,ACCESS_CONTRACT;1:CONTEXT"; default: Vitam\'s default deployment; "" for none')
        parser.add_argument(
            "--units-stream-execution-limit", type=int, default=lite.get("UNITS_STREAM_EXECUTION_LIMIT", 0),
            help="units streams (GET /units/stream) per tenant per day, as Vitam's unitsStreamExecutionLimit "
                 "(Vitam's default deployment: 3); default 0 = unlimited")

    def handle(self, *args, host, port, data_dir, tenants, admin_tenant, context, faults, cert, key, ca, identity,
               external_identifiers, units_stream_execution_limit, **options):
        if not data_dir:
            raise CommandError("--data-dir is required (or settings.VITAMLITE['DATA_DIR'])")
        try:
            tenant_set = parse_tenants(tenants)
        except ValueError as exc:
            raise CommandError(f"--tenants {tenants!r}: {exc}")
        if units_stream_execution_limit < 0:
            raise CommandError("--units-stream-execution-limit must be 0 (unlimited) or more")
        if admin_tenant not in tenant_set:
            raise CommandError(f"--admin-tenant {admin_tenant} is not in --tenants {tenants}")
        try:
            parse_external_identifiers(external_identifiers)
        except ValueError as exc:
            raise CommandError(f"--external-identifiers {external_identifiers!r}: {exc}")
        ssl_context = None
        if cert or key or ca:
            if not (cert and key and ca):
                raise CommandError("--cert, --key and --ca go together")
            try:
                ssl_context = tls_context(cert, key, ca)
            except (OSError, ssl.SSLError) as exc:
                raise CommandError(f"TLS: {exc}")
        if identity:
            store = Store(data_dir)
            db = store.connect()
            for spec in identity:
                path, _, linked_context = spec.partition("=")
                try:
                    security.link_identity(db, Path(path).read_bytes(), linked_context or None)
                except (OSError, ValueError) as exc:
                    raise CommandError(f"--identity {spec}: {exc}")
            db.commit()
            store.close_thread_connection()
        try:
            running = start_in_thread(data_dir, host=host, port=port, tenants=tenants, admin_tenant=admin_tenant,
                                      context=context, faults=faults, ssl_context=ssl_context,
                                      external_identifiers=external_identifiers,
                                      units_stream_execution_limit=units_stream_execution_limit)
        except FaultSpecError as exc:
            raise CommandError(f"--faults: {exc}")
        except OSError as exc:
            raise CommandError(f"cannot listen on {host}:{port}: {exc}")
        self.stdout.write(running.base_url)
        self.stdout.flush()
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            while not stop.wait(1):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            running.stop()
