"""Management rules of archive units at ingest: SEDA <Management> → Vitam ``#management`` with end dates.

EndDate = StartDate + RuleDuration × RuleMeasurement from the tenant's rules referential (calendar
arithmetic); no StartDate or an ``unlimited`` duration → no EndDate. HoldRule without duration: EndDate =
HoldEndDate when given (which must not precede StartDate). Any problem raises RulesError with Vitam's
UNITS_RULES_COMPUTE sub-status (UNKNOWN, CONSISTENCY, REF_INCONSISTENCY) and a French message.
"""

import calendar
import datetime

from vitamlite.ingest.manifest import RULE_CATEGORIES, local

RULE_ATTRIBUTES = ("StartDate", "HoldEndDate", "HoldOwner", "HoldReason", "HoldReassessingDate", "PreventRearrangement")
CATEGORY_PROPERTIES = (
    "FinalAction", "ClassificationLevel", "ClassificationOwner", "ClassificationAudience",
    "ClassificationReassessingDate", "NeedReassessingAuthorization",
)
BOOLEAN_VALUES = {"PreventRearrangement", "NeedReassessingAuthorization", "PreventInheritance", "NeedAuthorization"}
MAX_YEAR = 9000
# The classification levels a platform allows (Vitam's deployment default, classificationList in vitam_vars.yml);
# ingest (CHECK_CLASSIFICATION_LEVEL) and rule mass updates (MASS_UPDATE_RULES_CHECK) refuse any other.
CLASSIFICATION_LEVELS = ("Non protégé", "Secret Défense", "Confidentiel Défense")


class RulesError(Exception):
    def __init__(self, sub_status, message):
        super().__init__(message)
        self.sub_status = sub_status  # None for a plain UNITS_RULES_COMPUTE.KO
        self.message = message


def _text(element):
    value = (element.text or "").strip()
    if local(element) in BOOLEAN_VALUES:
        return value.lower() == "true"
    return value


def parse_category(element) -> dict:
    """One SEDA rule category element → {"Rules": [...], "Inheritance": {...}, properties...} (no dates yet)."""
    rules, prevent_inheritance, prevent_ids, properties = [], None, [], {}
    current = None
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = local(child)
        if name == "Rule":
            current = {"Rule": _text(child)}
            rules.append(current)
        elif name in RULE_ATTRIBUTES and current is not None:
            current[name] = _text(child)
        elif name == "PreventInheritance":
            prevent_inheritance = _text(child)
        elif name == "RefNonRuleId":
            prevent_ids.append(_text(child))
        elif name in CATEGORY_PROPERTIES:
            properties[name] = _text(child)
    category = {}
    if rules:
        category["Rules"] = rules
    if prevent_inheritance is not None:
        category["Inheritance"] = {"PreventInheritance": prevent_inheritance, "PreventRulesId": prevent_ids}
    elif prevent_ids:
        category["Inheritance"] = {"PreventRulesId": prevent_ids}
    category.update(properties)
    return category


def parse_management(element) -> dict:
    """SEDA <Management> (or <ManagementMetadata>) → #management without end dates."""
    management = {}
    if element is None:
        return management
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = local(child)
        if name in RULE_CATEGORIES:
            management[name] = parse_category(child)
        elif name == "NeedAuthorization":
            management["NeedAuthorization"] = _text(child)
    return management


def apply_global_rules(management: dict, global_management: dict) -> dict:
    """ManagementMetadata rules reach the SIP's root units unless redeclared, refused or blocked locally."""
    for category, global_category in global_management.items():
        if category not in RULE_CATEGORIES or not global_category.get("Rules"):
            continue
        local_category = management.setdefault(category, {})
        inheritance = local_category.get("Inheritance", {})
        if inheritance.get("PreventInheritance"):
            continue
        declared = {rule["Rule"] for rule in local_category.get("Rules", [])}
        refused = set(inheritance.get("PreventRulesId", []))
        extra = [dict(rule) for rule in global_category["Rules"] if rule["Rule"] not in declared | refused]
        if extra:
            local_category["Rules"] = local_category.get("Rules", []) + extra
        if not local_category:
            del management[category]
    return management


def _parse_date(value, rule_id, field):
    try:
        return datetime.date.fromisoformat(value[:10])
    except (TypeError, ValueError):
        raise RulesError("CONSISTENCY", f"Date {field} invalide pour la règle {rule_id} : {value!r}")


def add_duration(start: datetime.date, duration: int, measurement: str) -> datetime.date:
    measurement = measurement.upper()
    if measurement == "DAY":
        return start + datetime.timedelta(days=duration)
    if measurement == "SECOND":
        return start + datetime.timedelta(seconds=duration)
    months = duration * 12 if measurement == "YEAR" else duration
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return datetime.date(year, month, day)


def compute_end_dates(management: dict, rules_by_id: dict) -> dict:
    """Check every rule against the referential and set EndDate (never trusting a client EndDate)."""
    for category, content in management.items():
        if category not in RULE_CATEGORIES:
            continue
        for prevented in content.get("Inheritance", {}).get("PreventRulesId", []):
            referential_rule = rules_by_id.get(prevented)
            if referential_rule is None or referential_rule.get("RuleType") != category:
                raise RulesError(
                    "REF_INCONSISTENCY",
                    f"La règle {prevented} exclue de l'héritage n'existe pas dans la catégorie {category}",
                )
        for rule in content.get("Rules", []):
            rule_id = rule["Rule"]
            rule.pop("EndDate", None)
            referential_rule = rules_by_id.get(rule_id)
            if referential_rule is None:
                raise RulesError("UNKNOWN", f"La règle {rule_id} n'existe pas dans le référentiel des règles de gestion")
            if referential_rule.get("RuleType") != category:
                raise RulesError(
                    "CONSISTENCY",
                    f"La règle {rule_id} est de type {referential_rule.get('RuleType')} et non {category}",
                )
            start = _parse_date(rule["StartDate"], rule_id, "StartDate") if rule.get("StartDate") else None
            if start is not None and start.year > MAX_YEAR:
                raise RulesError(None, f"Date de début postérieure à l'an {MAX_YEAR} pour la règle {rule_id}")
            duration = str(referential_rule.get("RuleDuration") or "").strip()
            measurement = str(referential_rule.get("RuleMeasurement") or "").strip()
            has_duration = bool(duration) and duration.lower() != "unlimited"
            if "HoldEndDate" in rule:
                hold_end = _parse_date(rule["HoldEndDate"], rule_id, "HoldEndDate")
                if category != "HoldRule" or has_duration or duration.lower() == "unlimited":
                    raise RulesError(
                        "CONSISTENCY", f"HoldEndDate n'est pas autorisée pour la règle {rule_id} qui a une durée"
                    )
                if start is not None and hold_end < start:
                    raise RulesError(
                        "CONSISTENCY", f"HoldEndDate antérieure à StartDate pour la règle {rule_id}"
                    )
                rule["EndDate"] = hold_end.isoformat()
                continue
            if start is None or not has_duration:
                continue
            try:
                end = add_duration(start, int(duration), measurement)
            except (ValueError, OverflowError):
                raise RulesError(None, f"Impossible de calculer la date de fin de la règle {rule_id}")
            if end.year > MAX_YEAR:
                raise RulesError(None, f"Date de fin postérieure à l'an {MAX_YEAR} pour la règle {rule_id}")
            rule["EndDate"] = end.isoformat()
    return management


def rule_ids(management: dict) -> set:
    return {rule["Rule"] for content in management.values() if isinstance(content, dict) for rule in content.get("Rules", [])}
