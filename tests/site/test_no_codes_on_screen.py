"""No internal code on screen: every page of the URL crawl, read as each role allowed to see it, shows labels.

The crawl reuses the permission matrix's cases (tests/url_cases_<app>.py): each case builds commune B's objects
(deposits, proposals with their units, archives really ingested into vitam-lite, mass updates), then every GET page
is read as B's archivist, referent, controller and researcher and as a platform administrator. The visible text
(attributes, <script>, <style>, <code>, <pre>, ``.raw-code`` elements left out: they show a code for support on
purpose) must not show a Python repr or one of Vitam's or SAM's codes where a label exists. PDFs are read too.
"""

import io
import re

import pytest
from django.urls import reverse
from lxml import html as lxml_html
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from sam.lib.jobs.models import Job
from tenants import services
from tenants.models import AuditEntry, Role
from tests.factories import make_user
from tests.url_cases import PUBLIC, load_all

# Codes that are English words nobody writes in a French page: whole words, case-sensitive. Levels spelt the same
# in French (Fonds, Collection) cannot be told from their label and are left out.
SEDA_LEVELS = r"RecordGrp|SubGrp|Subfonds|File|Item|Series|Subseries|Class|OtherLevel"
RULE_CATEGORIES = r"AppraisalRule|AccessRule|StorageRule|DisseminationRule|ReuseRule|ClassificationRule|HoldRule"
# Final actions: the capitalised Vitam codes (Keep, Destroy, RestrictAccess, Transfer, Copy) are not French words
# (conserver, détruire, transférer, copier); the upper-case ones are SAM's decisions (DESTROY, KEEP, CONFLICT).
FINAL_ACTIONS = r"Keep|Destroy|RestrictAccess|Transfer|Copy|DESTROY|KEEP|CONFLICT"
USAGES = r"(?:BinaryMaster|PhysicalMaster|Dissemination|Thumbnail|TextContent)(?:_\d+)?"

PATTERNS = {
    "Python repr": re.compile(r"\[['\"]|\{['\"]"),
    "SEDA level": re.compile(rf"\b(?:{SEDA_LEVELS})\b"),
    "rule category": re.compile(rf"\b(?:{RULE_CATEGORIES})\b"),
    "final action or decision": re.compile(rf"\b(?:{FINAL_ACTIONS})\b"),
    "object usage": re.compile(rf"\b{USAGES}\b"),
}
HIDDEN = "//script | //style | //code | //pre | //*[contains(concat(' ', normalize-space(@class), ' '), ' raw-code ')]"


def visible_text(content: bytes) -> str:
    document = lxml_html.fromstring(content)
    for element in document.xpath(HIDDEN):
        element.drop_tree()
    return " ".join(" ".join(document.itertext()).split())  # cells and options apart, as the eye reads them


def pdf_text(content: bytes) -> str | None:
    """The PDF's text; None for a stand-in file that is no PDF (the URL cases store fake certificates)."""
    try:
        pages = PdfReader(io.BytesIO(content)).pages
    except PdfReadError:
        return None
    return " ".join(" ".join(page.extract_text() or "" for page in pages).split())


def dotted_codes() -> re.Pattern:
    """SAM's dotted codes known once the pages have run: audit actions and job kinds (user names like
    ``archivist.b`` are not codes, so only the codes actually recorded are looked for)."""
    codes = set(AuditEntry.objects.values_list("action", flat=True)) | set(Job.objects.values_list("kind", flat=True))
    codes |= {"trees.publish_result", "role.grant", "auth.login", "deposits.describe"}
    codes = {code for code in codes if "." in code}
    return re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(code) for code in sorted(codes)) + r")(?![\w])")


def codes_in(text: str, extra: re.Pattern | None = None) -> list[str]:
    found = []
    for kind, pattern in list(PATTERNS.items()) + ([("dotted code", extra)] if extra else []):
        for match in pattern.finditer(text):
            start = max(match.start() - 50, 0)
            found.append((f"{kind} {match.group(0)}", text[start:match.end() + 50]))
    return found


def test_the_checks_catch_codes_and_let_french_pass(db):
    """The rules are not vacuous, and French sentences do not trip them."""
    page = (b"<html><body><p>['D1'] \xe2\x80\x94 Dossier</p><td>RecordGrp</td><td>AppraisalRule</td><td>DESTROY</td>"
            b"<td>BinaryMaster_1</td><td>role.grant</td><script>var a = ['x'];</script><code>File</code>"
            b"<span class='raw-code'>Item</span><select><option value='Keep'>Conserver</option></select></body></html>")
    found = codes_in(visible_text(page), re.compile(r"(?<![\w.])role\.grant(?![\w])"))
    assert [code for code, _context in found] == [
        "Python repr ['", "SEDA level RecordGrp", "rule category AppraisalRule",
        "final action or decision DESTROY", "object usage BinaryMaster_1", "dotted code role.grant"]
    french = ("Sort final : Détruire, Conserver. Fichier versé le 3 mai ; Collection, Fonds. Copie transférée. "
              "Règle de DUA APP-DELIB — Délibérations. archivist.b@example.org, 12,5 Mo.")
    assert codes_in(visible_text(f"<p>{french}</p>".encode()), dotted_codes()) == []


def app_of(name: str) -> str:
    return name.split(":")[0] if ":" in name else "site"


# One world per app: builders of different apps would fight over commune B's referentials in Vitam (the
# referentials' cases replace its rules, the consultation's cases ingest units that use them).
APPS = sorted({app_of(name) for name, case in load_all().items()
               if case.access != PUBLIC and not case.api and "get" in case.methods})
# Pages read as a role allowed to see them, per app (the jobs app answers in JSON only).
MINIMUM_PAGES = {"site": 5, "connectors": 6, "consultation": 20, "contracts": 10, "deposits": 15, "elimination": 30,
                 "jobs": 0, "proof": 3, "reclassification": 6, "referentials": 20, "second_factor": 3,
                 "selection": 5, "tenants": 20, "trees": 20, "communication": 3, "transfers": 5}
MINIMUM_PDFS = {"deposits": 1, "elimination": 1, "proof": 1, "transfers": 1}


def real_eliminations(world):
    """Commune B's proposals as they really look: the common rules in Vitam, units under named appraisal rules with
    each decision, the bordereau laid out as PDF and a certificate rendered from its template."""
    from sam.elimination import documents, services as elimination_services
    from sam.elimination.models import Proposal, ProposalUnit
    from sam.site.demo import ensure_referentials
    from tenants.vitam_clients import ADMIN, vitam_client

    ensure_referentials(vitam_client(world.tenant_b, contract=ADMIN), world.org_b, say=lambda *_: None)
    for proposal in Proposal.objects.filter(tenant=world.tenant_b):
        for number, status in enumerate(ProposalUnit.Status.values):
            ProposalUnit.objects.create(proposal=proposal, unit_id=f"aeaqunit{proposal.pk}x{number}", level="File",
                                        title=f"Permis {number}", agency="B-URBA", status=status,
                                        rule_ids="APP-PC, APP-MARCHES", rule_end_date="2020-12-31")
        elimination_services.bordereau_pdf_start(actor=world.archivist_b, proposal=proposal)
        with open(proposal.certificate_path, "wb") as certificate:
            certificate.write(documents.certificate_pdf(proposal))


def transfer_bordereaux(world):
    """Commune B's transfers with their bordereau laid out as PDF."""
    from sam.transfers import services as transfer_services
    from sam.transfers.models import Transfer

    for transfer in Transfer.objects.filter(tenant=world.tenant_b):
        transfer_services.bordereau_pdf_build(transfer=transfer)


PREPARE = {"elimination": real_eliminations, "transfers": transfer_bordereaux}


@pytest.mark.parametrize("app", APPS)
def test_no_internal_code_on_any_page(app, world, client, vitam_url):
    services.controlled_organisations_set(actor=world.admin, organisation=world.archives,
                                          controlled=[world.org_a, world.org_b])
    readers = {
        "archivist_b": world.archivist_b, "referent_b": world.referent_b,
        "controller": world.controller,
        "researcher_b": make_user("researcher.b", organisation=world.org_b, role=Role.RESEARCHER),
        "platform admin": world.admin,
    }
    pages, built = [], {}  # a builder makes its objects once: several pages show the same deposit or profile
    for name, case in sorted(load_all().items()):
        if app_of(name) != app or case.access == PUBLIC or case.api or "get" not in case.methods:
            continue
        if case.kwargs not in built:
            built[case.kwargs] = case.kwargs(world)
        url = reverse(name, kwargs=built[case.kwargs])
        pages.append((url, case.query(world) if case.query else {}))
    if app in PREPARE:
        PREPARE[app](world)

    responses = []
    for url, query in pages:
        for role, user in readers.items():
            client.force_login(user)
            response = client.get(url, query)
            content_type = response.get("Content-Type", "")
            if response.status_code != 200 or not content_type.startswith(("text/html", "application/pdf")):
                continue
            content = b"".join(response.streaming_content) if response.streaming else response.content
            text = visible_text(content) if content_type.startswith("text/html") else pdf_text(content)
            if text is not None:
                responses.append((url, role, content_type.startswith("application/pdf"), text))
    dotted = dotted_codes()
    failures = {}  # (page, code) -> (roles, context): one line per code and page
    for url, role, _pdf, text in responses:
        for code, context in codes_in(text, dotted):
            failures.setdefault((url, code), ([], context))[0].append(role)
    assert not failures, "internal codes on screen:\n" + "\n".join(
        f"{url} ({', '.join(sorted(set(roles)))}): {code} in …{context}…"
        for (url, code), (roles, context) in failures.items())
    assert len(responses) >= MINIMUM_PAGES[app], f"only {len(responses)} pages read: the crawl lost its pages"
    assert sum(pdf for _url, _role, pdf, _text in responses) >= MINIMUM_PDFS.get(app, 0), "PDFs not read"
