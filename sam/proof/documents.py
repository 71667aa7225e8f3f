"""The attestation de valeur probante as PDF (sam.lib.pdf): the body of the print page."""

from django.utils import timezone
from django.utils.translation import gettext as _

from sam.lib.pdf import render_pdf
from sam.proof.models import ProofRequest
from sam.proof.selectors import ProofReport


def attestation_context(proof: ProofRequest, report: ProofReport, report_sha512: str, units=None) -> dict:
    """`units`: a report of several units, its entries grouped by unit (selectors.report_by_unit)."""
    return {"proof": proof, "report": report, "report_sha512": report_sha512, "produced_at": timezone.now(),
            "units": units}


def attestation_pdf(proof: ProofRequest, report: ProofReport, report_sha512: str, units=None) -> bytes:
    return render_pdf("proof/attestation.html", attestation_context(proof, report, report_sha512, units),
                      title=f"{_('Probative value certificate')} {proof.unit_title or proof.unit_id}",
                      author=proof.organisation.name)
