"""Counts Vitam caps at 10,000 read "au moins 10 000", never a plain "10000" that would be taken for exact."""

from django.template import Context, Template
from django.utils.translation import override

from sam.site.templatetags.sam_ui import vitam_total


def test_a_capped_count_reads_at_least_and_others_read_as_numbers():
    with override("fr"):
        assert vitam_total(10_000) == "au moins 10\u00a0000"
        assert vitam_total(12_345) == "au moins 10\u00a0000"  # Vitam said "10,000 or more", nothing else
        assert vitam_total(9_999) == "9\u00a0999"
        assert vitam_total(3) == "3"
    with override("en"):
        assert vitam_total(10_000) == "at least 10,000"


def test_the_search_count_line_uses_it_with_the_plural():
    template = Template("{% load i18n sam_ui %}{% blocktranslate with shown=total|vitam_total count total=total %}"
                        "{{ shown }} result{% plural %}{{ shown }} results{% endblocktranslate %}")
    with override("fr"):
        assert template.render(Context({"total": 10_000})) == "au moins 10\u00a0000 résultats"
        assert template.render(Context({"total": 1})) == "1 résultat"
