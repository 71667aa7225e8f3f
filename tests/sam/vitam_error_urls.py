"""A test-only URLconf whose views let Vitam errors escape, to exercise the safety net."""

from django.urls import include, path

from sam.vitam.errors import VitamBadRequest, VitamNotFound, VitamUnavailable


def unavailable(request):
    raise VitamUnavailable("connection refused", request_id="req-unavailable-1")


def refused(request):
    raise VitamBadRequest("bad query", status=400, request_id="req-refused-1")


def missing(request):
    raise VitamNotFound("Unit not found", status=404, request_id="req-missing-1")


urlpatterns = [
    path("", include("sam.urls")),
    path("test/unavailable/", unavailable),
    path("test/refused/", refused),
    path("test/missing/", missing),
    path("api/test/unavailable/", unavailable),
]
