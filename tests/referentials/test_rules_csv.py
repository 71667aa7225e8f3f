"""Rules spreadsheets: Vitam's corpus files and archivists' exports, validated whole, line by line."""

import csv
import io

import pytest
from django.utils import translation

from referentials.rules_csv import parse_rules, to_vitam_csv

RULES = "referentials/rules"


@pytest.mark.parametrize("name", [
    "jeu_donnees_OK_regles_CSV.csv",
    "jeu_donnees_OK_regles_CSV_15000Jours.csv",
    "jeu_donnees_OK_regles_CSV_core-25-rules.csv",
    "jeu_donnees_OK_regles_CSV_delete_rule.csv",
    "jeu_donnees_OK_regles_CSV_unLimiTEd.csv",
])
def test_corpus_valid_files_are_accepted(vitam_reference, name):
    parsed = parse_rules((vitam_reference / RULES / "valid" / name).read_bytes())
    assert parsed.is_valid, [str(e) for e in parsed.errors] + parsed.file_errors
    assert len(parsed.rules) >= 24


# (file, line, column) of the first error Vitam reports for the file (corpus README).
INVALID = [
    ("jeu_donnees_KO_regles_CSV_90000_YEAR.csv", 2, "RuleDuration"),
    ("jeu_donnees_KO_regles_CSV_AnarchyRule.csv", 2, "RuleType"),
    ("jeu_donnees_KO_regles_CSV_Decade_Measure.csv", 2, "RuleMeasurement"),
    ("jeu_donnees_KO_regles_CSV_DuplicatedReference.csv", 3, "RuleId"),
    ("jeu_donnees_KO_regles_CSV_HoldRuleWithDurationAndNoMeasure.csv", 2, "RuleMeasurement"),
    ("jeu_donnees_KO_regles_CSV_HoldRuleWithMeasureAndNoDuration.csv", 2, "RuleDuration"),
    ("jeu_donnees_KO_regles_CSV_Negative_Duration.csv", 2, "RuleDuration"),
    ("jeu_donnees_KO_regles_CSV_ReferenceWithWrongComma.csv", 3, "-"),
    ("jeu_donnees_KO_regles_CSV_UNKNOWN_Duration.csv", 2, "RuleDuration"),
    ("jeu_donnees_KO_regles_CSV_WrongRuleType.csv", 2, "RuleType"),
    ("jeu_donnees_KO_regles_CSV_empty_line.csv", 7, "-"),
]


@pytest.mark.parametrize("name,line,column", INVALID)
def test_corpus_invalid_files_are_refused_at_the_right_line(vitam_reference, name, line, column):
    parsed = parse_rules((vitam_reference / RULES / "invalid" / name).read_bytes())
    assert not parsed.is_valid
    first = parsed.errors[0]
    assert (first.line, first.column) == (line, column), [str(e) for e in parsed.errors]


def test_wrong_rule_type_reports_both_lines(vitam_reference):
    parsed = parse_rules((vitam_reference / RULES / "invalid" / "jeu_donnees_KO_regles_CSV_WrongRuleType.csv").read_bytes())
    assert [(e.line, e.column) for e in parsed.errors] == [(2, "RuleType"), (3, "RuleType")]


def test_missing_column_is_a_file_error_naming_it(vitam_reference):
    parsed = parse_rules((vitam_reference / RULES / "invalid" / "jeu_donnees_KO_regles_CSV_missing_column.csv").read_bytes())
    assert not parsed.is_valid
    assert "RuleType" in parsed.file_errors[0]


def test_windows_1252_file_of_the_corpus_is_converted(vitam_reference):
    """Vitam refuses non-UTF-8 files; SAM reads them and sends UTF-8."""
    data = (vitam_reference / RULES / "invalid" / "jeu_donnees_KO_regles_CSV_latin1-encoding.csv").read_bytes()
    parsed = parse_rules(data)
    assert parsed.is_valid and parsed.encoding == "windows-1252"
    assert "é" in to_vitam_csv(parsed.rules).decode("utf-8")


def test_french_spreadsheet_export_semicolon_windows_1252():
    sheet = (
        "Identifiant;Type;Intitulé;Description;Durée;Unité\r\n"
        "DEL-001;DUA;Délibérations du conseil municipal;Registre;10;ans\r\n"
        "ACC-050;Communicabilité;Vie privée;Code du patrimoine L213-2;50;Années\r\n"
        "GEL-001;Gel;Contentieux en cours;;;\r\n"
        "PC-001;AppraisalRule;Permis de construire;;illimitée;an\r\n"
    ).encode("cp1252")
    parsed = parse_rules(sheet)
    assert parsed.is_valid, [str(e) for e in parsed.errors]
    assert (parsed.encoding, parsed.delimiter) == ("windows-1252", ";")
    rows = list(csv.reader(io.StringIO(to_vitam_csv(parsed.rules).decode("utf-8"))))
    assert rows[0] == ["RuleId", "RuleType", "RuleValue", "RuleDescription", "RuleDuration", "RuleMeasurement"]
    assert rows[1] == ["DEL-001", "AppraisalRule", "Délibérations du conseil municipal", "Registre", "10", "YEAR"]
    assert rows[2][1:] == ["AccessRule", "Vie privée", "Code du patrimoine L213-2", "50", "YEAR"]
    assert rows[3] == ["GEL-001", "HoldRule", "Contentieux en cours", "", "", ""]
    assert rows[4][4:] == ["unlimited", "YEAR"]


def test_every_error_of_the_file_is_reported_at_once():
    sheet = (
        "RuleId,RuleType,RuleValue,RuleDescription,RuleDuration,RuleMeasurement\n"
        "A-1,AppraisalRule,,x,10,YEAR\n"
        "A-1,AppraisalRule,Doublon,x,10,YEAR\n"
        "A-3,AppraisalRule,Trop long,x,1000,YEAR\n"
        "A-4,AccessRule,Sans unité,x,10,\n"
    ).encode()
    with translation.override("en"):  # messages are written in the language active while parsing
        parsed = parse_rules(sheet)
        assert str(parsed.errors[1]) == "Line 3, column RuleId: the identifier A-1 is already used on line 2."
    assert [(e.line, e.column) for e in parsed.errors] == [
        (2, "RuleValue"), (3, "RuleId"), (4, "RuleDuration"), (5, "RuleMeasurement"),
    ]


@pytest.mark.parametrize("data,needle", [
    (b"", "empty"),
    (b"PK\x03\x04\x00\x00binary", "binary"),
    (b"RuleId,RuleType\n", "Missing columns"),
])
def test_unreadable_files_get_a_file_error(data, needle):
    with translation.override("en"):
        parsed = parse_rules(data)
    assert not parsed.is_valid and needle in parsed.file_errors[0]
