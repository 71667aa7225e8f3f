"""Request id: one id per request, reused in logs, in Vitam calls and on error pages."""

import contextvars
import logging
import re
import uuid

_current_request_id = contextvars.ContextVar("sam_request_id", default="-")
_VALID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id():
    return _current_request_id.get()


class RequestIdMiddleware:
    header = "HTTP_X_REQUEST_ID"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get(self.header, "")
        request_id = incoming if _VALID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = _current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current_request_id.reset(token)
        response["X-Request-Id"] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record):
        record.request_id = _current_request_id.get()
        return True


class VitamErrorMiddleware:
    """Safety net: a Vitam failure a view did not handle becomes a clear page, never a 500.

    Views handle the errors they expect (a unit not found is a 404, a rejected import is a
    form error); what escapes is either an outage (503 with what to do next) or an unexpected
    refusal (502 with Vitam's message and the request id).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.http import Http404, JsonResponse

        from sam.vitam.errors import VitamError, VitamNotFound, VitamUnavailable
        from sam.views import vitam_unavailable_response

        if not isinstance(exception, VitamError):
            return None
        if isinstance(exception, VitamNotFound):
            raise Http404(str(exception)) from exception
        status = 503 if isinstance(exception, VitamUnavailable) else 502
        logging.getLogger("sam.vitam").warning("Vitam error escaped a view (%s): %s", status, exception)
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": exception.user_message(), "request_id": getattr(exception, "request_id", "")},
                status=status,
            )
        return vitam_unavailable_response(request, exception, status=status)


class FrenchByDefaultMiddleware:
    """French is SAM's interface language: the browser's Accept-Language is not consulted.

    The language is the one the user chose (the language switch or the profile, kept in Django's
    language cookie), else settings.LANGUAGE_CODE. Placed before LocaleMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
