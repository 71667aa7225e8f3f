"""SAM's URLs plus three pages that do only the fixed part of every page, for bench/profile_search.py's floor:
an empty signed-in page (middleware, session, user), the same after the tenant check (grants and tenants), and
the layout alone around an empty content (context processors, menus)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path

from sam.urls import urlpatterns as sam_urlpatterns
from tenants.context import tenant_get_for_request


@login_required
def signed_in(request):
    return HttpResponse("ok")


@login_required
def tenant_checked(request, tenant_pk):
    tenant_get_for_request(request, tenant_pk, "search")
    return HttpResponse("ok")


@login_required
def layout(request, tenant_pk):
    return render(request, "base.html", {"tenant": tenant_get_for_request(request, tenant_pk, "search")})


FLOOR_PAGES = (("signed_in", "bench-floor/"), ("tenant_checked", "bench-floor/{tenant}/tenant/"),
               ("layout", "bench-floor/{tenant}/layout/"))
urlpatterns = [
    path("bench-floor/", signed_in),
    path("bench-floor/<int:tenant_pk>/tenant/", tenant_checked),
    path("bench-floor/<int:tenant_pk>/layout/", layout),
    *sam_urlpatterns,
]
