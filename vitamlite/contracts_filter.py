"""Access contract restrictions applied to every unit / object group query (vitam-api.md section 9.3).

Holding units (#unitType HOLDING_UNIT) are always visible. Other units are visible when the contract has
EveryOriginatingAgency or when their #originating_agencies intersect the contract's OriginatingAgencies.
RootUnits keeps only those units and their descendants (#id or #allunitups); ExcludedRootUnits removes them.

RuleCategoryToFilter (e.g. ["AccessRule"], the researchers' contract) hides the units whose rules of those
categories still run. Vitam filters on the computed inherited rules (MaxEndDate after today). vitam-lite's
documented approximation: a unit is hidden when itself or any of its ancestors carries a rule of a filtered
category whose EndDate is after today or cannot be computed (no EndDate); PreventInheritance and
RefNonRuleId are not taken into account, so the approximation may hide more than Vitam, never less.
Object groups follow their units: one is visible when at least one of its units is.
"""

from datetime import date

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Restriction:
    every_originating_agency: bool = True
    originating_agencies: frozenset = field(default_factory=frozenset)
    root_units: frozenset = field(default_factory=frozenset)
    excluded_root_units: frozenset = field(default_factory=frozenset)
    every_data_object_version: bool = True
    data_object_versions: frozenset = field(default_factory=frozenset)
    rule_categories_to_filter: frozenset = field(default_factory=frozenset)

    def today(self) -> str:
        """The date rules are compared with (ISO, as stored in unit_rules.end_date)."""
        return date.today().isoformat()

    def unit_visible(self, unit: dict) -> bool:
        """Same rule as the SQL filter, for documents already in memory."""
        unit_ids = {unit.get("#id"), *(unit.get("#allunitups") or [])}
        if self.root_units and not (unit_ids & self.root_units):
            return False
        if self.excluded_root_units and (unit_ids & self.excluded_root_units):
            return False
        if unit.get("#unitType") == "HOLDING_UNIT" or self.every_originating_agency:
            return True
        return bool(set(unit.get("#originating_agencies") or []) & self.originating_agencies)

    def usage_allowed(self, qualifier: str) -> bool:
        """DataObjectVersion restriction: may this contract read objects of usage `qualifier` (e.g. BinaryMaster)?"""
        return self.every_data_object_version or qualifier in self.data_object_versions


def restriction_from_contract(contract_doc: dict) -> Restriction:
    """Build the restriction of an access contract document (Vitam field names)."""
    return Restriction(
        every_originating_agency=bool(contract_doc.get("EveryOriginatingAgency", False)),
        originating_agencies=frozenset(contract_doc.get("OriginatingAgencies") or ()),
        root_units=frozenset(contract_doc.get("RootUnits") or ()),
        excluded_root_units=frozenset(contract_doc.get("ExcludedRootUnits") or ()),
        every_data_object_version=bool(contract_doc.get("EveryDataObjectVersion", False)),
        data_object_versions=frozenset(contract_doc.get("DataObjectVersion") or ()),
        rule_categories_to_filter=frozenset(contract_doc.get("RuleCategoryToFilter") or ()),
    )


# No contract at all (internal calls, ingest workflows): everything of the tenant is visible.
UNRESTRICTED = Restriction()
