"""Rebuild sam/lib/vitam_messages_fr.json from Vitam's French logbook message catalogue.

    python scripts/extract_vitam_messages.py path/to/vitam-logbook-messages_fr.properties COMMIT

The catalogue is sources/common/common-public/src/main/resources/vitam-logbook-messages_fr.properties in
ProgrammeVitam/vitam (CeCILL 2.1). Only the events an archivist meets in SAM are kept: ingest workflows,
referential imports, mass updates, eliminations and reclassifications.
"""

import json
import sys
from pathlib import Path

# Event families SAM shows (first segment of the code starts with one of these).
KEPT_PREFIXES = (
    "PROCESS_SIP_UNITARY", "HOLDINGSCHEME", "FILINGSCHEME", "INGEST", "STP_SANITY_CHECK_SIP", "SANITY_CHECK_SIP",
    "CHECK_CONTAINER", "MANIFEST_", "STP_UPLOAD_SIP", "STP_INGEST_CONTROL_SIP", "CHECK_SEDA", "CHECK_HEADER",
    "PREPARE_STORAGE_INFO", "CHECK_DATAOBJECTPACKAGE", "CHECK_ATTACHEMENT", "STP_OG_CHECK_AND_TRANSFORME",
    "CHECK_DIGEST", "CHECK_OBJECT_SIZE", "OG_OBJECTS_FORMAT_CHECK", "CHECK_OBJECT_GROUP_SCHEMA",
    "STP_UNIT_CHECK_AND_PROCESS", "CHECK_UNIT_SCHEMA", "CHECK_ARCHIVE_UNIT_PROFILE", "CHECK_CLASSIFICATION_LEVEL",
    "UNITS_RULES_COMPUTE", "STP_STORAGE_AVAILABILITY_CHECK", "STORAGE_AVAILABILITY_CHECK", "STP_OBJ_STORING",
    "OBJ_STORAGE", "OG_METADATA_INDEXATION", "STP_UNIT_METADATA", "UNIT_METADATA_INDEXATION", "STP_OG_STORING",
    "STP_UNIT_STORING", "STP_UPDATE_OBJECT_GROUP", "STP_ACCESSION_REGISTRATION", "ACCESSION_REGISTRATION",
    "STP_INGEST_FINALISATION", "ATR_NOTIFICATION", "ROLL_BACK", "OBJECTS_LIST_EMPTY",
    "STP_IMPORT_RULES", "CHECK_RULES", "RULES_REPORT", "IMPORT_AGENCIES", "AGENCIES_REPORT", "UPDATE_AGENCIES",
    "STP_IMPORT_INGEST_CONTRACT", "STP_UPDATE_INGEST_CONTRACT", "STP_IMPORT_ACCESS_CONTRACT",
    "STP_UPDATE_ACCESS_CONTRACT", "STP_IMPORT_MANAGEMENT_CONTRACT", "STP_UPDATE_MANAGEMENT_CONTRACT",
    "STP_IMPORT_PROFILE", "STP_UPDATE_PROFILE", "IMPORT_ARCHIVEUNITPROFILE", "UPDATE_ARCHIVEUNITPROFILE",
    "UPDATE_RULES_ARCHIVE_UNITS", "STP_REFERENTIAL_FORMAT_IMPORT",
    "MASS_UPDATE", "STP_MASS_UPDATE", "UNIT_METADATA_UPDATE", "UNIT_METADATA_CHECK_CONSISTENCY",
    "ELIMINATION", "STP_ELIMINATION",
    "RECLASSIFICATION", "STP_RECLASSIFICATION", "STP_UNIT_DETACHMENT", "UNIT_DETACHMENT", "STP_UNIT_ATTACHMENT",
    "UNIT_ATTACHMENT", "STP_UNIT_GRAPH_COMPUTE", "UNIT_GRAPH_COMPUTE", "STP_OBJECT_GROUP_GRAPH_COMPUTE",
    "OBJECT_GROUP_GRAPH_COMPUTE",
)


def parse_properties(text: str) -> dict[str, str]:
    """key=value lines; Vitam's values are MessageFormat patterns, where '' stands for '."""
    messages = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        messages[key.strip()] = value.strip().replace("''", "'")
    return messages


def main(source: str, commit: str) -> None:
    messages = parse_properties(Path(source).read_text(encoding="utf-8"))
    kept = {key: value for key, value in sorted(messages.items()) if key.startswith(KEPT_PREFIXES)}
    target = Path(__file__).resolve().parent.parent / "sam" / "lib" / "vitam_messages_fr.json"
    target.write_text(json.dumps({
        "source": "ProgrammeVitam/vitam sources/common/common-public/src/main/resources/"
                  f"vitam-logbook-messages_fr.properties, commit {commit} (CeCILL 2.1)",
        "messages": kept,
    }, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(kept)} messages written to {target}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
