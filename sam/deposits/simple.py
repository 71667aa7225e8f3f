"""Simple deposit: files (several, or a zip of a folder tree) plus a short form → a SEDA 2.1 SIP.

Folders become archive units (level RecordGrp), files become item units carrying one object
each; digests are SHA-512 (sam.lib.seda.sip), formats are identified by the SIP builder with
Siegfried and PRONOM (sam.lib.formats), as Vitam does.
"""

from __future__ import annotations

import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from sam.lib import archive_safety
from sam.lib.seda.sip import SipObject, SipPackage, SipRule, SipUnit

CHUNK = 1024 * 1024
IGNORED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini", "__MACOSX"}


@dataclass
class SimpleDepositForm:
    """What the user filled in (kept as JSON on the deposit until the SIP is built)."""

    title: str
    description_level: str = "File"
    description: str = ""
    start_date: str = ""
    end_date: str = ""
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


def _folder_unit(folder: Path, level: str, dates: dict) -> SipUnit:
    unit = SipUnit(title=folder.name, description_level=level, start_date=dates.get("start"),
                   end_date=dates.get("end"))
    for entry in sorted(folder.iterdir(), key=lambda p: (p.is_file(), p.name.lower())):
        if entry.name in IGNORED_NAMES:
            continue
        if entry.is_dir():
            unit.children.append(_folder_unit(entry, "RecordGrp", dates))
        elif entry.is_file() and not entry.is_symlink():
            unit.children.append(SipUnit(
                title=entry.name, description_level="Item", start_date=dates.get("start"), end_date=dates.get("end"),
                objects=[SipObject(path=entry, filename=entry.name)],
            ))
    return unit


def build_package(form: SimpleDepositForm, staging: Path) -> SipPackage:
    dates = {"start": _date(form.start_date), "end": _date(form.end_date)}
    top = _folder_unit(staging, form.description_level, dates)
    if not any(True for unit in top.walk() if unit.objects):
        raise ValidationError(_("The deposit contains no file."))
    # One top folder inside a zip: it is the deposit itself, not an extra level.
    if len(top.children) == 1 and top.children[0].children and not top.children[0].objects:
        top.children = top.children[0].children
    top.title = form.title
    top.description = form.description
    rule_start = dates["end"] or dates["start"] or date.today()
    for rule_id, rule_type in form.rules:
        final_action = None
        if rule_type == "AppraisalRule":
            final_action = form.final_action or "Keep"
        elif rule_type == "StorageRule":
            final_action = "Copy"
        top.rules.append(SipRule(rule_type, rule_id, rule_start, final_action=final_action))
    if form.final_action and not any(rule.category == "AppraisalRule" for rule in top.rules):
        top.rules.append(SipRule("AppraisalRule", None, None, final_action=form.final_action))
    units = [top]
    if form.filing_unit:
        units = [SipUnit(title=_("Filing"), description_level="Series", attach_to=form.filing_unit, children=[top])]
    return SipPackage(
        message_identifier=f"SAM-{uuid.uuid4()}",
        comment=form.title,
        archival_agreement=form.archival_agreement or None,
        archival_agency=form.archival_agency or form.originating_agency,
        transferring_agency=form.transferring_agency or form.originating_agency,
        originating_agency=form.originating_agency,
        submission_agency=form.transferring_agency or None,
        units=units,
    )


def _date(value: str):
    return date.fromisoformat(value) if value else None
