"""Inherited rules cases (inheritance/TestCase*/Input.json → ExpectedResult.json).

Their inputs are units with fixed ids, several originating agencies per tree and hand-set
#management: that cannot be expressed through Vitam's external API (ids are Vitam's GUIDs and a
SIP has one originating agency). The ingest engineer's direct test
(tests/vitamlite/test_inheritance*.py) loads Input.json into vitam-lite and compares every case;
here each case is listed and skipped with that reason so the corpus count stays honest.
"""

import pytest

from tests.conftest import REPO_ROOT

CASES = sorted(p.name for p in ((REPO_ROOT / ".." / "shared" / "vitam-reference" / "inheritance").resolve()).glob("TestCase*"))


@pytest.mark.corpus
@pytest.mark.parametrize("case", CASES)
def test_inheritance_case(case):
    pytest.skip("not expressible through the external API (fixed unit ids, several agencies): "
                "covered by tests/vitamlite/test_inheritance*.py against Input.json/ExpectedResult.json")
