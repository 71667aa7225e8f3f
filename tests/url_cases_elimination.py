"""URL cases of eliminations, visas, mass updates and notifications: commune A's users (and the controller
of the archives controlling A) on commune B's proposals must get 403/404 and see nothing of B."""

import tempfile
from datetime import date

from sam.elimination.models import MassUpdate, Notification, Proposal, ProposalUnit
from tests.url_cases import ARCHIVE_STAFF, AUTHENTICATED, ORGANISATION, VISA, UrlCase, register

SECRET = "Permis secrets de B"


def tenant_b(world):
    return {"tenant_pk": world.tenant_b.pk}


def _file(content: bytes) -> str:
    handle, path = tempfile.mkstemp(suffix=".bin")
    with open(handle, "wb") as stream:
        stream.write(content)
    return path


def proposal_b(world, state=Proposal.State.SUBMITTED):
    proposal = Proposal.objects.create(
        tenant=world.tenant_b, organisation=world.org_b, title=SECRET, reference="PE-B-SECRET", state=state,
        analysis_date=date(2024, 1, 1), created_by=world.archivist_b, destroy_count=1,
        certificate_path=_file(b"%PDF-1.4 " + SECRET.encode()), report_path=_file(SECRET.encode()),
        certificate_annex_path=_file(SECRET.encode()))
    ProposalUnit.objects.create(proposal=proposal, unit_id="aeaqaaaaaasecretunitb", title="Dossier secret de B",
                                agency="B-URBA", status="DESTROY")
    return {"tenant_pk": world.tenant_b.pk, "pk": proposal.pk}


def draft_b(world):
    return proposal_b(world, Proposal.State.DRAFT)


def approved_b(world):
    return proposal_b(world, Proposal.State.APPROVED)


def refused_b(world):
    return proposal_b(world, Proposal.State.REFUSED)


def mass_update_b(world):
    update = MassUpdate.objects.create(tenant=world.tenant_b, organisation=world.org_b, created_by=world.archivist_b,
                                       description="Gel secret de B", state=MassUpdate.State.SUCCEEDED,
                                       report_path=_file(b'{"secret": "Gel secret de B"}\n'))
    return {"tenant_pk": world.tenant_b.pk, "pk": update.pk}


def notification_b(world):
    Notification.objects.create(recipient=world.archivist_b, organisation=world.org_b, kind="decided",
                                message="Notification secrète de B")
    return {}


def markers(world):
    return [SECRET, "PE-B-SECRET", "Dossier secret de B", "Gel secret de B", "Notification secrète de B"]


def analysis_data(world):
    return {"proposal_title": SECRET, "mode": "dua", "date": "2024-01-01"}


def mass_update_data(world):
    return {"title": "x", "action": "add", "category": "HoldRule", "rule": "HOL-00001", "step": "preview"}


# A submitted proposal is read by the commune's archive staff and by the controller who gives the visa.
SUBMITTED_READERS = ARCHIVE_STAFF | VISA


def proposal_api(name, kwargs, methods=("get",), data=None, roles=None):
    return UrlCase(name, ORGANISATION, kwargs=kwargs, methods=methods, api=True, markers=markers, data=data,
                   roles=roles)


register(
    UrlCase("elimination:proposal_list", ORGANISATION, kwargs=lambda w: (proposal_b(w), tenant_b(w))[1],
            markers=markers),
    UrlCase("elimination:analysis_create", ORGANISATION, kwargs=tenant_b, methods=("get", "post"),
            data=analysis_data, markers=markers),
    UrlCase("elimination:proposal_detail", ORGANISATION, kwargs=proposal_b, markers=markers,
            roles=SUBMITTED_READERS),
    UrlCase("elimination:proposal_units_update", ORGANISATION, kwargs=draft_b, methods=("post",),
            data=lambda w: {"unit": ["aeaqaaaaaasecretunitb"], "operation": "exclude"}, markers=markers),
    UrlCase("elimination:proposal_submit", ORGANISATION, kwargs=draft_b, methods=("get", "post"), markers=markers),
    UrlCase("elimination:proposal_decide", ORGANISATION, kwargs=proposal_b, methods=("get", "post"),
            data=lambda w: {"decision": "approve", "comment": "ok"}, markers=markers,
            roles={"get": SUBMITTED_READERS, "post": VISA}),
    UrlCase("elimination:proposal_execute", ORGANISATION, kwargs=approved_b, methods=("get",), markers=markers,
            note="POST would start Vitam's elimination: the service tests cover it"),
    UrlCase("elimination:proposal_copy", ORGANISATION, kwargs=refused_b, methods=("post",), markers=markers),
    UrlCase("elimination:proposal_discard", ORGANISATION, kwargs=draft_b, methods=("get", "post"),
            markers=markers),
    UrlCase("elimination:proposal_certificate_restart", ORGANISATION, kwargs=proposal_b, methods=("post",),
            markers=markers),
    UrlCase("elimination:proposal_print", ORGANISATION, kwargs=proposal_b, markers=markers, roles=SUBMITTED_READERS),
    UrlCase("elimination:proposal_print_pdf", ORGANISATION, kwargs=proposal_b, markers=markers,
            roles=SUBMITTED_READERS),
    UrlCase("elimination:proposal_csv", ORGANISATION, kwargs=proposal_b, markers=markers, roles=SUBMITTED_READERS),
    UrlCase("elimination:proposal_certificate", ORGANISATION, kwargs=proposal_b, markers=markers,
            roles=SUBMITTED_READERS),
    UrlCase("elimination:proposal_report", ORGANISATION, kwargs=proposal_b, markers=markers,
            roles=SUBMITTED_READERS),
    UrlCase("elimination:proposal_certificate_annex", ORGANISATION, kwargs=proposal_b, markers=markers,
            roles=SUBMITTED_READERS),
    UrlCase("elimination:visa_list", AUTHENTICATED, kwargs=lambda w: (proposal_b(w), {})[1], markers=markers),
    UrlCase("elimination:mass_update_list", ORGANISATION, kwargs=lambda w: (mass_update_b(w), tenant_b(w))[1],
            markers=markers),
    UrlCase("elimination:mass_update_create", ORGANISATION, kwargs=tenant_b, methods=("get", "post"),
            data=mass_update_data, markers=markers),
    UrlCase("elimination:mass_update_detail", ORGANISATION, kwargs=mass_update_b, markers=markers),
    UrlCase("elimination:mass_update_resume", ORGANISATION, kwargs=mass_update_b, methods=("post",),
            markers=markers),
    UrlCase("elimination:mass_update_report", ORGANISATION, kwargs=mass_update_b, markers=markers),
    UrlCase("elimination:notification_list", AUTHENTICATED, kwargs=notification_b, methods=("get", "post"),
            markers=markers),
    proposal_api("api-elimination-proposal-list", lambda w: (proposal_b(w), tenant_b(w))[1]),
    proposal_api("api-elimination-proposal-detail", proposal_b, roles=SUBMITTED_READERS),
    proposal_api("api-elimination-proposal-units", proposal_b, roles=SUBMITTED_READERS),
    proposal_api("api-elimination-proposal-submit", draft_b, methods=("post",)),
    proposal_api("api-elimination-proposal-decide", proposal_b, methods=("post",),
                 data=lambda w: {"approve": True, "comment": "ok"}, roles=VISA),
    proposal_api("api-elimination-proposal-execute", refused_b, methods=("post",)),
    proposal_api("api-elimination-proposal-certificate", proposal_b, roles=SUBMITTED_READERS),
    roles=ARCHIVE_STAFF,
)
