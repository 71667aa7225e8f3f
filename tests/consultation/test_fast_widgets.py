"""The search form's widgets write exactly the HTML of Django's widget templates (they only skip the
template machinery): compared field by field, bound and unbound, with errors and accessibility attributes."""

import copy

import pytest
from django import forms
from django.utils.translation import override

from sam.consultation.forms import DateInput, HiddenInput, SearchForm, Select, TextInput, UnitPicker
from sam.lib.pickers import PickerInput

FAST_TO_DJANGO = {TextInput: forms.TextInput, HiddenInput: forms.HiddenInput, Select: forms.Select,
                  DateInput: forms.DateInput, UnitPicker: PickerInput}


def _django_html(bound_field, attrs):
    """What Django's own template-rendered widget of the same kind and configuration writes."""
    fast = bound_field.field.widget
    reference = copy.copy(fast)
    reference.__class__ = FAST_TO_DJANGO[type(fast)]
    if hasattr(fast, "input_type"):
        reference.input_type = fast.input_type
    return bound_field.as_widget(widget=reference, attrs=attrs)


@pytest.mark.parametrize("data", [
    None,
    {},
    {"q": 'voirie <script>"&\'', "level": "File", "date_from": "2001-02-03", "date_to": "2000-01-01",
     "agency": "SERVICE_<1>", "per_page": "50", "sort": "-start", "page": "2", "node": "bad id!",
     "rule_end_before": "not a date", "final_action": "Destroy", "rule_type": "AppraisalRule"},
    {"agency": "UNKNOWN", "level": "nope", "per_page": "7"},
])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_widgets_write_what_django_templates_write(data, language):
    with override(language):
        form = SearchForm(data, agencies=[("SERVICE_<1>", "Service « un » & co"), ("B", "")])
        if data is not None:
            form.is_valid()
        for name in form.fields:
            bound = form[name]
            for attrs in ({}, {"aria-describedby": "x_help x_error", "aria-invalid": "true", "aria-required": True,
                               "disabled": False}):
                assert str(bound.as_widget(attrs=attrs)) == str(_django_html(bound, attrs)), (name, attrs)


def test_every_search_form_widget_is_a_fast_one():
    form = SearchForm()
    assert all(type(field.widget) in FAST_TO_DJANGO for field in form.fields.values())


def test_optgroups_are_written_like_django():
    widget = Select(choices=[("", "—"), ("Group <1>", [("a", "A & B"), ("b", "B")]), ("c", "C")])
    reference = forms.Select(choices=widget.choices)
    assert widget.render("x", "b", attrs={"id": "id_x"}) == reference.render("x", "b", attrs={"id": "id_x"})
