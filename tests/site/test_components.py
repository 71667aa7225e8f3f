"""Components: accessible fields and error summary, tables, badges, confirmation pages, empty states."""

import pytest
from django import forms
from django.template import Context, Template
from django.test import RequestFactory


class SampleForm(forms.Form):
    name = forms.CharField(label="Name", help_text="As written on the register.")
    kind = forms.ChoiceField(label="Kind", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    agree = forms.BooleanField(label="I agree")


def render(source, **context):
    return Template("{% load i18n %}" + source).render(Context(context))


def test_form_errors_are_summarised_at_the_top_and_tied_to_their_fields():
    form = SampleForm(data={"name": ""})
    html = render('{% include "components/form.html" with form=form submit_label="Save" %}', form=form)
    assert html.index('class="error-summary"') < html.index('class="field')
    assert '<a href="#id_name">' in html and '<a href="#id_kind">' in html and '<a href="#id_agree">' in html
    assert 'aria-describedby="id_name_help id_name_error"' in html
    assert 'aria-invalid="true"' in html
    assert '<p class="error" id="id_name_error">' in html
    assert '<fieldset id="id_kind" tabindex="-1"' in html and 'aria-describedby="id_kind_error"' in html
    assert "<legend>Kind" in html
    assert '<button type="submit" class="button button-primary">Save</button>' in html


def test_valid_fields_only_point_at_their_help():
    form = SampleForm()
    html = render('{% include "components/form.html" with form=form %}', form=form)
    assert "error-summary" not in html and "aria-invalid" not in html
    assert 'aria-describedby="id_name_help"' in html
    assert 'aria-required="true"' in html
    assert "<button" not in html  # no submit_label: the page adds its own buttons


def test_table_has_a_caption_column_headers_and_row_headers():
    html = render(
        '{% include "components/table.html" with caption="Users" columns=columns rows=rows %}',
        columns=["Login", "Status"],
        rows=[[{"text": "alice", "url": "/u/1/"}, {"text": "Active", "tone": "success"}], ["bob", "Inactive"]],
    )
    assert "<caption>Users</caption>" in html
    assert '<th scope="col">Login</th>' in html
    assert '<th scope="row"><a href="/u/1/">alice</a></th>' in html
    assert '<span class="badge badge-success">Active</span>' in html
    assert "<td>Inactive</td>" in html


def test_empty_table_becomes_an_empty_state():
    html = render('{% include "components/table.html" with caption="Users" columns=c rows=r empty_message="Nobody." %}',
                  c=["Login"], r=[])
    assert "<table" not in html and "empty-state" in html and "Nobody." in html


def test_confirmation_pattern_posts_with_csrf_and_offers_a_way_back():
    request = RequestFactory().get("/")
    html = Template('{% include "components/confirm.html" with title="Deactivate?" action_url="/x/" '
                    'confirm_label="Deactivate" cancel_url="/back/" danger=True consequences=lines %}').render(
        Context({"request": request, "csrf_token": "token123", "lines": ["They can no longer log in."]})
    )
    assert '<form method="post" action="/x/"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'class="button button-danger">Deactivate</button>' in html
    assert 'href="/back/"' in html and "They can no longer log in." in html


def test_breadcrumbs_mark_the_current_page():
    html = render('{% include "components/breadcrumbs.html" with items=items %}',
                  items=[("Organisations", "/platform/organisations/"), ("Cergy", "")])
    assert '<a href="/platform/organisations/">Organisations</a>' in html
    assert '<li aria-current="page">Cergy</li>' in html


@pytest.mark.parametrize(("active", "label"), [(True, "Active"), (False, "Inactive")])
def test_status_badge_says_it_in_words(active, label):
    with __import__("django.utils.translation", fromlist=["override"]).override("en"):
        html = render('{% include "components/status.html" with active=active %}', active=active)
    assert f">{label}</span>" in html


def test_minutes_filter_rounds_up():
    from datetime import timedelta

    from django.utils import translation

    from sam.site.templatetags.sam_ui import minutes

    with translation.override("en"):
        assert minutes(timedelta(minutes=15)) == "15 minutes"
        assert minutes(timedelta(seconds=30)) == "1 minute"
