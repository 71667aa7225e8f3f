"""sam/lib/safe_xml.py: the one parser of XML SAM did not write."""

import pytest
from lxml import etree

from sam.lib import safe_xml
from tests.deposits.hostile import ENTITY_BOMB

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE root SYSTEM "http://127.0.0.1:9/evil.dtd">
<root>&external;</root>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE root [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<root>&secret;</root>"""


def test_an_entity_bomb_is_not_expanded_and_its_doctype_is_reported():
    tree = safe_xml.parse_bytes(ENTITY_BOMB)
    assert "".join(tree.getroot().itertext()) == "&lol4;"  # the reference, not 10,000 "lol"
    assert safe_xml.declares_doctype(tree)


def test_an_external_dtd_is_not_loaded_and_its_doctype_is_reported():
    tree = safe_xml.parse_bytes(EXTERNAL_DTD)
    assert "".join(tree.getroot().itertext()) == "&external;"
    assert tree.docinfo.system_url == "http://127.0.0.1:9/evil.dtd" and safe_xml.declares_doctype(tree)


def test_an_external_entity_is_not_read_from_disk():
    tree = safe_xml.parse_bytes(EXTERNAL_ENTITY)
    assert "".join(tree.getroot().itertext()) == "&secret;"
    assert safe_xml.declares_doctype(tree)


def test_a_plain_document_parses_from_bytes_and_file(tmp_path):
    data = b'<?xml version="1.0"?><?pi ignored?><root><child>text</child></root>'
    (tmp_path / "plain.xml").write_bytes(data)
    for tree in (safe_xml.parse_bytes(data), safe_xml.parse_file(tmp_path / "plain.xml")):
        assert tree.getroot().findtext("child") == "text" and not safe_xml.declares_doctype(tree)


def test_malformed_xml_raises_the_lxml_syntax_error():
    with pytest.raises(etree.XMLSyntaxError):
        safe_xml.parse_bytes(b"<root><open></root>")
