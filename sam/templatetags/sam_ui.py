"""Template helpers of the SAM theme: accessible field rendering and small formatting filters."""

from django import forms, template
from django.utils.translation import ngettext

register = template.Library()

_GROUPED_WIDGETS = (forms.RadioSelect, forms.CheckboxSelectMultiple)


@register.filter
def field_kind(bound_field):
    """'group' (radio/checkbox lists: fieldset + legend), 'checkbox' (label after the box) or 'input'."""
    widget = bound_field.field.widget
    if isinstance(widget, _GROUPED_WIDGETS):
        return "group"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    return "input"


@register.filter
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


@register.filter
def minutes(delta):
    """A timedelta as a French/English count of minutes ("15 minutes"), rounded up."""
    if delta is None:
        return ""
    total = int(delta.total_seconds() + 59) // 60
    return ngettext("%(count)d minute", "%(count)d minutes", total) % {"count": total}


@register.filter
def in_section(path, url):
    """True when the current path is the page `url` or below it (the home page matches itself only)."""
    if not url:
        return False
    if url == "/":
        return path == "/"
    return path == url or path.startswith(url.rstrip("/") + "/")
