"""sam/lib/csv_export.py: the one CSV writer of SAM (spreadsheets and Vitam)."""

import csv
import io

import pytest

from sam.lib.csv_export import csv_bytes, csv_lines, neutralise, restore, vitam_csv


@pytest.mark.parametrize("text", ["=SUM(A1)", "+33 1 23", "-2+3", "@cmd", "\t=1", "\r=1"])
def test_formula_starts_are_neutralised_and_restored(text):
    assert neutralise(text) == "'" + text
    assert restore(neutralise(text)) == text
    assert neutralise(neutralise(text)) == neutralise(text)


@pytest.mark.parametrize("value", ["Délibérations 2019", "2019-01-01", "l'état civil", "'quoted", "", 350])
def test_normal_text_is_kept(value):
    assert neutralise(value) == str(value) and restore(str(value)) == str(value)


def test_none_is_an_empty_cell():
    assert neutralise(None) == ""


def test_streamed_lines_for_spreadsheets():
    lines = list(csv_lines(("title", "note"), [("=HYPERLINK(\"x\")", 'a "b"; c'), (None, 3)]))
    assert lines == ["\ufefftitle;note\r\n", "\"'=HYPERLINK(\"\"x\"\")\";\"a \"\"b\"\"; c\"\r\n", ";3\r\n"]


def test_semicolon_by_default_and_no_bom():
    data = csv_bytes(("a", "b"), [("1;2", "-x")], bom=False)
    assert data == b"a;b\r\n\"1;2\";'-x\r\n"
    assert list(csv.reader(io.StringIO(data.decode()), delimiter=";")) == [["a", "b"], ["1;2", "'-x"]]


def test_vitam_csv_keeps_values_as_they_are():
    assert vitam_csv(("RuleId", "RuleValue"), [("APP-1", "=1 an"), ("APP-2", None)]) == (
        b"RuleId,RuleValue\nAPP-1,=1 an\nAPP-2,\n")
