"""The ArchiveTransferReply SAM serves when it refused a SIP itself (Vitam never saw it).

A connector reads it as it reads Vitam's: SEDA 2.1, ReplyCode KO, and one event per problem of SAM's
check, its OutcomeDetailMessage in French. Shape of Vitam's KO replies (no DataObjectPackage content).
"""

from datetime import datetime, timezone

from django.utils.translation import gettext as _
from lxml import etree

SEDA_NS = "fr:gouv:culture:archivesdefrance:seda:v2.1"
UNKNOWN = "Unknown"  # the schema wants non-empty identifiers, even when the manifest could not be read
EVENT_TYPE = "CHECK_SAM"


def _sub(parent, name, text=None):
    element = etree.SubElement(parent, f"{{{SEDA_NS}}}{name}")
    if text is not None:
        element.text = str(text)
    return element


def _date(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def refusal_atr(*, deposit, request_id: str) -> bytes:
    """The KO reply of a deposit SAM refused (its problems) or could not send (its explanation)."""
    now = _date(datetime.now(timezone.utc))
    root = etree.Element(f"{{{SEDA_NS}}}ArchiveTransferReply", nsmap={None: SEDA_NS})
    _sub(root, "Date", now)
    _sub(root, "MessageIdentifier", request_id)
    if deposit.archival_agreement:
        _sub(root, "ArchivalAgreement", deposit.archival_agreement)
    _sub(_sub(root, "CodeListVersions"), "ReplyCodeListVersion", "ReplyCodeListVersion0")
    _sub(root, "ReplyCode", "KO")
    operation = _sub(root, "Operation")
    reasons = [_problem_text(problem) for problem in deposit.error_problems] or [
        deposit.explanation or _("The SIP was refused by SAM.")]
    for reason in reasons:
        event = _sub(operation, "Event")
        _sub(event, "EventTypeCode", EVENT_TYPE)
        _sub(event, "EventType", _("Check of the SIP by SAM"))
        _sub(event, "EventDateTime", _date(deposit.checked_at or deposit.updated_at))
        _sub(event, "Outcome", "KO")
        _sub(event, "OutcomeDetail", f"{EVENT_TYPE}.KO")
        _sub(event, "OutcomeDetailMessage", reason)
    _sub(root, "MessageRequestIdentifier", deposit.message_identifier or UNKNOWN)
    _sub(root, "GrantDate", now)
    _sub(_sub(root, "ArchivalAgency"), "Identifier", deposit.archival_agency or UNKNOWN)
    _sub(_sub(root, "TransferringAgency"), "Identifier", deposit.transferring_agency or UNKNOWN)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _problem_text(problem: dict) -> str:
    where = []
    if problem.get("line"):
        where.append(_("line %(line)s") % {"line": problem["line"]})
    if problem.get("path"):
        where.append(problem["path"])
    return f"{problem['message']} ({', '.join(where)})" if where else problem["message"]
