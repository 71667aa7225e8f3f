"""Declare a connector from the command line: manage.py connector_add --organisation ID --name NAME --certificate FILE.pem"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sam.connectors.services import connector_create
from tenants.models import Organisation


class Command(BaseCommand):
    help = "Declare a connector (Pastell, business software) of an organisation, known by its client certificate."

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, type=int, help="organisation id")
        parser.add_argument("--name", required=True)
        parser.add_argument("--certificate", required=True, help="the connector's client certificate (PEM)")
        parser.add_argument("--tenant", action="append", type=int, default=[],
                            help="Vitam tenant number it may deposit on (repeat); default: all of the organisation")

    def handle(self, *args, **options):
        try:
            organisation = Organisation.objects.get(pk=options["organisation"])
        except Organisation.DoesNotExist:
            raise CommandError(f"No organisation {options['organisation']}.") from None
        tenants = organisation.tenants.filter(is_active=True)
        if options["tenant"]:
            tenants = tenants.filter(vitam_id__in=options["tenant"])
        try:
            pem = Path(options["certificate"]).read_bytes()
            connector = connector_create(actor=None, organisation=organisation, name=options["name"],
                                         tenants=tenants, certificate_pem=pem)
        except OSError as error:
            raise CommandError(f"Cannot read {options['certificate']}: {error}") from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"connector {connector.pk} {connector.name} {connector.certificate_sha256}")
