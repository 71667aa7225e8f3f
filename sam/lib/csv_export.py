"""The CSV files SAM writes: for spreadsheets (formulas neutralised) or for Vitam (values as they are).

A spreadsheet runs a cell starting with = + - @ (or a tab or carriage return before one) as a
formula, so every cell of a CSV meant for people is prefixed with ' when it starts so (OWASP
"CSV injection"); restore() removes that prefix when SAM reads such a file back. Files for people
are ';' separated (French spreadsheet software splits on ';', the comma being the decimal mark) and
start with a UTF-8 BOM. Vitam reads values literally: its CSV is written ',' separated, without BOM
and without neutralising, or the data would change.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    """The text of a cell, prefixed with ' when a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def restore(text: str) -> str:
    """The value neutralise() protected, for reading back a CSV SAM wrote (or a spreadsheet's ')."""
    return text[1:] if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS else text


class _Echo:
    """A pseudo-file whose write() returns the line: csv.writer then yields lines one by one."""

    def write(self, line: str) -> str:
        return line


def csv_lines(header: Iterable, rows: Iterable[Iterable], *, delimiter: str = ";", line_end: str = "\r\n",
              bom: bool = True, formulas_neutralised: bool = True) -> Iterator[str]:
    """The CSV as text lines, one per row, for streaming; the default is what a French spreadsheet
    opens as is: RFC 4180 quoting, ';' separated, UTF-8 with a BOM (so that the encoding is
    detected), formulas neutralised."""
    writer = csv.writer(_Echo(), delimiter=delimiter, lineterminator=line_end)
    cell = neutralise if formulas_neutralised else (lambda value: value)
    yield ("\ufeff" if bom else "") + writer.writerow([cell(value) for value in header])
    for row in rows:
        yield writer.writerow([cell(value) for value in row])


def csv_bytes(header: Iterable, rows: Iterable[Iterable], **options) -> bytes:
    """The whole CSV encoded in UTF-8 (options of csv_lines)."""
    return "".join(csv_lines(header, rows, **options)).encode("utf-8")


def vitam_csv(header: Iterable, rows: Iterable[Iterable]) -> bytes:
    """A CSV as Vitam imports it (rules, agencies): UTF-8 without BOM, ',' separated, '\\n' line ends,
    values as they are."""
    return csv_bytes(header, rows, delimiter=",", line_end="\n", bom=False, formulas_neutralised=False)
