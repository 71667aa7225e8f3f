"""The referent's pages of connector accounts: list, declare, suspend or resume, rotate, deposits.

Scoped by manage_users on the organisation (sam.connectors.selectors): 404 for any other alike.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sam.connectors import selectors, services
from sam.connectors.forms import ConnectorForm, RotateForm
from sam.lib import refusals

GET_POST = require_http_methods(["GET", "HEAD", "POST"])


def _connector(request, org_pk, pk):
    organisation = selectors.connector_organisation_for_user(request.user, org_pk)
    connector = selectors.connector_get_for_user(request.user, pk)
    if connector.organisation_id != organisation.pk:
        raise Http404("No such connector")
    return organisation, connector


@login_required
def connector_list(request, org_pk):
    organisation = selectors.connector_organisation_for_user(request.user, org_pk)
    return render(request, "connectors/connector_list.html", {
        "organisation": organisation, "connectors": selectors.connector_list(organisation)})


@login_required
@GET_POST
def connector_create(request, org_pk):
    organisation = selectors.connector_organisation_for_user(request.user, org_pk)
    form = ConnectorForm(request.POST or None, request.FILES or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            connector = services.connector_create(
                actor=request.user, organisation=organisation, name=form.cleaned_data["name"],
                tenants=form.cleaned_data["tenants"], certificate_pem=form.cleaned_data["certificate"],
                request=request)
        except ValidationError as error:
            refusals.on_form(form, error)
        else:
            messages.success(request, _("The connector %(name)s has been declared.") % {"name": connector.name})
            return redirect("connectors:connector_detail", organisation.pk, connector.pk)
    return render(request, "connectors/connector_form.html", {"form": form, "organisation": organisation})


@login_required
def connector_detail(request, org_pk, pk):
    organisation, connector = _connector(request, org_pk, pk)
    return render(request, "connectors/connector_detail.html", {
        "organisation": organisation, "connector": connector,
        "deposits": selectors.connector_deposits(connector)[:100]})


@login_required
@require_POST
def connector_suspend(request, org_pk, pk):
    organisation, connector = _connector(request, org_pk, pk)
    services.connector_suspend(actor=request.user, connector=connector, request=request)
    messages.success(request, _("The connector %(name)s is suspended: its deposits are refused.") % {
        "name": connector.name})
    return redirect("connectors:connector_detail", organisation.pk, connector.pk)


@login_required
@require_POST
def connector_resume(request, org_pk, pk):
    organisation, connector = _connector(request, org_pk, pk)
    services.connector_resume(actor=request.user, connector=connector, request=request)
    messages.success(request, _("The connector %(name)s may deposit again.") % {"name": connector.name})
    return redirect("connectors:connector_detail", organisation.pk, connector.pk)


@login_required
@GET_POST
def connector_rotate(request, org_pk, pk):
    organisation, connector = _connector(request, org_pk, pk)
    form = RotateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.connector_rotate(actor=request.user, connector=connector,
                                      certificate_pem=form.cleaned_data["certificate"], request=request)
        except ValidationError as error:
            refusals.on_form(form, error, field="certificate")
        else:
            messages.success(request, _("The certificate of %(name)s has been replaced.") % {"name": connector.name})
            return redirect("connectors:connector_detail", organisation.pk, connector.pk)
    return render(request, "connectors/connector_rotate.html", {
        "form": form, "organisation": organisation, "connector": connector})
