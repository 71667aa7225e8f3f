"""The zip of a selection's files: a folder per unit (nested as the units are when a parent is selected too), the
chosen usages of each object group, written while Vitam sends them and streamed to the browser.

zip_plan() reads what the zip will hold (units through /units/stream, past the 10,000 window; object groups in
batches) — names and sizes only, never a binary. zip_stream() then relays each binary chunk by chunk into the zip
(zipstream-ng writes the framing as the bytes pass), so neither the zip nor a file is ever held in memory. A
streamed answer cannot change its status: what could not be fetched is listed in a last entry, ERREURS.txt, and
in the audit entry the end of the stream records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from zipstream import ZipStream

from sam.consultation.selectors import agencies_for, client_for
from sam.consultation.seda_labels import USAGES, level_label
from sam.lib.display import human_size
from sam.lib.zip_names import UniqueNames, safe_name
from sam.selection import selectors
from sam.vitam.dsl import Select, in_
from sam.vitam import limits
from sam.vitam.errors import VitamError, VitamUnavailable
from tenants.audit import audit_record
from tenants.vitam_clients import ADMIN, RESEARCHER, access_contract_for, vitam_client

ERRORS_NAME = "ERREURS.txt"
DESCRIPTION_NAME = "_description.txt"
# Vitam down: after that many files in a row it did not answer (each waited for the client's timeout), the rest
# are listed in ERREURS.txt without being asked, so the zip ends in bounded time.
GIVE_UP_AFTER = 3
GROUPS_PER_REQUEST = 500  # object groups looked up by one $in: far below Vitam's result window
DESCRIPTION_FIELDS = ("DescriptionLevel", "StartDate", "EndDate", "Description", "#originating_agency")
UNIT_FIELDS = ("#id", "Title", "#unitups", "#object", *DESCRIPTION_FIELDS)
# Usages a zip can hold: the ones with a binary (a physical original has none).
FILE_USAGES = tuple(code for code in USAGES if code != "PhysicalMaster")


def allowed_usages(tenant, *, user) -> list[tuple[str, str]]:
    """(code, French label) of the usages the user's access contract lets Vitam serve."""
    identifier = tenant.researcher_access_contract if access_contract_for(user, tenant) == RESEARCHER \
        else tenant.access_contract
    contract = vitam_client(tenant, contract=ADMIN).get_access_contract(identifier)
    every = contract.get("EveryDataObjectVersion", False)
    listed = set(contract.get("DataObjectVersion") or [])
    return [(code, str(USAGES[code])) for code in FILE_USAGES if every or code in listed]


@dataclass
class PlannedFile:
    usage: str
    version: int
    name: str  # already safe and unique in its folder
    size: int | None


@dataclass
class PlannedUnit:
    id: str
    title: str
    parent: str | None
    metadata: dict
    group: str
    name: str = ""  # of its folder, safe and unique beside its siblings
    path: str = ""
    files: list[PlannedFile] = field(default_factory=list)


@dataclass
class ZipPlan:
    units: list[PlannedUnit]

    @property
    def file_count(self) -> int:
        return sum(len(unit.files) for unit in self.units)

    @property
    def total_bytes(self) -> int:
        """Vitam's sizes of the files (the estimate shown before a large zip): the zip adds a few bytes a file."""
        return sum(planned.size or 0 for unit in self.units for planned in unit.files)


def zip_plan(*, actor, selection, usages) -> ZipPlan:
    """Every unit of the selection with its folder and the latest version of each chosen usage of its objects."""
    query = selectors.selection_query(selection)
    if query is None:
        raise ValidationError(_("The selection is empty: tick units in the search results first."))
    client = client_for(selection.tenant, user=actor)
    units, parents = [], {}
    for unit in limits.units_all(client, query.fields(*UNIT_FIELDS))[1]:
        planned = PlannedUnit(id=unit["#id"], title=unit.get("Title", ""), parent=None, group=unit.get("#object") or "",
                              metadata={key: unit[key] for key in DESCRIPTION_FIELDS if unit.get(key)})
        units.append(planned)
        parents[planned.id] = unit.get("#unitups") or []
    by_id = {unit.id: unit for unit in units}
    for unit in units:
        unit.parent = next((parent for parent in parents[unit.id] if parent in by_id), None)
    _name_folders(units, by_id)
    _plan_files(client, units, usages)
    return ZipPlan(units=sorted(units, key=lambda unit: unit.path.casefold()))


def _name_folders(units, by_id) -> None:
    """A folder per unit named from its title, inside its parent's folder when the parent is selected too."""
    names_in = {}  # parent id (None: the zip's root) -> names taken there
    for unit in sorted(units, key=lambda unit: (unit.title, unit.id)):  # the same suffixes whatever Vitam's order
        unit.name = names_in.setdefault(unit.parent, UniqueNames()).take(safe_name(unit.title, unit.id))

    def path_of(unit, seen=()):
        if not unit.path:
            parent = by_id.get(unit.parent)
            # Vitam's graph has no cycle; `seen` keeps a corrupt one from recursing forever.
            unit.path = unit.name if parent is None or parent.id in seen else \
                f"{path_of(parent, (*seen, unit.id))}/{unit.name}"
        return unit.path

    for unit in units:
        path_of(unit)


def _plan_files(client, units, usages) -> None:
    with_objects = [unit for unit in units if unit.group]
    for start in range(0, len(with_objects), GROUPS_PER_REQUEST):
        batch = with_objects[start:start + GROUPS_PER_REQUEST]
        response = client.search_object_groups(Select().where(in_("#id", [unit.group for unit in batch]))
                                               .fields("#id", "#qualifiers").limit(len(batch)))
        groups = {group.get("#id"): group for group in response.results}
        for unit in batch:
            names = UniqueNames()
            names.take(DESCRIPTION_NAME)
            for version in _latest_versions(groups.get(unit.group) or {}, usages):
                described = version.get("FileInfo") or {}
                fallback = version.get("DataObjectVersion", "") or unit.group
                unit.files.append(PlannedFile(
                    usage=version["_usage"], version=version["_number"], size=version.get("Size"),
                    name=names.take(safe_name(described.get("Filename") or fallback, fallback))))


def _latest_versions(group: dict, usages) -> list[dict]:
    """The last version of each chosen usage (the one Vitam and the unit page show as current)."""
    chosen = []
    for qualifier in group.get("#qualifiers") or []:
        usage = qualifier.get("qualifier", "")
        if usage not in usages:
            continue
        numbered = []
        for version in qualifier.get("versions") or []:
            try:
                numbered.append((int(version.get("DataObjectVersion", "").rsplit("_", 1)[1]), version))
            except (IndexError, ValueError):
                continue
        if numbered:
            number, version = max(numbered, key=lambda pair: pair[0])
            chosen.append({**version, "_usage": usage, "_number": number})
    return chosen


def zip_check(plan: ZipPlan, *, confirmed: bool) -> None:
    """Refuses a zip above the size cap (a communication builds it instead), and a large one not yet confirmed."""
    if plan.total_bytes > settings.ZIP_EXPORT_MAX_BYTES:
        raise ZipTooLarge(_(
            "These files weigh about %(size)s, more than the %(max)s a zip can be downloaded with: ask for a "
            "communication (DIP) instead, which Vitam prepares in the background.")
            % {"size": human_size(plan.total_bytes), "max": human_size(settings.ZIP_EXPORT_MAX_BYTES)})
    if len(plan.units) > settings.ZIP_EXPORT_CONFIRM_UNITS and not confirmed:
        raise ZipNeedsConfirmation(_(
            "The zip will hold %(count)s units and %(files)s files, about %(size)s: tick the confirmation to "
            "download it.") % {"count": len(plan.units), "files": plan.file_count, "size": human_size(plan.total_bytes)})


class ZipTooLarge(ValidationError):
    pass


class ZipNeedsConfirmation(ValidationError):
    pass


def zip_stream(*, actor, selection, plan: ZipPlan, with_description: bool, request=None):
    """The zip's bytes as they are made; the audit entry (units, files, bytes, what failed) is written when the
    stream ends, also when the browser stops it."""
    client = client_for(selection.tenant, user=actor)
    archive = ZipStream(sized=False)  # stored, not deflated: archives are mostly PDF and images already compressed
    failures: list[str] = []
    sent = {"files": 0, "bytes": 0}
    finished = False
    unreachable = 0  # Vitam unreachable for that many files in a row
    agencies = dict(agencies_for(selection.tenant)) if with_description else {}
    try:
        for unit in plan.units:
            if with_description:
                archive.add(_description(unit, agencies), f"{unit.path}/{DESCRIPTION_NAME}")
            elif not unit.files:
                archive.add(None, f"{unit.path}/")  # the folder shows the unit even without a file
            for planned in unit.files:
                if unreachable >= GIVE_UP_AFTER:
                    failures.append(_failure(unit, planned, _("not asked: Vitam did not answer the previous files")))
                    continue
                try:
                    binary = client.open_object(unit.id, planned.usage, planned.version)
                except VitamError as exc:
                    unreachable = unreachable + 1 if isinstance(exc, VitamUnavailable) else 0
                    failures.append(_failure(unit, planned, exc.user_message()))
                    continue
                unreachable = 0
                archive.add(_relay(binary, unit, planned, failures, sent), f"{unit.path}/{planned.name}")
                yield from archive.all_files()
            yield from archive.all_files()
        if failures:
            archive.add(_errors_text(failures), ERRORS_NAME)
        yield from archive.finalize()
        finished = True
    finally:
        audit_record(actor=actor, action="consultation.selection_zip", organisation=selection.organisation,
                     tenant=selection.tenant, target=selection, request=request, after={
                         "selection": str(selection), "units": len(plan.units), "files": sent["files"],
                         "bytes": sent["bytes"], "planned_files": plan.file_count, "failures": failures[:100],
                         "failure_count": len(failures), "complete": finished and not failures})


def _relay(binary, unit, planned, failures, sent):
    """The binary's chunks into the zip; cut short by Vitam, the file stays as received and ERREURS.txt says so."""
    received = 0
    try:
        for chunk in binary:
            received += len(chunk)
            sent["bytes"] += len(chunk)
            yield chunk
    except VitamError as exc:
        failures.append(_failure(unit, planned, _("interrupted after %(size)s: %(error)s")
                                 % {"size": human_size(received), "error": exc.user_message()}))
        return
    finally:
        binary.close()
    sent["files"] += 1
    if planned.size is not None and received != planned.size:
        failures.append(_failure(unit, planned, _("%(received)s bytes received instead of the %(size)s Vitam describes")
                                 % {"received": received, "size": planned.size}))


def _failure(unit, planned, reason: str) -> str:
    return _("%(path)s/%(name)s (%(usage)s, version %(version)s): %(reason)s") % {
        "path": unit.path, "name": planned.name, "usage": USAGES.get(planned.usage, planned.usage),
        "version": planned.version, "reason": reason}


def _errors_text(failures) -> str:
    lines = [_("These files could not be fetched from Vitam completely; download them again from the unit's page "
               "or ask for a communication (DIP)."), ""]
    return "\r\n".join(lines + [f"- {failure}" for failure in failures]) + "\r\n"


def _description(unit: PlannedUnit, agencies: dict) -> str:
    """A few lines an archivist reads with any editor (CRLF for Windows' Notepad); the producing service by its
    name when the services referential knows it."""
    data = unit.metadata
    agency = data.get("#originating_agency", "")
    dates = " – ".join(value for value in (data.get("StartDate", "")[:10], data.get("EndDate", "")[:10]) if value)
    lines = [(_("Title"), unit.title), (_("Vitam identifier"), unit.id),
             (_("Description level"), str(level_label(data.get("DescriptionLevel", "")))), (_("Dates"), dates),
             (_("Producing service"), f"{agencies[agency]} ({agency})" if agency in agencies else agency),
             (_("Description"), " ".join(str(data.get("Description", "")).split())),
             (_("Files"), ", ".join(planned.name for planned in unit.files))]
    return "\r\n".join(f"{label}\u00a0: {value}" for label, value in lines if value) + "\r\n"
