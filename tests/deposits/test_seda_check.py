"""SAM's pre-check of SIPs (sam/lib/seda/checks.py): hostile zips and manifests, Vitam's corpus."""

import zipfile

import pytest

from sam.lib.seda.checks import check_sip

CORPUS_SAM_VERDICT = {
    # SIP: (accepted by SAM's own check?, words of the first problem)
    "valid/4_UNITS_2_GOTS.zip": (True, ""),
    "valid/OK_RULES_COMPLEXE_COMPLETE_V2.zip": (True, ""),
    "warning/KO_SIP_INCORRECT_OBJECT_SIZE.zip": (True, "taille"),
    "warning/SIP_OK_HoldRules.zip": (True, ""),
    "valid/TEST_ELIMINATION_V2_seda2.3.zip": (False, "2.3"),
    "invalid/KO_Reference_Unexisting.zip": (False, "ID006"),
    "invalid/KO_manifest-name-with-dollar.zip": (False, "manifest"),
    "invalid/SIP_no_manifest.zip": (False, "manifest"),
    "invalid/SIP_Conformity_KO.zip": (False, "empreinte"),
    "invalid/SIP_INGEST_WRONG_DATE.zip": (True, ""),
}


@pytest.mark.parametrize("name", sorted(CORPUS_SAM_VERDICT))
def test_corpus_sips_through_sams_check(vitam_reference, name):
    accepted, words = CORPUS_SAM_VERDICT[name]
    result = check_sip(vitam_reference / "sip" / name)
    assert result.ok is accepted, [str(p) for p in result.problems]
    if words:
        assert words.lower() in " ".join(str(p) for p in result.problems).lower()


def test_schema_problems_give_line_and_path(tmp_path, vitam_reference):
    source = vitam_reference / "sip" / "valid" / "4_UNITS_2_GOTS.zip"
    target = tmp_path / "bad.zip"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for info in original.infolist():
            data = original.read(info)
            if info.filename == "manifest.xml":
                data = data.replace(b"<DescriptionLevel>Item</DescriptionLevel>",
                                    b"<DescriptionLevel>Dossier</DescriptionLevel>", 1)
            copy.writestr(info, data)
    result = check_sip(target)
    assert not result.ok
    problem = result.errors[0]
    assert problem.line and problem.line > 1
    assert "DescriptionLevel" in problem.path and "ArchiveUnit" in problem.path
    assert "SEDA 2.1" in problem.message
