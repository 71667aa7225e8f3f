"""A form field drawn as SAM draws it (label, help, errors tied to the widget by aria-describedby and
aria-invalid), shared by templates/components/field.html (Django's template engine) and the forms drawn on every
page, whose fields Django's Jinja2 form renderer draws from sam/site/jinja2/components/."""

from django import forms
from django.forms.boundfield import BoundField
from django.forms.renderers import Jinja2
from django.utils.translation import gettext

_GROUPED_WIDGETS = (forms.RadioSelect, forms.CheckboxSelectMultiple)


def field_kind(bound_field):
    """'group' (radio/checkbox lists: fieldset + legend), 'checkbox' (label after the box) or 'input'."""
    widget = bound_field.field.widget
    if isinstance(widget, _GROUPED_WIDGETS):
        return "group"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    return "input"


def described_widget(bound_field):
    """Render the widget tied to its help text and errors (aria-describedby, aria-invalid)."""
    base_id = bound_field.id_for_label or bound_field.auto_id
    described_by = []
    if bound_field.help_text:
        described_by.append(f"{base_id}_help")
    if bound_field.errors:
        described_by.append(f"{base_id}_error")
    attrs = {}
    existing = bound_field.field.widget.attrs.get("aria-describedby")
    if existing:
        described_by.insert(0, existing)
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
    if bound_field.field.required and not isinstance(bound_field.field.widget, _GROUPED_WIDGETS):
        attrs["aria-required"] = "true"
    return bound_field.as_widget(attrs=attrs)


class AccessibleBoundField(BoundField):
    """`{{ form.name.as_field_group }}`: what components/field.html computes with filters, computed once here."""

    def get_context(self):
        return {
            "field": self,
            "kind": field_kind(self),
            "base_id": self.id_for_label or self.auto_id,
            "widget": described_widget(self),
            "required_text": gettext("(required)"),
        }


class FieldGroupRenderer(Jinja2):
    """Django's Jinja2 form renderer, drawing `as_field_group` with SAM's field markup, and select lists and
    single inputs with their included templates written inline (sam/site/jinja2/components/select.html and
    input.html: the same HTML as Django's, one template where Django's engine walks three)."""

    field_template_name = "components/field.html"
    bound_field_class = AccessibleBoundField
    _INLINED = {
        "django/forms/widgets/select.html": "components/select.html",
        **{f"django/forms/widgets/{name}.html": "components/input.html"
           for name in ("input", "text", "date", "hidden", "number", "email", "url", "password", "search", "tel",
                        "time", "datetime")},
    }

    def get_template(self, template_name):
        return super().get_template(self._INLINED.get(template_name, template_name))
