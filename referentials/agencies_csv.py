"""Agencies (services producteurs et versants) from a spreadsheet to Vitam's agencies CSV.

Validates the whole file like Vitam does (vitam-api.md §11.2: Identifier and Name mandatory,
identifiers unique, names free) with French messages naming the spreadsheet line, so nothing is
sent to Vitam while the file has errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from referentials.spreadsheets import (
    LineError, SpreadsheetError, map_columns, missing_columns_message, read_table, records,
)
from sam.lib.csv_export import vitam_csv

VITAM_HEADER = ("Identifier", "Name", "Description")
COLUMN_ALIASES = {
    "Identifier": ("identifiant", "id", "code", "identifiantduservice", "codeduservice"),
    "Name": ("nom", "intitule", "libelle", "nomduservice", "denomination"),
    "Description": ("description", "commentaire", "presentation"),
}


@dataclass
class Agency:
    line: int
    identifier: str
    name: str
    description: str = ""

    def as_vitam_row(self):
        return (self.identifier, self.name, self.description)


@dataclass
class ParsedAgencies:
    agencies: list[Agency] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    encoding: str = "utf-8"
    delimiter: str = ","

    @property
    def is_valid(self):
        return not self.errors and not self.file_errors


def parse_agencies(data: bytes) -> ParsedAgencies:
    """Read and validate a whole agencies spreadsheet; nothing is half-accepted."""
    try:
        table = read_table(data)
    except SpreadsheetError as exc:
        return ParsedAgencies(file_errors=[str(exc)])
    parsed = ParsedAgencies(encoding=table.encoding, delimiter=table.delimiter)
    positions, _unknown = map_columns(table.header, COLUMN_ALIASES)
    missing = [name for name in ("Identifier", "Name") if name not in positions]
    if missing:
        parsed.file_errors.append(missing_columns_message(missing, VITAM_HEADER))
        return parsed
    seen: dict[str, int] = {}
    for line, cell in records(table, positions, parsed.errors):
        agency = Agency(line=line, identifier=cell("Identifier"), name=cell("Name"), description=cell("Description"))
        if not agency.identifier:
            parsed.errors.append(LineError(line, "Identifier", _("the identifier is missing.")))
        elif agency.identifier in seen:
            parsed.errors.append(LineError(
                line, "Identifier",
                _("the identifier %(id)s is already used on line %(other)s.")
                % {"id": agency.identifier, "other": seen[agency.identifier]},
            ))
        else:
            seen[agency.identifier] = line
        if not agency.name:
            parsed.errors.append(LineError(line, "Name", _("the name of the service is missing.")))
        parsed.agencies.append(agency)
    if not parsed.agencies and not parsed.errors:
        parsed.file_errors.append(_("The file has a header but no service."))
    return parsed


def to_vitam_csv(agencies: list[Agency]) -> bytes:
    """Vitam's agencies CSV: UTF-8, ',' separated, header Identifier,Name,Description."""
    return vitam_csv(VITAM_HEADER, (agency.as_vitam_row() for agency in agencies))
