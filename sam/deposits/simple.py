"""Simple deposit: files (several, or a zip of a folder tree) plus a short form → a SEDA 2.1 SIP.

Folders become archive units (level RecordGrp), files become item units carrying one object
each. The tree is first scanned (scan_tree: each unit dated from its own files), optionally
described by a ReSIP-style metadata CSV (metadata_csv), reviewed by the archivist, then built
(build_package). Digests are SHA-512 (sam.lib.seda.sip); formats are identified by the SIP builder
with Siegfried and PRONOM (sam.lib.formats), as Vitam does.
"""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from sam.deposits.file_dates import file_date
from sam.lib import archive_safety
from sam.lib.seda.sip import DESCRIPTION_LEVELS, SipObject, SipPackage, SipRule, SipUnit

CHUNK = 1024 * 1024
IGNORED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini", "__MACOSX"}


@dataclass
class SimpleDepositForm:
    """What the user filled in (kept as JSON on the deposit until the SIP is built)."""

    title: str
    description_level: str = "File"
    description: str = ""
    originating_agency: str = ""
    transferring_agency: str = ""
    archival_agency: str = ""
    filing_unit: str = ""
    rules: list = field(default_factory=list)  # [(RuleId, RuleType)]
    final_action: str = ""
    archival_agreement: str = ""


def stage_upload(files, folder: Path) -> None:
    """Copy the uploaded files into `folder`: a single zip is safely unpacked as a folder tree."""
    folder.mkdir(parents=True, exist_ok=True)
    files = list(files)
    if not files:
        raise ValidationError(_("Choose at least one file."))
    if len(files) == 1 and files[0].name.lower().endswith(".zip"):
        unzip_folder_tree(files[0], folder)
        return
    for upload in files:
        name = Path(upload.name).name
        if not name or name in IGNORED_NAMES:
            continue
        target = _unique(folder / name)
        with open(target, "wb") as out:
            for chunk in upload.chunks(CHUNK):
                out.write(chunk)


def _unique(path: Path) -> Path:
    candidate, number = path, 1
    while candidate.exists():
        candidate = path.with_name(f"{path.stem} ({number}){path.suffix}")
        number += 1
    return candidate


def unzip_folder_tree(upload, folder: Path) -> None:
    """A zipped folder tree unpacked into the staging folder, through the archive safety checks."""
    source = upload.temporary_file_path() if hasattr(upload, "temporary_file_path") else upload
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError):
        raise ValidationError(_("The zip archive cannot be read.")) from None
    with archive:
        try:
            archive_safety.extract_zip(archive, folder, skip=_is_system_file)
        except archive_safety.UnsafeArchive as unsafe:
            raise ValidationError(str(unsafe)) from None


def _is_system_file(name: str) -> bool:
    """Files the desktop adds to a zip (Finder, Explorer), not part of the deposit."""
    return any(part in IGNORED_NAMES or part.startswith("._") for part in Path(name).parts)


def scan_tree(form: SimpleDepositForm, staging: Path) -> list[dict]:
    """The units of the deposit, depth first, each with its own dates, for the archivist's review.

    A unit is {"path", "kind" (folder|file), "depth", "level", "title", "description", "start",
    "end"}: a file is dated by its own metadata or its modification time (file_dates), a folder by
    the range of what it contains. The top unit is the deposit itself (the form's title)."""
    root = _deposit_root(staging)
    units: list[dict] = []
    _scan_folder(root, root, 0, units)
    if not any(unit["kind"] == "file" for unit in units):
        raise ValidationError(_("The deposit contains no file."))
    units[0].update(level=form.description_level, title=form.title, description=form.description,
                    folder_name=root.name if root != staging else "")
    return units


def _deposit_root(staging: Path) -> Path:
    """One top folder inside a zip is the deposit itself, not an extra level."""
    entries = [entry for entry in staging.iterdir() if entry.name not in IGNORED_NAMES]
    if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink():
        return entries[0]
    return staging


def _scan_folder(folder: Path, root: Path, depth: int, units: list[dict]) -> dict:
    unit = {"path": folder.relative_to(root).as_posix() if folder != root else "", "kind": "folder",
            "depth": depth, "level": "RecordGrp", "title": folder.name, "description": "", "start": "", "end": ""}
    units.append(unit)
    starts, ends = [], []
    for entry in sorted(folder.iterdir(), key=lambda p: (p.is_file(), p.name.lower())):
        if entry.name in IGNORED_NAMES or entry.is_symlink():
            continue
        if entry.is_dir():
            child = _scan_folder(entry, root, depth + 1, units)
        elif entry.is_file():
            day = file_date(entry).isoformat()
            child = {"path": entry.relative_to(root).as_posix(), "kind": "file", "depth": depth + 1,
                     "level": "Item", "title": entry.name, "description": "", "start": day, "end": day}
            units.append(child)
        else:
            continue
        if child["start"]:
            starts.append(child["start"])
            ends.append(child["end"])
    if starts:
        unit["start"], unit["end"] = min(starts), max(ends)
    return unit


def build_package(form: SimpleDepositForm, staging: Path, units: list[dict]) -> SipPackage:
    """The SIP of the reviewed tree: every unit carries its own dates, and its own management rules
    whose StartDate is its end date, so that each unit's DUA and communicability run from it."""
    root = _deposit_root(staging)
    by_path: dict[str, SipUnit] = {}
    top = None
    for row in units:
        path = root / row["path"] if row["path"] else root
        if row["kind"] == "file" and (not path.is_file() or path.is_symlink() or not path.resolve().is_relative_to(
                root.resolve())):
            raise ValidationError(_("The file %(path)s is missing from the deposit.") % {"path": row["path"]})
        unit = SipUnit(title=row["title"], description_level=row["level"], description=row.get("description", ""),
                       start_date=_date(row.get("start")), end_date=_date(row.get("end")))
        if row["kind"] == "file":
            unit.objects.append(SipObject(path=path, filename=path.name))
        unit.rules = _unit_rules(form, unit)
        parent_path = row["path"].rpartition("/")[0] if row["path"] else None
        if parent_path is None:
            top = unit
        else:
            by_path[parent_path].children.append(unit)
        by_path[row["path"]] = unit
    if top is None or not any(unit.objects for unit in top.walk()):
        raise ValidationError(_("The deposit contains no file."))
    if form.final_action and not any(rule.category == "AppraisalRule" for rule in top.rules):
        top.rules.append(SipRule("AppraisalRule", None, None, final_action=form.final_action))
    top_units = [top]
    if form.filing_unit:
        top_units = [SipUnit(title=_("Filing"), description_level="Series", attach_to=form.filing_unit,
                             children=[top])]
    return SipPackage(
        message_identifier=f"SAM-{uuid.uuid4()}",
        comment=form.title,
        archival_agreement=form.archival_agreement or None,
        archival_agency=form.archival_agency or form.originating_agency,
        transferring_agency=form.transferring_agency or form.originating_agency,
        originating_agency=form.originating_agency,
        submission_agency=form.transferring_agency or None,
        units=top_units,
    )


def _unit_rules(form: SimpleDepositForm, unit: SipUnit) -> list[SipRule]:
    """The form's rules declared on this unit, running from its own end date (Vitam computes the
    DUA end and the communicability from the rule's StartDate; a unit's own rule overrides the
    same rule inherited from its folder)."""
    rule_start = unit.end_date or unit.start_date or date.today()
    rules = []
    for rule_id, rule_type in form.rules:
        final_action = None
        if rule_type == "AppraisalRule":
            final_action = form.final_action or "Keep"
        elif rule_type == "StorageRule":
            final_action = "Copy"
        rules.append(SipRule(rule_type, rule_id, rule_start, final_action=final_action))
    return rules


def _date(value: str | None):
    return date.fromisoformat(value) if value else None


# --- ReSIP metadata CSV ---------------------------------------------------------------------------

# ReSIP's conventions: one line per file or folder, the first column "File" holds its path relative
# to the deposited folder, the other columns are SEDA field paths. SAM takes the fields a simple
# deposit describes; any other column is refused by name rather than silently dropped.
CSV_COLUMNS = {
    "Content.DescriptionLevel": "level", "Content.Title": "title", "Content.Description": "description",
    "Content.StartDate": "start", "Content.EndDate": "end",
}
CSV_MAX_BYTES = 5 * 1024 * 1024


def parse_metadata_csv(data: bytes) -> dict[str, dict]:
    """{relative path: {"line", field: value}} from a ReSIP metadata CSV; raises ValidationError
    with one French message per faulty line and column."""
    if len(data) > CSV_MAX_BYTES:
        raise ValidationError(_("The metadata CSV is too large (5 Mo at most)."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # ReSIP run on Windows writes the ANSI code page
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip() for name in next(reader, [])]
    if not header or header[0] != "File":
        raise ValidationError(_("Metadata CSV, line 1: the first column must be named File (the path of the "
                                "file or folder)."))
    unknown = [name for name in header[1:] if name not in CSV_COLUMNS]
    if unknown:
        raise ValidationError(_("Metadata CSV, line 1: unsupported column(s) %(columns)s; supported: File, "
                                "%(supported)s.") % {"columns": ", ".join(unknown),
                                                     "supported": ", ".join(CSV_COLUMNS)})
    rows, errors = {}, []
    for line, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        if len(values) > len(header):
            errors.append(_("Metadata CSV, line %(line)d: more values than columns.") % {"line": line})
            continue
        cells = dict(zip(header, (value.strip() for value in values)))
        path = normalise_path(cells.get("File", ""))
        if not path:
            errors.append(_("Metadata CSV, line %(line)d, column File: the path is empty.") % {"line": line})
            continue
        if path in rows:
            errors.append(_("Metadata CSV, line %(line)d, column File: %(path)s is already described on line "
                            "%(first)d.") % {"line": line, "path": path, "first": rows[path]["line"]})
            continue
        row = {"line": line}
        for column, key in CSV_COLUMNS.items():
            value = cells.get(column, "")
            if not value:
                continue
            problem = field_problem(key, value)
            if problem:
                errors.append(_("Metadata CSV, line %(line)d, column %(column)s: %(problem)s")
                              % {"line": line, "column": column, "problem": problem})
            else:
                row[key] = value[:10] if key in ("start", "end") else value
        if row.get("start") and row.get("end") and row["start"] > row["end"]:
            errors.append(_("Metadata CSV, line %(line)d: the end date is before the start date.") % {"line": line})
        rows[path] = row
    if errors:
        raise ValidationError(errors)
    return rows


def normalise_path(value: str) -> str:
    return "/".join(part for part in value.replace("\\", "/").split("/") if part and part != ".")


def field_problem(key: str, value: str) -> str:
    """Why a unit's field value is refused (French), or ""."""
    if key == "level" and value not in DESCRIPTION_LEVELS:
        return _("unknown description level %(value)s.") % {"value": value}
    if key in ("start", "end"):
        try:
            date.fromisoformat(value[:10])
        except ValueError:
            return _("%(value)s is not a date (YYYY-MM-DD).") % {"value": value}
    if key == "title" and len(value) > 1000:
        return _("the title is longer than 1000 characters.")
    return ""


def apply_metadata(units: list[dict], rows: dict[str, dict]) -> None:
    """Describe the scanned units from the CSV; raises ValidationError naming the lines whose path
    matches no file or folder of the deposit."""
    by_path = {unit["path"]: unit for unit in units}
    top_name = units[0].get("folder_name", "") if units else ""
    missing, dated = [], set()
    for path, row in rows.items():
        unit = by_path.get(path)
        if unit is None and top_name and (path == top_name or path.startswith(top_name + "/")):
            unit = by_path.get(path[len(top_name) + 1:])
        if unit is None:
            missing.append(_("Metadata CSV, line %(line)d, column File: %(path)s is not in the deposited files.")
                           % {"line": row["line"], "path": path})
            continue
        unit.update({key: value for key, value in row.items() if key != "line"})
        if unit["kind"] == "folder" and ("start" in row or "end" in row):
            dated.add(unit["path"])
    if missing:
        raise ValidationError(missing)
    fill_folder_ranges(units, keep=dated)


def fill_folder_ranges(units: list[dict], *, keep: set[str] = frozenset()) -> None:
    """Each folder's dates become the range of its contents, except the folders in `keep` (dated
    by the archivist or the CSV) that have both dates."""
    ranges: dict[str, tuple[str, str]] = {}
    for unit in reversed(units):  # depth first: a folder's contents come after it
        if unit["kind"] == "folder" and not (unit["path"] in keep and unit["start"] and unit["end"]):
            found = ranges.get(unit["path"])
            unit["start"], unit["end"] = found if found else ("", "")
        if unit["path"] and unit["start"]:
            parent = unit["path"].rpartition("/")[0]
            low, high = ranges.get(parent, (unit["start"], unit["end"] or unit["start"]))
            ranges[parent] = (min(low, unit["start"]), max(high, unit["end"] or unit["start"]))
