"""Demo organisations, tenants and users (password ``sam-demo-2026``). Idempotent: run it as often as you like.

The command runs its steps in order (``steps()``); the Vitam-side demo content is a later step that
receives the tenants created here.
"""

from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from sam.connectors.certificates import read_pem
from sam.connectors.models import Connector
from sam.connectors.services import connector_create
from sam.site.demo import seed_vitam_demo
from tenants import services
from tenants.models import Organisation, Role, RoleGroup, Tenant, User

DEMO_PASSWORD = "sam-demo-2026"  # demo only: set directly, bypassing the password validators

# The departmental archives' SIREN given in the brief (229500017) fails the Luhn check: 229500012 passes.
ORGANISATIONS = [
    # name, kind, code, tenant number (None = no tenant)
    ("Communauté d'agglomération de Cergy-Pontoise", Organisation.Kind.EPCI, "200035772", 1),
    ("Cergy", Organisation.Kind.COMMUNE, "95127", 2),
    ("Pontoise", Organisation.Kind.COMMUNE, "95500", 3),
    ("Osny", Organisation.Kind.COMMUNE, "95476", 4),
    ("Archives départementales du Val-d'Oise", Organisation.Kind.DEPARTMENTAL_ARCHIVES, "229500012", None),
]
CONTROLLED = {"229500012": ["95127", "95500", "95476"]}
# Cergy's Pastell: its certificate and key are in the repository, demo only (see its README).
DEMO_CONNECTOR = ("95127", "Pastell (démo)",
                  Path(__file__).resolve().parents[2] / "demo_data" / "connector" / "pastell-cergy.crt.pem")

USERS = [
    # username, first name, last name, platform admin, [(organisation code, role)]
    ("admin", "Camille", "Administratrice", True, []),
    ("referent.cergy", "Nathalie", "Référente", False, [("95127", Role.REFERENT)]),
    ("archiviste.cergy", "Julien", "Archiviste", False, [("95127", Role.ARCHIVIST)]),
    ("referent.pontoise", "Sophie", "Référente", False, [("95500", Role.REFERENT)]),
    ("archiviste.pontoise", "Marc", "Archiviste", False, [("95500", Role.ARCHIVIST)]),
    ("controle.ad95", "Hélène", "Contrôleuse", False, [("229500012", Role.CONTROLLER)]),
    ("chercheur", "Paul", "Chercheur", False, [("95500", Role.RESEARCHER)]),
]


class Command(BaseCommand):
    help = "Loads the demo organisations, tenants and users (idempotent)."

    def handle(self, *args, **options):
        self.options = options
        for step in self.steps():
            step()
        self.stdout.write(self.style.SUCCESS(f"Demo ready. Password of every demo account: {DEMO_PASSWORD}"))

    def add_arguments(self, parser):
        parser.add_argument(
            "--portal-only", action="store_true",
            help="Only the organisations, tenants and users; leave Vitam's demo content out.",
        )

    def steps(self):
        """The command's steps, in order; later steps may use ``self.tenants``."""
        return [self.seed_portal] if self.options.get("portal_only") else [self.seed_portal, self.seed_vitam]

    def seed_vitam(self):
        """Services, rules, contracts, trees and deposits of each tenant, through the Vitam client."""
        seed_vitam_demo(self.tenants, say=self.stdout.write)

    @transaction.atomic
    def seed_portal(self):
        organisations = {code: self._organisation(name, kind, code) for name, kind, code, _n in ORGANISATIONS}
        self.tenants = [
            self._tenant(organisations[code], number) for _name, _kind, code, number in ORGANISATIONS if number
        ]
        for code, controlled_codes in CONTROLLED.items():
            wanted = [organisations[c] for c in controlled_codes]
            if set(organisations[code].controlled_organisations.all()) != set(wanted):
                services.controlled_organisations_set(actor=None, organisation=organisations[code], controlled=wanted)
        for username, first_name, last_name, is_admin, roles in USERS:
            self._user(username, first_name, last_name, is_admin, [(organisations[c], r) for c, r in roles])
        code, name, certificate = DEMO_CONNECTOR
        self._connector(organisations[code], name, certificate.read_bytes())

    def _organisation(self, name, kind, code):
        organisation = Organisation.objects.filter(code=code).first()
        if organisation is None:
            organisation = services.organisation_create(actor=None, name=name, kind=kind, code=code)
            self.stdout.write(f"Organisation created: {name}")
        for role in Role.values:  # idempotent: also repairs missing groups or grants
            services.role_group_get(organisation=organisation, role=role)
        return organisation

    def _tenant(self, organisation, number):
        tenant = Tenant.objects.filter(vitam_id=number).first()
        if tenant is None:
            tenant = services.tenant_create(
                actor=None, organisation=organisation, vitam_id=number, label=f"{organisation.name} — production",
                ingest_contract=f"IC-SAM-{number}", access_contract=f"AC-SAM-{number}",
                researcher_access_contract=f"AC-SAM-{number}-PUBLIC",
            )
            self.stdout.write(f"Tenant {number} created for {organisation.name}")
        return tenant

    def _connector(self, organisation, name, pem):
        if Connector.objects.filter(certificate_sha256=read_pem(pem).sha256).exists():
            return
        connector_create(actor=None, organisation=organisation, name=name, certificate_pem=pem,
                         tenants=organisation.tenants.filter(is_active=True))
        self.stdout.write(f"Connector created: {name} ({organisation.name})")

    def _user(self, username, first_name, last_name, is_admin, roles):
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, first_name=first_name, last_name=last_name,
                        email=f"{username}@demo.sam.invalid", is_platform_admin=is_admin)
            user.set_password(DEMO_PASSWORD)
            user.save()
            self.stdout.write(f"User created: {username}")
        for organisation, role in roles:
            if not RoleGroup.objects.filter(organisation=organisation, role=role, group__user=user).exists():
                services.role_grant(actor=None, organisation=organisation, user=user, role=role)
