"""OG_OBJECTS_FORMAT_CHECK: Vitam's format identification of every binary object of a SIP.

Rules of Vitam's FormatIdentificationActionPlugin, per object:
- the ingest contract restricts formats (EveryFormatType false): the PUID declared in the manifest must be
  in FormatType, else KO, detail OG_OBJECTS_FORMAT_CHECK.REJECTED_FORMAT.KO;
- Siegfried finds no PRONOM format: KO (sub-status UNKNOWN), or WARNING when the contract has
  FormatUnidentifiedAuthorized (and EveryFormatType): the object keeps FormatId "unknown";
- the identified PUID is not in the formats referential: KO (sub-status UNCHARTED);
- identified and known: FormatId, FormatLitteral and MimeType take the referential's values (the diff goes in
  the object's evDetData); only a declared PUID that differs makes a WARNING (sub-status UPDATED_FORMAT), a
  missing or differently worded name or MIME type is completed silently
  (checkAndUpdateManifestFormatFieldAgainstReferentialValue).
The step's outcome is the worst object's; only REJECTED_FORMAT becomes the step's detail code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vitamlite import formats

UNKNOWN_FORMAT = "unknown"
SEVERITY = {"OK": 0, "WARNING": 1, "KO": 2}
# (FormatIdentification field, referential field, name in the diff)
FIELDS = (("FormatId", "PUID", "PUID"), ("FormatLitteral", "Name", "FormatLitteral"),
          ("MimeType", "MimeType", "MimeType"))


@dataclass
class ObjectResult:
    object_id: str
    outcome: str = "OK"
    sub_status: str | None = None
    diff: dict = field(default_factory=dict)


@dataclass
class FormatCheck:
    outcome: str = "OK"
    detail: str | None = None
    objects: list[ObjectResult] = field(default_factory=list)

    def problems(self, outcome: str) -> list[ObjectResult]:
        return [result for result in self.objects if result.outcome == outcome]


def check_formats(db, binary_objects, content_dir, contract: dict | None) -> FormatCheck:
    """Identify every binary object (updating its FormatIdentification in place) and grade the step."""
    contract = contract or {}
    every_format = contract.get("EveryFormatType", True)
    allowed = set(contract.get("FormatType") or [])
    unidentified_authorized = bool(contract.get("FormatUnidentifiedAuthorized"))
    check = FormatCheck()
    for data_object in binary_objects:
        declared = dict(data_object.metadata.get("FormatIdentification") or {})
        result = ObjectResult(data_object.id)
        if not every_format and declared.get("FormatId") not in allowed:
            result.outcome, result.sub_status = "KO", "REJECTED"
            check.detail = "OG_OBJECTS_FORMAT_CHECK.REJECTED_FORMAT.KO"
        else:
            identified = formats.identify(content_dir / data_object.uri)
            reference = formats.get(db, identified.puid) if identified.puid else None
            if identified.puid is None:
                result.sub_status = "UNKNOWN"
                if unidentified_authorized and every_format:
                    _update(data_object, declared, {"PUID": UNKNOWN_FORMAT, "Name": declared.get("FormatLitteral", ""),
                                                     "MimeType": declared.get("MimeType", "")}, result)
                    result.outcome = "WARNING"
                else:
                    result.outcome = "KO"
            elif reference is None:
                result.outcome, result.sub_status = "KO", "UNCHARTED"
            else:
                result.outcome = _update(data_object, declared, reference, result)
                if result.outcome == "WARNING":
                    result.sub_status = "UPDATED_FORMAT"
        check.objects.append(result)
        if SEVERITY[result.outcome] > SEVERITY[check.outcome]:
            check.outcome = result.outcome
    return check


def _update(data_object, declared: dict, reference: dict, result: ObjectResult) -> str:
    """Vitam keeps the referential's values, with their diff; only a different declared PUID is a WARNING."""
    updated = dict(declared)
    outcome = "OK"
    for seda_field, reference_field, diff_name in FIELDS:
        value = reference.get(reference_field) or ""
        if declared.get(seda_field) != value:
            if seda_field in declared:
                result.diff[f"- {diff_name}"] = declared[seda_field]
                if seda_field == "FormatId":
                    outcome = "WARNING"
            result.diff[f"+ {diff_name}"] = value
            updated[seda_field] = value
    data_object.metadata["FormatIdentification"] = updated
    return outcome
