"""sam/lib/display.py: sizes and dates as people read them."""


import pytest
from django.template import Context, Template
from django.utils import translation

from sam.lib.display import human_size

NBSP = "\u00a0"


@pytest.mark.parametrize(("size", "french", "english"), [
    (None, "0 octets", "0 bytes"),
    (12, "12 octets", "12 bytes"),
    (1023, "1023 octets", "1023 bytes"),
    (1536, "1,5 Ko", "1.5 KB"),
    (3 * 1024**2, "3,0 Mo", "3.0 MB"),
    (10 * 1024**3, "10,0 Go", "10.0 GB"),
    (5 * 1024**4, "5,0 To", "5.0 TB"),
    (2048 * 1024**4, "2048,0 To", "2048.0 TB"),
])
def test_human_size_in_french_and_english(size, french, english):
    with translation.override("fr"):
        assert human_size(size) == french.replace(" ", NBSP)
    with translation.override("en"):
        assert human_size(size) == english.replace(" ", NBSP)


def test_templates_show_sizes_the_same_way():
    with translation.override("fr"):
        rendered = Template("{% load sam_ui %}{{ size|human_size }}").render(Context({"size": 1536}))
    assert rendered == f"1,5{NBSP}Ko"

