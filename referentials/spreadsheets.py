"""Read CSV files as archivists' spreadsheets produce them.

Excel and LibreOffice export UTF-8 with or without a byte-order mark, or Windows-1252, with ';'
(French locale) or ',' as separator. Vitam itself accepts only UTF-8 with ','; SAM converts.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

MAX_CSV_BYTES = 20 * 1024 * 1024


class SpreadsheetError(ValueError):
    """The file cannot be read at all (size, encoding, structure)."""


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (row number in the spreadsheet, values); the header is row 1
    encoding: str
    delimiter: str


def decode(data: bytes) -> tuple[str, str]:
    if len(data) > MAX_CSV_BYTES:
        raise SpreadsheetError(_("The file is larger than %(size)s MB.") % {"size": MAX_CSV_BYTES // 1024**2})
    if b"\x00" in data[:4096]:
        raise SpreadsheetError(_("This file is not a CSV text file (it looks like a binary file, e.g. .xlsx)."))
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as exc:
        raise SpreadsheetError(
            _("The file's encoding is neither UTF-8 nor Windows-1252 (byte %(position)s).") % {"position": exc.start}
        ) from None


def sniff_delimiter(first_line: str) -> str:
    counts = {delimiter: first_line.count(delimiter) for delimiter in (";", ",", "\t")}
    delimiter = max(counts, key=counts.get)
    return delimiter if counts[delimiter] else ","


def read_table(data: bytes) -> Table:
    text, encoding = decode(data)
    if not text.strip():
        raise SpreadsheetError(_("The file is empty."))
    delimiter = sniff_delimiter(text.splitlines()[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [cell.strip() for cell in next(reader)]
        # Rows are numbered as a spreadsheet shows them (header = 1), which is also how Vitam
        # numbers records: a quoted cell spanning several physical lines stays one row.
        rows = [(line, [value.strip() for value in values]) for line, values in enumerate(reader, start=2)]
    except csv.Error as exc:
        raise SpreadsheetError(_("Line %(line)s cannot be read: %(error)s") % {"line": reader.line_num, "error": exc}) from None
    return Table(header=header, rows=rows, encoding=encoding, delimiter=delimiter)


def normalise_name(name: str) -> str:
    """'Intitulé de la règle' -> 'intituledelaregle': for matching column names and labels."""
    stripped = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", stripped.lower())


def map_columns(header: list[str], aliases: dict[str, tuple[str, ...]]) -> tuple[dict[str, int], list[str]]:
    """Column index of each canonical field, and the unknown column names.

    `aliases` maps a canonical field to its accepted spellings (normalised with normalise_name).
    """
    positions: dict[str, int] = {}
    unknown = []
    for index, name in enumerate(header):
        key = normalise_name(name)
        for field, spellings in aliases.items():
            if key == normalise_name(field) or key in spellings:
                positions.setdefault(field, index)
                break
        else:
            if key:
                unknown.append(name)
    return positions, unknown


@dataclass
class LineError:
    line: int
    column: str
    message: str

    def __str__(self):
        return _("Line %(line)s, column %(column)s: %(message)s") % {
            "line": self.line, "column": self.column, "message": self.message,
        }


def missing_columns_message(missing, expected) -> str:
    return _("Missing columns: %(columns)s. Expected: %(expected)s.") % {
        "columns": ", ".join(missing), "expected": ", ".join(expected),
    }


def records(table: Table, positions: dict[str, int], errors: list[LineError]) -> Iterator[tuple[int, Callable]]:
    """Each usable row as (line, cell), where cell(field) reads that column of the row.

    A blank row and a row with more values than the header (an unquoted separator inside a text)
    become errors of their line, as in Vitam's imports, and are not yielded.
    """
    for line, values in table.rows:
        if not any(values):
            errors.append(LineError(line, "-", _("empty line: remove it.")))
            continue
        if len(values) > len(table.header):
            errors.append(LineError(
                line, "-",
                _("%(found)s values for %(expected)s columns (a separator inside a text must be quoted).")
                % {"found": len(values), "expected": len(table.header)},
            ))
            continue

        def cell(name, values=values):
            index = positions.get(name)
            return values[index].strip() if index is not None and index < len(values) else ""

        yield line, cell
