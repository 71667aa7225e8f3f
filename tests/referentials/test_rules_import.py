"""Rules CSV import through the screens: corpus files, archivists' spreadsheets, preview, Vitam's check, export."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from referentials import services
from referentials.kinds import RULES
from referentials.models import ReferentialImport
from sam.lib.jobs.models import Job
from tenants.models import AuditEntry
from tests.referentials.conftest import import_operations, ingest_units, rule_ids, rules_by_id

pytestmark = pytest.mark.django_db
CORPUS = "referentials/rules"


def url(name, world, **kwargs):
    return reverse(f"referentials:{name}", kwargs={"tenant_pk": world.tenant_a.pk, **kwargs})


def upload(client, world, content: bytes, name="regles.csv", mode="replace"):
    return client.post(url("rule_import", world), {"file": SimpleUploadedFile(name, content, "text/csv"), "mode": mode})


def latest_import():
    return ReferentialImport.objects.order_by("-id").first()


@pytest.mark.parametrize("name", [
    "jeu_donnees_OK_regles_CSV.csv",
    "jeu_donnees_OK_regles_CSV_15000Jours.csv",
    "jeu_donnees_OK_regles_CSV_core-25-rules.csv",
    "jeu_donnees_OK_regles_CSV_delete_rule.csv",
    "jeu_donnees_OK_regles_CSV_unLimiTEd.csv",
    # Valid content in Latin-1/Windows-1252: Vitam refuses the encoding, SAM converts it to UTF-8.
    "../invalid/jeu_donnees_KO_regles_CSV_latin1-encoding.csv",
])
def test_corpus_valid_files_are_previewed_checked_and_imported(vitam_world, client, vitam_reference, name):
    content = (vitam_reference / CORPUS / "valid" / name).read_bytes()
    expected = RULES.parse(content)
    assert expected.is_valid
    client.force_login(vitam_world.archivist_a)
    response = upload(client, vitam_world, content, name=name.rsplit("/", 1)[-1])
    assert response.status_code == 302, response.content.decode()[:3000]
    import_ = latest_import()
    assert import_.state == ReferentialImport.State.READY, import_.check_messages
    # Replace mode: the demo nomenclature (unused) goes, the file's rules come.
    assert "APP-DELIB" in import_.diff["removed"]
    assert client.post(url("rule_import_confirm", vitam_world, pk=import_.pk)).status_code == 302
    import_.refresh_from_db()
    assert import_.state == ReferentialImport.State.IMPORTED, (import_.error, import_.check_messages)
    assert rule_ids(vitam_world.tenant_a) == {row["RuleId"] for row in expected.rows}
    stored = rules_by_id(vitam_world.tenant_a)
    for row in expected.rows:
        assert RULES.normalise(stored[row["RuleId"]]) == row
    audit = AuditEntry.objects.get(action="referentials.rules_import")
    assert audit.after["count"] == len(expected.rows) and audit.tenant == vitam_world.tenant_a


# (file, line of the first error SAM reports)
INVALID = [
    ("jeu_donnees_KO_regles_CSV_90000_YEAR.csv", 2),
    ("jeu_donnees_KO_regles_CSV_AnarchyRule.csv", 2),
    ("jeu_donnees_KO_regles_CSV_Decade_Measure.csv", 2),
    ("jeu_donnees_KO_regles_CSV_DuplicatedReference.csv", 3),
    ("jeu_donnees_KO_regles_CSV_HoldRuleWithDurationAndNoMeasure.csv", 2),
    ("jeu_donnees_KO_regles_CSV_HoldRuleWithMeasureAndNoDuration.csv", 2),
    ("jeu_donnees_KO_regles_CSV_Negative_Duration.csv", 2),
    ("jeu_donnees_KO_regles_CSV_ReferenceWithWrongComma.csv", 3),
    ("jeu_donnees_KO_regles_CSV_UNKNOWN_Duration.csv", 2),
    ("jeu_donnees_KO_regles_CSV_WrongRuleType.csv", 2),
    ("jeu_donnees_KO_regles_CSV_empty_line.csv", 7),
    ("jeu_donnees_KO_regles_CSV_missing_column.csv", None),
]


@pytest.mark.parametrize("name, line", INVALID)
def test_corpus_invalid_files_are_refused_with_the_line_and_nothing_reaches_vitam(
        vitam_world, client, vitam_reference, name, line):
    content = (vitam_reference / CORPUS / "invalid" / name).read_bytes()
    before_rules = rules_by_id(vitam_world.tenant_a)
    before_operations = import_operations(vitam_world.tenant_a)
    client.force_login(vitam_world.archivist_a)
    response = upload(client, vitam_world, content, name=name)
    assert response.status_code == 200
    errors = response.context["file_errors"]
    assert errors
    if line is None:
        assert re.search(r"RuleType", errors[0])
    else:
        assert re.search(rf"\b(Line|Ligne) {line}\b", errors[0]), errors
    assert "nothing was sent" in response.content.decode() or "rien n" in response.content.decode().lower()
    assert not ReferentialImport.objects.exists()
    assert rules_by_id(vitam_world.tenant_a) == before_rules
    assert import_operations(vitam_world.tenant_a) == before_operations


def test_windows_1252_semicolon_spreadsheet_export(vitam_world, client):
    """What Excel in French produces: Windows-1252, ';', French column names and labels."""
    content = ("Identifiant;Type;Intitulé;Description;Durée;Unité\r\n"
               "APP-ÉLECT;DUA;Listes électorales;Révision annuelle, « tableau »;5;ans\r\n"
               "ACC-SANTÉ;Communicabilité;Dossiers médicaux;;120;ans\r\n"
               "HOL-LITIGE;Gel;Contentieux en cours;;;\r\n").encode("cp1252")
    client.force_login(vitam_world.archivist_a)
    assert upload(client, vitam_world, content, name="export excel.csv", mode="merge").status_code == 302
    import_ = latest_import()
    assert (import_.encoding, import_.delimiter, import_.state) == ("windows-1252", ";", "ready")
    assert sorted(import_.diff["added"]) == ["ACC-SANTÉ", "APP-ÉLECT", "HOL-LITIGE"]
    assert import_.diff["removed"] == []                   # merge: the existing rules stay
    client.post(url("rule_import_confirm", vitam_world, pk=import_.pk))
    stored = rules_by_id(vitam_world.tenant_a)
    assert stored["APP-ÉLECT"]["RuleDescription"] == "Révision annuelle, « tableau »"
    assert stored["ACC-SANTÉ"]["RuleType"] == "AccessRule" and stored["ACC-SANTÉ"]["RuleMeasurement"] == "YEAR"
    assert "APP-DELIB" in stored


def test_preview_lists_changes_and_vitam_refusal_line_by_line(vitam_world, client):
    ingest_units(vitam_world.tenant_a, [("Registre", "APP-DELIB", "AppraisalRule")])
    client.force_login(vitam_world.archivist_a)
    # Replacing with a file that lacks APP-DELIB (in use) and changes APP-PC's title.
    current = rules_by_id(vitam_world.tenant_a)
    rows = [RULES.normalise(doc) for key, doc in current.items() if key != "APP-DELIB"]
    rows = [{**row, "RuleValue": "Permis (nouveau titre)"} if row["RuleId"] == "APP-PC" else row for row in rows]
    assert upload(client, vitam_world, RULES.to_csv(rows), mode="replace").status_code == 302
    import_ = latest_import()
    assert import_.diff["removed"] == ["APP-DELIB"] and import_.diff["changed"] == ["APP-PC"]
    assert import_.state == ReferentialImport.State.REFUSED
    assert any("APP-DELIB" in message for message in import_.check_messages)
    page = client.get(url("rule_import_detail", vitam_world, pk=import_.pk)).content.decode()
    assert "Permis (nouveau titre)" in page and "APP-DELIB" in page
    # Refused: confirming does nothing.
    client.post(url("rule_import_confirm", vitam_world, pk=import_.pk))
    assert "APP-DELIB" in rule_ids(vitam_world.tenant_a)
    assert rules_by_id(vitam_world.tenant_a)["APP-PC"]["RuleValue"] != "Permis (nouveau titre)"


def test_referential_changed_since_the_preview_is_not_overwritten(vitam_world, client):
    client.force_login(vitam_world.archivist_a)
    content = "RuleId,RuleType,RuleValue,RuleDescription,RuleDuration,RuleMeasurement\nAPP-NEW,AppraisalRule,Nouveau,,3,YEAR\n"
    upload(client, vitam_world, content.encode(), mode="merge")
    import_ = latest_import()
    # Someone adds a rule meanwhile.
    services.entry_save(actor=vitam_world.referent_a, tenant=vitam_world.tenant_a, kind=RULES, creating=True,
                        row={"RuleId": "APP-MEANWHILE", "RuleType": "AppraisalRule", "RuleValue": "Entre-temps",
                             "RuleDuration": "1", "RuleMeasurement": "YEAR"})
    client.post(url("rule_import_confirm", vitam_world, pk=import_.pk))
    import_.refresh_from_db()
    assert import_.state == ReferentialImport.State.READY and "APP-MEANWHILE" in import_.error
    assert "APP-NEW" not in rule_ids(vitam_world.tenant_a)
    # Confirming the refreshed preview imports, and keeps the other person's rule (merge).
    client.post(url("rule_import_confirm", vitam_world, pk=import_.pk))
    assert {"APP-NEW", "APP-MEANWHILE"} <= rule_ids(vitam_world.tenant_a)


def test_export_both_formats_and_reimport_changes_nothing(vitam_world, client):
    client.force_login(vitam_world.archivist_a)
    vitam_format = client.get(url("rule_export", vitam_world)).content
    assert vitam_format.startswith(b"RuleId,RuleType,RuleValue,RuleDescription,RuleDuration,RuleMeasurement\n")
    spreadsheet = client.get(url("rule_export", vitam_world), {"format": "spreadsheet"}).content
    assert spreadsheet.startswith("\ufeffRuleId;RuleType;".encode())
    assert RULES.parse(vitam_format).rows == RULES.parse(spreadsheet).rows
    assert len(RULES.parse(spreadsheet).rows) == len(rule_ids(vitam_world.tenant_a))
    upload(client, vitam_world, spreadsheet, name="export.csv", mode="replace")
    assert latest_import().state == ReferentialImport.State.UP_TO_DATE


def test_large_file_is_imported_by_the_background_worker(vitam_world, client, monkeypatch):
    monkeypatch.setattr(services, "BACKGROUND_THRESHOLD", 2)
    client.force_login(vitam_world.archivist_a)
    rows = [{"RuleId": f"APP-{n:04d}", "RuleType": "AppraisalRule", "RuleValue": f"Règle {n}", "RuleDescription": "",
             "RuleDuration": str(n % 50 + 1), "RuleMeasurement": "YEAR"} for n in range(30)]
    upload(client, vitam_world, RULES.to_csv(rows), mode="merge")
    import_ = latest_import()
    client.post(url("rule_import_confirm", vitam_world, pk=import_.pk))
    import_.refresh_from_db()
    assert import_.job is not None and import_.job.state == Job.State.SUCCEEDED
    assert import_.state == ReferentialImport.State.IMPORTED
    assert {row["RuleId"] for row in rows} <= rule_ids(vitam_world.tenant_a)


def test_vitam_outage_during_import_leaves_nothing_half_done_and_can_be_retried(vitam_world, client, vitamlite_server):
    client.force_login(vitam_world.archivist_a)
    content = b"RuleId,RuleType,RuleValue,RuleDescription,RuleDuration,RuleMeasurement\nAPP-OUT,AppraisalRule,Panne,,3,YEAR\n"
    upload(client, vitam_world, content, mode="merge")
    import_ = latest_import()
    before = rules_by_id(vitam_world.tenant_a)
    vitamlite_server.set_faults("error503:/admin-external/v1/rules")
    try:
        response = client.post(url("rule_import_confirm", vitam_world, pk=import_.pk))
    finally:
        vitamlite_server.set_faults("")
    assert response.status_code == 302
    import_.refresh_from_db()
    assert import_.state == ReferentialImport.State.FAILED and import_.error
    assert rules_by_id(vitam_world.tenant_a) == before
    assert not AuditEntry.objects.filter(action="referentials.rules_import").exists()
    client.post(url("rule_import_confirm", vitam_world, pk=import_.pk))
    import_.refresh_from_db()
    assert import_.state == ReferentialImport.State.IMPORTED and "APP-OUT" in rule_ids(vitam_world.tenant_a)


def test_outage_while_saving_a_rule_keeps_the_input(vitam_world, client, vitamlite_server):
    client.force_login(vitam_world.archivist_a)
    vitamlite_server.set_faults("error503:/admin-external/v1/rules")
    try:
        response = client.post(url("rule_create", vitam_world), {
            "RuleId": "APP-KEPT", "RuleType": "AppraisalRule", "RuleValue": "Saisie précieuse",
            "RuleDuration": "4", "RuleMeasurement": "YEAR"})
    finally:
        vitamlite_server.set_faults("")
    assert response.status_code == 200
    assert "Saisie précieuse" in response.content.decode() and response.context["form"].non_field_errors()
    assert "APP-KEPT" not in rule_ids(vitam_world.tenant_a)
