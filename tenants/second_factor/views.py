"""Second factor pages: enrolment (QR code), verification after sign-in, recovery codes, reset by a referent."""

from base64 import b32encode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tenants import permissions, selectors
from tenants.second_factor import policy, services
from tenants.second_factor.forms import CodeForm

GET_POST = require_http_methods(["GET", "HEAD", "POST"])


def _next_url(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("home")


@login_required
def status(request):
    return render(request, "second_factor/status.html", {
        "device": policy.confirmed_totp(request.user),
        "required": policy.second_factor_required(request.user),
        "codes_left": policy.recovery_codes_left(request.user),
    })


@login_required
@GET_POST
def enrol(request):
    if policy.confirmed_totp(request.user) and not request.user.is_verified():
        return redirect(f"{reverse('second_factor:verify')}?{request.GET.urlencode()}")
    device = services.pending_totp_device(user=request.user, session=request.session)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.enrolment_confirm(user=request.user, code=form.cleaned_data["code"], request=request)
        except services.SecondFactorRefused:
            form.add_error("code", _("This code does not match: check the time of your phone and type the current code."))
        else:
            return render(request, "second_factor/recovery_codes.html", {"codes": codes, "next": _next_url(request)})
    return render(request, "second_factor/enrol.html", {
        "form": form,
        "qr_code": segno.make(device.config_url, error="m").svg_data_uri(scale=5, dark="#1b1b35"),
        "secret": b32encode(device.bin_key).decode(),
        "required": policy.second_factor_required(request.user),
        "next": request.GET.get("next", ""),
    })


@login_required
@GET_POST
def verify(request):
    if request.user.is_verified():
        return redirect(_next_url(request))
    if policy.confirmed_totp(request.user) is None and policy.recovery_codes_left(request.user) == 0:
        return redirect(f"{reverse('second_factor:enrol')}?{request.GET.urlencode()}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.verify(user=request.user, code=form.cleaned_data["code"], request=request)
        except services.SecondFactorRefused as refusal:
            if refusal.wait:
                form.add_error("code", _("Too many wrong codes: wait %(seconds)s seconds, then try again.")
                               % {"seconds": refusal.wait})
            else:
                form.add_error("code", _("This code does not match, or this recovery code has already been used."))
        else:
            return redirect(_next_url(request))
    return render(request, "second_factor/verify.html", {"form": form, "next": request.GET.get("next", "")})


@login_required
@require_POST
def recovery_codes_regenerate(request):
    if policy.confirmed_totp(request.user) is None:
        return redirect("second_factor:enrol")
    codes = services.recovery_codes_regenerate(user=request.user, request=request)
    return render(request, "second_factor/recovery_codes.html", {"codes": codes, "next": reverse("second_factor:status")})


@login_required
@GET_POST
def reset(request, org_pk, pk):
    organisation = permissions.organisation_get_for_user(request.user, org_pk, "manage_users")
    member = selectors.user_get_for_organisation(actor=request.user, organisation=organisation, pk=pk)
    detail_url = reverse("tenants:user_detail", args=[organisation.pk, member.pk])
    if request.method == "POST":
        try:
            services.second_factor_reset(actor=request.user, organisation=organisation, user=member, request=request)
        except PermissionDenied:
            messages.error(request, _("Only a platform administrator can reset the second factor of another one."))
        else:
            messages.success(request, _("The second factor of %(user)s has been reset: they will set it up again "
                                        "at their next sign-in.") % {"user": member.username})
        return redirect(detail_url)
    return render(request, "tenants/confirm.html", {
        "organisation": organisation, "member": member,
        "title": _("Reset the second factor of %(user)s") % {"user": member.username},
        "question": _("Their authenticator application and recovery codes stop working. Do it only after checking "
                      "who is asking (lost or replaced phone)."),
        "confirm_label": _("Reset the second factor"), "cancel_url": detail_url,
    })
