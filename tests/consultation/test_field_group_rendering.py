"""The consultation forms' fields drawn by SAM's form renderer (`{{ form.name.as_field_group }}`, select lists
and inputs with their included templates inline: sam.lib.form_fields) give the same HTML as before:
templates/components/field.html through Django's template engine, the widgets through Django's own Jinja2
templates."""

import pytest
from django import forms
from django.forms.renderers import Jinja2
from django.template import engines
from django.urls import reverse
from django.utils import translation

from sam.consultation.forms import (FastRenderedForm, OperationFilterForm, ResearcherSearchForm, SavedSearchForm,
                                    SearchForm)
from referentials.trees.forms import SearchForm as TreeSearchForm
from sam.deposits.forms import DepositFilterForm
from sam.elimination.forms import UnitFilterForm

DJANGO_WIDGETS = Jinja2()
FIELD_INCLUDE = engines["django"].from_string('{% include "components/field.html" with field=field %}')


class EveryKindForm(FastRenderedForm):
    """The field kinds the consultation forms do not have yet: a radio group and a required box to tick."""

    scope = forms.ChoiceField(label="Portée", choices=[("a", "Tout"), ("b", "Sélection")], widget=forms.RadioSelect,
                              help_text="Ce que l'export contient.")
    agree = forms.BooleanField(label="J'ai compris", help_text="Obligatoire pour continuer.")


def _forms():
    yield SearchForm(agencies=[("FRAN_NP_009913", "Mairie")])
    yield SearchForm({"q": "x" * 600, "agency": "FRAN_NP_009913", "sort": "-title", "date_from": "pas une date", "per_page": "7", "level": "Nope"},
                     agencies=[("FRAN_NP_009913", "Mairie")])
    yield ResearcherSearchForm()
    yield ResearcherSearchForm({"q": ""})
    yield OperationFilterForm({"date_from": "2026-05-01", "date_to": "2026-01-01", "type": "NOPE"})
    yield SavedSearchForm()
    yield SavedSearchForm({"name": ""})
    yield UnitFilterForm(agencies=[("FRAN_NP_009913", "Mairie")])
    yield UnitFilterForm({"status": "NOPE", "order": "-title", "text": "x" * 300},
                         agencies=[("FRAN_NP_009913", "Mairie")])
    yield DepositFilterForm()
    yield DepositFilterForm({"scope": "nope", "date_from": "pas une date"})
    yield TreeSearchForm()
    yield TreeSearchForm({"q": "x" * 300})
    yield EveryKindForm()
    yield EveryKindForm({"scope": "z"})


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_field_is_drawn_as_the_template_engine_draws_it(language):
    compared = errors_seen = 0
    with translation.override(language):
        for form in _forms():
            form.is_valid()
            fast_renderer = form.renderer
            for bound_field in form:
                form.renderer = DJANGO_WIDGETS
                # Django's form renderers strip the blank lines the include leaves around the block.
                # Django's widgets through Jinja2 write an apostrophe in an option's label &#39; too.
                expected = FIELD_INCLUDE.render({"field": bound_field}).strip().replace("&#39;", "&#x27;")
                form.renderer = fast_renderer
                # Jinja2 (markupsafe) writes an apostrophe &#39;, Django &#x27;: the same character.
                drawn = bound_field.as_field_group().replace("&#39;", "&#x27;")
                assert drawn == expected, (type(form).__name__, bound_field.name)
                compared += 1
                errors_seen += bool(bound_field.errors)
    assert compared > 30 and errors_seen >= 6


def test_the_search_page_draws_its_fields_with_their_labels_help_and_errors(client, archive):
    client.force_login(archive.archivist_a)
    url = reverse("consultation:search", args=[archive.tenant_a.pk])
    page = client.get(url, {"date_from": "pas une date"}).content.decode()
    assert 'aria-describedby="id_q_help"' in page
    assert 'id="id_date_from_error"' in page and 'aria-invalid="true"' in page
