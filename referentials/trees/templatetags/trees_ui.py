"""Archivists' labels for the codes Vitam and SEDA use (description levels, final actions, outcomes)."""

from django import template
from django.utils.translation import gettext_lazy as _

from referentials.trees.forms import LEVEL_LABELS

register = template.Library()
FINAL_ACTIONS = {"Keep": _("Keep"), "Destroy": _("Destroy")}
OUTCOMES = {"OK": _("Success"), "WARNING": _("Success with warnings"), "KO": _("Refused"), "FATAL": _("Technical error")}


@register.filter
def level_label(code):
    return LEVEL_LABELS.get(code, code)


@register.filter
def final_action_label(code):
    return FINAL_ACTIONS.get(code, code)


@register.filter
def outcome_label(code):
    return OUTCOMES.get(code, code)
