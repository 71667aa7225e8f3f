"""Search-as-you-type pickers: a field that holds an identifier (service producteur, rule, archive unit) shows
labels to choose from instead of asking for the identifier.

Without JavaScript the widget is the plain text input it enhances, validated by the form. static/sam/js/picker.js
turns every input carrying data-picker-url into a combobox that asks the tenant's lookup endpoint
(consultation:picker, tenant-scoped) for labels as the user types. A picker of several values (MultiPickerInput)
is a textarea of identifiers, one per line, that the script replaces by chips (label and remove button) above
the combobox.
"""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# Kinds a lookup endpoint answers; the names appear in the lookup URL.
KINDS = ("agencies", "rules", "units", "deposits", "formats")
# At most this many suggestions per keystroke (the lookups ask Vitam for no more).
MAX_SUGGESTIONS = 20


class PickerInput(forms.TextInput):
    """A text input holding an identifier, enhanced into a picker of labels once bound to a tenant."""

    def __init__(self, kind: str, attrs=None, *, narrowed_by: str = ""):
        """narrowed_by: name of a field of the same form whose value narrows the suggestions (sent as ?type=, the
        rule category of a rule picker)."""
        if kind not in KINDS:
            raise ValueError(f"unknown picker kind {kind!r}")
        self.kind = kind
        # The script's words (no JavaScript catalogue): announced to screen readers as suggestions arrive.
        super().__init__(attrs={
            "autocomplete": "off", "spellcheck": "false", "data-picker": kind,
            "data-picker-count": _("%(count)s suggestions: arrow keys to go through them, Enter to choose."),
            "data-picker-none": _("No suggestion."), **(attrs or {})})
        if narrowed_by:
            self.attrs["data-picker-narrowed-by"] = narrowed_by


class MultiPickerInput(forms.Textarea):
    """Several identifiers, one per line without JavaScript; chips with labels and a remove button with it."""

    def __init__(self, kind: str, attrs=None):
        if kind not in KINDS:
            raise ValueError(f"unknown picker kind {kind!r}")
        self.kind = kind
        super().__init__(attrs={
            "rows": 3, "spellcheck": "false", "data-picker": kind, "data-picker-multiple": "1",
            "placeholder": _("One identifier per line"),
            "data-picker-count": _("%(count)s suggestions: arrow keys to go through them, Enter to choose."),
            "data-picker-none": _("No suggestion."), "data-picker-remove": _("Remove %(label)s"),
            "data-picker-chosen": _("Chosen values"), **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, (list, tuple)):
            value = "\n".join(value)
        return super().format_value(value)


def pickers_bind(form: forms.Form, tenant) -> None:
    """Point the form's pickers at the tenant's lookup endpoint (a form without a tenant keeps plain inputs)."""
    if tenant is None:
        return
    for field in form.fields.values():
        if isinstance(field.widget, (PickerInput, MultiPickerInput)):
            field.widget.attrs["data-picker-url"] = reverse(
                "consultation:picker", kwargs={"tenant_pk": tenant.pk, "kind": field.widget.kind})
