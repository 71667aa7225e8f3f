"""Site-wide middleware: the request id, session activity, Vitam errors that escape a view, French by default."""

import logging
import time

from django.http import Http404, JsonResponse

from sam.lib.proxies import is_trusted_proxy
from sam.lib.request_id import new_request_id, request_id_scope
from sam.site.views import vitam_unavailable_response
from sam.vitam.errors import VitamError, VitamNotFound, VitamUnavailable


class RequestIdMiddleware:
    """The id of the request: the one SAM's reverse proxy set, or a fresh one.

    A client's X-Request-Id is ignored unless the request comes from SAM_TRUSTED_PROXIES: the id lands
    in the audit trail and the logs, where a forged one could mask an entry or blame another request.
    """

    header = "HTTP_X_REQUEST_ID"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from_proxy = is_trusted_proxy(request.META.get("REMOTE_ADDR"))
        request_id = new_request_id(request.META.get(self.header, "") if from_proxy else "")
        request.request_id = request_id
        with request_id_scope(request_id):
            response = self.get_response(request)
        # The connectors' door answers its own X-Request-Id (the operation id, as Vitam does): keep it.
        response.setdefault("X-Request-Id", request_id)
        return response


# The idle expiry moves ahead when the session is saved. Saving it on every page costs a database write per
# request; marking it as active at most once per interval keeps the expiry within this delay of the true one.
SESSION_ACTIVITY_KEY = "sam_active_at"
SESSION_RENEW_SECONDS = 300


class SessionActivityMiddleware:
    """Renews a signed-in session's idle expiry, at most once every SESSION_RENEW_SECONDS.

    Placed after AuthenticationMiddleware: anonymous visitors get no session written for them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            if now - request.session.get(SESSION_ACTIVITY_KEY, 0) >= SESSION_RENEW_SECONDS:
                request.session[SESSION_ACTIVITY_KEY] = now  # modified: saved with a new expiry
        return self.get_response(request)


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


class ServerTimingMiddleware:
    """Adds `Server-Timing: cpu;dur=<ms>`: the CPU time this process spent on the request (time.thread_time,
    a sync worker serves a request in one thread), for bench/load_portal.py's CPU per page. Only installed with
    SAM_SERVER_TIMING=true: it tells any client how long the server worked."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.thread_time()
        response = self.get_response(request)
        response["Server-Timing"] = f"cpu;dur={(time.thread_time() - started) * 1000:.2f}"
        return response
