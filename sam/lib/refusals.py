"""A service's refusal shown to the user: on the form that was sent, or as messages on the next page.

A refusal is a ValidationError (SAM's own rules), or any error that says what the user should read through
``user_message()``: a VitamError (the archive system said no, or could not be reached), a missing contract. Each view still names the errors it catches: what it lets through goes to the
503/502 page (sam.site.middleware).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError

from sam.vitam import VitamError

Refusal = ValidationError | VitamError  # or any exception with user_message()


def messages_of(error: Refusal) -> list[str]:
    """What the user reads: Vitam's next step, or SAM's validation messages."""
    if hasattr(error, "user_message"):
        return [error.user_message()]
    return error.messages


def on_form(form, error: Refusal, *, field: str | None = None) -> None:
    """The refusal in the form, whose input stays on screen.

    Messages that name a field of the form go under it; the others go under ``field`` (form-wide by default).
    """
    if hasattr(error, "user_message"):
        form.add_error(field, error.user_message())
    elif hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(field, error)


def as_messages(request, error: Refusal, *, level: int = messages.ERROR) -> None:
    for message in messages_of(error):
        messages.add_message(request, level, message)


def run_and_report(request, action, success):
    """Run a service call: its ValidationError becomes error messages, else the ``success()`` message is shown.

    ``success`` is called after the service, so it describes the object as the service left it.
    Returns what the service returned, or None when it refused.
    """
    try:
        result = action()
    except ValidationError as error:
        as_messages(request, error)
        return None
    messages.success(request, success())
    return result
