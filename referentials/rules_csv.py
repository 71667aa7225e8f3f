"""Management rules (règles de gestion) from a spreadsheet to Vitam's rules CSV.

Validates the whole file like Vitam does (vitam-api.md §11.1) but with French messages that name
the spreadsheet line and column, so nothing is sent to Vitam while the file has errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from referentials.spreadsheets import (
    LineError, SpreadsheetError, map_columns, missing_columns_message, normalise_name, read_table, records,
)
from sam.lib.csv_export import vitam_csv

RULE_TYPES = (
    "AppraisalRule", "AccessRule", "StorageRule", "DisseminationRule",
    "ClassificationRule", "ReuseRule", "HoldRule",
)
VITAM_HEADER = ("RuleId", "RuleType", "RuleValue", "RuleDescription", "RuleDuration", "RuleMeasurement")
# Longest duration Vitam accepts, per measurement (999 years).
MAX_DURATION = {"YEAR": 999, "MONTH": 11988, "DAY": 359640}

COLUMN_ALIASES = {
    "RuleId": ("identifiant", "code", "idregle", "identifiantdelaregle", "reference"),
    "RuleType": ("type", "typederegle", "categorie", "categoriederegle"),
    "RuleValue": ("intitule", "libelle", "nom", "intituledelaregle", "valeur"),
    "RuleDescription": ("description", "commentaire"),
    "RuleDuration": ("duree", "dureedelaregle"),
    "RuleMeasurement": ("unite", "mesure", "unitedemesure", "unitededuree"),
}
# French labels are accepted in any case; Vitam's own identifiers must be written exactly.
TYPE_ALIASES = {
    normalise_name(alias): rule_type
    for rule_type, aliases in {
        "AppraisalRule": ("DUA", "Durée d'utilité administrative"),
        "AccessRule": ("Communicabilité", "Délai de communicabilité"),
        "StorageRule": ("DUC", "Durée d'utilité courante"),
        "DisseminationRule": ("Diffusion", "Délai de diffusion"),
        "ClassificationRule": ("Classification", "Durée de classification"),
        "ReuseRule": ("Réutilisation", "Durée de réutilisation"),
        "HoldRule": ("Gel", "Durée de gel"),
    }.items()
    for alias in aliases
}
MEASUREMENT_ALIASES = {
    **dict.fromkeys(("year", "years", "an", "ans", "annee", "annees"), "YEAR"),
    **dict.fromkeys(("month", "months", "mois"), "MONTH"),
    **dict.fromkeys(("day", "days", "jour", "jours"), "DAY"),
}


@dataclass
class Rule:
    line: int
    rule_id: str
    rule_type: str
    value: str
    description: str = ""
    duration: str = ""
    measurement: str = ""

    def as_vitam_row(self):
        return (self.rule_id, self.rule_type, self.value, self.description, self.duration, self.measurement)


@dataclass
class ParsedRules:
    rules: list[Rule] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    encoding: str = "utf-8"
    delimiter: str = ","

    @property
    def is_valid(self):
        return not self.errors and not self.file_errors


def _duration(rule: Rule, raw_duration: str, raw_measurement: str, errors: list[LineError]):
    duration = raw_duration.strip()
    measurement_key = normalise_name(raw_measurement)
    measurement = MEASUREMENT_ALIASES.get(measurement_key, "")
    if rule.rule_type == "HoldRule" and not duration and not raw_measurement.strip():
        return
    if not duration:
        errors.append(LineError(rule.line, "RuleDuration", _("the duration is missing.")))
    elif duration.lower() == "unlimited" or normalise_name(duration) in ("illimite", "illimitee"):
        rule.duration = "unlimited"
    elif not duration.isdigit():
        errors.append(LineError(
            rule.line, "RuleDuration",
            _("“%(value)s” is not a duration: write a whole number of years, months or days, or “unlimited”.")
            % {"value": duration},
        ))
    else:
        rule.duration = str(int(duration))
    if not raw_measurement.strip():
        errors.append(LineError(rule.line, "RuleMeasurement", _("the unit (years, months or days) is missing.")))
    elif not measurement:
        errors.append(LineError(
            rule.line, "RuleMeasurement",
            _("“%(value)s” is not a unit: use years, months or days.") % {"value": raw_measurement},
        ))
    else:
        rule.measurement = measurement
    if rule.duration.isdigit() and measurement and int(rule.duration) > MAX_DURATION[measurement]:
        errors.append(LineError(
            rule.line, "RuleDuration",
            _("%(duration)s %(unit)s is longer than the 999 years Vitam accepts.")
            % {"duration": rule.duration, "unit": raw_measurement},
        ))


def parse_rules(data: bytes) -> ParsedRules:
    """Read and validate a whole rules spreadsheet; nothing is half-accepted."""
    try:
        table = read_table(data)
    except SpreadsheetError as exc:
        return ParsedRules(file_errors=[str(exc)])
    parsed = ParsedRules(encoding=table.encoding, delimiter=table.delimiter)
    positions, _unknown = map_columns(table.header, COLUMN_ALIASES)
    missing = [name for name in ("RuleId", "RuleType", "RuleValue", "RuleDuration", "RuleMeasurement") if name not in positions]
    if missing:
        parsed.file_errors.append(missing_columns_message(missing, VITAM_HEADER))
        return parsed
    seen: dict[str, int] = {}
    for line, cell in records(table, positions, parsed.errors):
        rule = Rule(line=line, rule_id=cell("RuleId"), rule_type="", value=cell("RuleValue"),
                    description=cell("RuleDescription"))
        if not rule.rule_id:
            parsed.errors.append(LineError(line, "RuleId", _("the identifier is missing.")))
        elif rule.rule_id in seen:
            parsed.errors.append(LineError(
                line, "RuleId",
                _("the identifier %(id)s is already used on line %(other)s.") % {"id": rule.rule_id, "other": seen[rule.rule_id]},
            ))
        else:
            seen[rule.rule_id] = line
        raw_type = cell("RuleType")
        rule.rule_type = raw_type if raw_type in RULE_TYPES else TYPE_ALIASES.get(normalise_name(raw_type), "")
        miscased = next((t for t in RULE_TYPES if t.lower() == raw_type.lower() and t != raw_type), None)
        if miscased:
            parsed.errors.append(LineError(
                line, "RuleType",
                _("“%(value)s”: write %(type)s exactly (Vitam distinguishes capitals).") % {"value": raw_type, "type": miscased},
            ))
        elif not rule.rule_type:
            parsed.errors.append(LineError(
                line, "RuleType",
                _("“%(value)s” is not a rule type. Accepted: %(types)s.") % {"value": raw_type, "types": ", ".join(RULE_TYPES)},
            ))
        if not rule.value:
            parsed.errors.append(LineError(line, "RuleValue", _("the title of the rule is missing.")))
        if rule.rule_type:
            _duration(rule, cell("RuleDuration"), cell("RuleMeasurement"), parsed.errors)
        parsed.rules.append(rule)
    if not parsed.rules and not parsed.errors:
        parsed.file_errors.append(_("The file has a header but no rule."))
    return parsed


def to_vitam_csv(rules: list[Rule]) -> bytes:
    """Vitam's rules CSV: UTF-8 without BOM, ',' separated, header RuleId,...,RuleMeasurement."""
    return vitam_csv(VITAM_HEADER, (rule.as_vitam_row() for rule in rules))
