"""The Jinja2 environment of the fragments Django's template engine draws too slowly (the rows and facets of a
result page: Jinja2 compiles a template to Python, Django's engine walks nodes for every row). Django's url and
static, Django's translations as `_("…")`, whose plain form `makemessages` extracts from templates too."""

from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from jinja2 import Environment


def url(name: str, *args, **kwargs) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def environment(**options) -> Environment:
    env = Environment(extensions=["jinja2.ext.i18n"], **options)
    # Old-style gettext: `_("…")` is a plain string, formatted by `|format(name=value)` and escaped on output.
    env.install_gettext_callables(translation.gettext, translation.ngettext)
    env.globals.update(url=url, static=static)
    return env
