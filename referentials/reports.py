"""Vitam's check and import reports of the rules and agencies referentials, told in the user's language.

Vitam reports errors per CSV record ("line 3" = the third record, header = line 1), which is also
how SAM numbers spreadsheet rows, so each message names the line the archivist sees.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from sam.lib import vitam_messages

_LINE = re.compile(r"line\s+(\d+)", re.IGNORECASE)


def _code_message(code: str, info) -> str:
    base = code.removesuffix(".KO").removesuffix(".WARNING")
    info_text = ", ".join(map(str, info)) if isinstance(info, list) else str(info or "")
    messages = {
        "STP_IMPORT_RULES_NOT_CSV_FORMAT": _("mandatory value missing: %(info)s."),
        "STP_IMPORT_RULES_WRONG_RULEDURATION": _("“%(info)s” is not a duration (a whole number ≥ 0 or “unlimited”)."),
        "STP_IMPORT_RULES_RULEID_DUPLICATION": _("the identifier %(info)s appears more than once."),
        "STP_IMPORT_RULES_WRONG_RULEMEASUREMENT": _("“%(info)s” is not a unit (year, month or day)."),
        "STP_IMPORT_RULES_WRONG_RULETYPE_UNKNOW": _("“%(info)s” is not a rule type."),
        "STP_IMPORT_RULES_WRONG_TOTALDURATION": _("%(info)s is longer than the 999 years Vitam accepts."),
        "STP_IMPORT_RULES_RULEDURATION_EXCEED": _("the duration is below the minimum set for this tenant (%(info)s)."),
        "STP_IMPORT_AGENCIES_MISSING_INFORMATIONS": _("mandatory value missing: %(info)s."),
        "STP_IMPORT_AGENCIES_ID_DUPLICATION": _("the identifier %(info)s appears more than once."),
        "STP_IMPORT_AGENCIES_DELETE_USED_AGENCIES": _(
            "these services are still used and cannot be removed: %(info)s."),
    }
    template = messages.get(base)
    if template:
        return template % {"info": info_text}
    return _("%(message)s (%(info)s)") % {"message": vitam_messages.describe(code), "info": info_text}


def _line_sort_key(label: str):
    match = _LINE.search(label)
    return (0, int(match.group(1))) if match else (1, label)


def report_messages(report: dict) -> list[str]:
    """Every refusal reason of a Vitam rules or agencies report, one French sentence each."""
    if not isinstance(report, dict):
        return []
    messages = []
    per_line = report.get("error") or report.get("Errors") or {}
    if isinstance(per_line, dict):
        for label in sorted(per_line, key=_line_sort_key):
            match = _LINE.search(label)
            for error in per_line[label] or []:
                text = _code_message(error.get("Code", ""), error.get("Information additionnelle", ""))
                if match:
                    messages.append(_("Line %(line)s: %(message)s") % {"line": match.group(1), "message": text})
                else:
                    messages.append(text[:1].upper() + text[1:])
    used_deleted = report.get("usedFileRulesToDelete") or []
    if used_deleted:
        messages.append(_("These rules are used by archive units and cannot be deleted: %(ids)s.")
                        % {"ids": ", ".join(used_deleted)})
    mode_changed = report.get("usedRulesWithDurationModeUpdate") or []
    if mode_changed:
        messages.append(_("These rules are used by archive units: their duration cannot switch between defined "
                          "and undefined: %(ids)s.") % {"ids": ", ".join(mode_changed)})
    operation = report.get("Operation") or {}
    if not messages:
        # A refusal of the whole file (CHECK_RULES.INVALID_CSV.KO...): Vitam's French text, the code for support.
        refusal = vitam_messages.message(operation.get("outDetail"))
        if refusal:
            messages.append(_("%(message)s (code %(code)s)") % {"message": refusal, "code": operation["outDetail"]})
        if operation.get("evDetData"):
            messages.append(_("The archive system could not read the file: %(detail)s")
                            % {"detail": operation["evDetData"]})
    if not messages and report.get("description"):
        # A VitamError envelope instead of a report (unreadable agencies file).
        messages.append(_("The archive system refused the file: %(detail)s") % {"detail": report["description"]})
    return messages


def report_warnings(report: dict) -> list[str]:
    """What Vitam will accept but the user should know (used rules or services being changed)."""
    if not isinstance(report, dict):
        return []
    warnings = []
    used_updated = report.get("usedFileRulesToUpdate") or []
    if used_updated:
        warnings.append(_("These rules are used by archive units; the units' end dates will be recomputed: %(ids)s.")
                        % {"ids": ", ".join(used_updated)})
    for key, text in (("UsedAgenciesByContracts", _("These changed services are named by access contracts: %(ids)s.")),
                      ("UsedAgenciesByAu", _("These changed services are producers of archive units: %(ids)s."))):
        used = report.get(key) or []
        if used and report.get("Errors") is None:
            warnings.append(text % {"ids": ", ".join(used)})
    return warnings
