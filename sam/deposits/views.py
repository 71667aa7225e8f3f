"""Screens of deposits: thin views over selectors and services (a request never waits for Vitam)."""

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from referentials.trees.selectors import tenant_agencies, tenant_rules
from sam.deposits import selectors, services, slip
from sam.deposits.forms import DepositFilterForm, SimpleDepositForm, SipUploadForm, UnitReviewFormSet
from sam.deposits.models import Deposit
from sam.deposits.uploads import upload_limit, use_limited_handler
from sam.lib import refusals
from sam.lib.display import human_size
from sam.vitam import VitamError
from tenants.context import tenant_get_for_request
from tenants.vitam_clients import MissingContract

PAGE_SIZE = 25
GET_POST = require_http_methods(["GET", "HEAD", "POST"])


def _too_large_message():
    return _("The file exceeds the size limit of %(limit)s. Split the deposit or ask your administrator.") % {
        "limit": human_size(upload_limit())}


def _wants_json(request) -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


@login_required
@require_GET
def deposit_list(request, tenant_pk):
    tenant = tenant_get_for_request(request, tenant_pk, selectors.PERM)
    form = DepositFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    deposits = selectors.deposit_list(
        user=request.user, tenant=tenant, mine=filters.get("scope") == "mine", state=filters.get("state") or "",
        date_from=filters.get("date_from"), date_to=filters.get("date_to"))
    page = Paginator(deposits, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.deposit_rows(page.object_list, tenant=tenant)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "deposits/deposit_list.html", {
        "tenant": tenant, "form": form, "page": page, "query": query.urlencode(),
        "following": any(not d.is_finished and d.state != Deposit.State.READY for d in page),
    })


@csrf_exempt
@login_required
@GET_POST
def deposit_create(request, tenant_pk):
    """SIP upload, streamed to disk under the size limit (XHR with progress, or a plain form post)."""
    use_limited_handler(request)
    return _deposit_create(request, tenant_pk)


@csrf_protect
def _deposit_create(request, tenant_pk):
    tenant = tenant_get_for_request(request, tenant_pk, selectors.PERM)
    form = SipUploadForm()
    if request.method == "POST":
        form = SipUploadForm(request.POST, request.FILES)
        if getattr(request, "upload_too_large", False):
            form = SipUploadForm(request.POST, {})
            form.is_valid()
            form.add_error("sip", _too_large_message())
        elif form.is_valid():
            upload = form.cleaned_data["sip"]
            kind = Deposit.Kind.TEST if form.cleaned_data["test_only"] else Deposit.Kind.SIP
            try:
                deposit = services.deposit_receive(actor=request.user, tenant=tenant, upload=upload,
                                                   file_name=upload.name, kind=kind, request=request)
            except ValidationError as error:
                refusals.on_form(form, error, field="sip")
            else:
                url = reverse("deposits:deposit_detail", kwargs={"tenant_pk": tenant.pk, "pk": deposit.pk})
                if _wants_json(request):
                    return JsonResponse({"deposit": deposit.pk, "url": url, "state": deposit.state})
                messages.success(request, _("The SIP was received: SAM checks it, then sends it to Vitam."))
                return redirect(url)
        if _wants_json(request):
            return JsonResponse({"errors": [str(e) for errors in form.errors.values() for e in errors]}, status=400)
    return render(request, "deposits/deposit_create.html", {
        "tenant": tenant, "form": form, "limit": human_size(upload_limit()),
    })


def _simple_choices(tenant):
    return {"agencies": tenant_agencies(tenant), "filing_units": selectors.filing_units(tenant),
            "rules": tenant_rules(tenant)}


@csrf_exempt
@login_required
@GET_POST
def simple_create(request, tenant_pk):
    use_limited_handler(request)
    return _simple_create(request, tenant_pk)


@csrf_protect
def _simple_create(request, tenant_pk):
    tenant = tenant_get_for_request(request, tenant_pk, selectors.PERM)
    try:
        choices = _simple_choices(tenant)
    except (VitamError, MissingContract) as error:
        return render(request, "deposits/simple_create.html", {"tenant": tenant, "unavailable": error.user_message()})
    form = SimpleDepositForm(**choices)
    if request.method == "POST":
        form = SimpleDepositForm(request.POST, request.FILES, **choices)
        if getattr(request, "upload_too_large", False):
            form.is_valid()
            form.add_error(None, _too_large_message())
        elif form.is_valid():
            try:
                deposit = services.simple_deposit_create(
                    actor=request.user, tenant=tenant, files=form.cleaned_data["files"],
                    form=form.to_simple(tenant), metadata=form.cleaned_data.get("metadata_csv"), request=request)
            except ValidationError as error:
                refusals.on_form(form, error, field="files")
            else:
                url = reverse("deposits:deposit_detail", kwargs={"tenant_pk": tenant.pk, "pk": deposit.pk})
                if _wants_json(request):
                    return JsonResponse({"deposit": deposit.pk, "url": url, "state": deposit.state})
                return redirect(url)
        if _wants_json(request):
            return JsonResponse({"errors": [str(e) for errors in form.errors.values() for e in errors]}, status=400)
    return render(request, "deposits/simple_create.html", {
        "tenant": tenant, "form": form, "limit": human_size(upload_limit())})


@login_required
@require_GET
def deposit_detail(request, tenant_pk, pk):
    deposit = selectors.deposit_get_for_user(request.user, tenant_pk, pk)
    return render(request, "deposits/deposit_detail.html", {
        "tenant": deposit.tenant, "deposit": deposit, "slip": slip.slip_data(deposit),
    })


# Units per page of the review: 5 fields each, well under DATA_UPLOAD_MAX_NUMBER_FIELDS (1000).
REVIEW_UNITS_PER_PAGE = 100


@login_required
@GET_POST
def deposit_review(request, tenant_pk, pk):
    """The archivist corrects the level, title, description and dates of each unit before sending,
    a page of the tree at a time: each page is recorded on its own, with its own errors."""
    deposit = selectors.deposit_get_for_user(request.user, tenant_pk, pk)
    if not deposit.can_review:
        return redirect("deposits:deposit_detail", tenant_pk=deposit.tenant_id, pk=deposit.pk)
    pages = Paginator(deposit.summary["build"]["units"], REVIEW_UNITS_PER_PAGE)
    page = pages.get_page(request.POST.get("page") or request.GET.get("page"))
    units = list(page.object_list)
    formset = UnitReviewFormSet(request.POST or None, units=units, first_line=page.start_index(), prefix="unit")
    if request.method == "POST" and formset.is_valid():
        send = request.POST.get("action") != "save"
        try:
            services.simple_deposit_review(actor=request.user, deposit=deposit, units=formset.rows(), send=send,
                                           request=request)
        except ValidationError as error:
            refusals.as_messages(request, error)
        else:
            if send:
                messages.success(request, _("The description is recorded; SAM is building and checking the package."))
                return redirect("deposits:deposit_detail", tenant_pk=deposit.tenant_id, pk=deposit.pk)
            messages.success(request, _("Lines %(first)d to %(last)d are recorded.") % {
                "first": page.start_index(), "last": page.end_index()})
            following = page.next_page_number() if page.has_next() else page.number
            return redirect(f"{request.path}?page={following}")
    return render(request, "deposits/deposit_review.html", {
        "tenant": deposit.tenant, "deposit": deposit, "formset": formset, "page_obj": page,
        "unit_count": pages.count,
        "rows": list(zip(units, formset.forms, range(page.start_index(), page.end_index() + 1)))})


@login_required
@require_GET
def deposit_status(request, tenant_pk, pk):
    """Polled by static/sam/js/deposits.js: the state SAM's background tasks recorded (never asks Vitam)."""
    deposit = selectors.deposit_get_for_user(request.user, tenant_pk, pk)
    return JsonResponse(status_payload(deposit))


def status_payload(deposit: Deposit) -> dict:
    return {
        "id": deposit.pk, "state": deposit.state, "state_label": deposit.get_state_display(),
        "finished": deposit.is_finished, "operation_id": deposit.operation_id,
        "operation_status": deposit.operation_status, "explanation": deposit.explanation,
        "job_percent": deposit.job.percent if deposit.job_id and deposit.job else None,
        "job_message": deposit.job.message if deposit.job_id and deposit.job else "",
    }


def _act(request, tenant_pk, pk, action, success):
    deposit = selectors.deposit_get_for_user(request.user, tenant_pk, pk)
    refusals.run_and_report(request, lambda: action(actor=request.user, deposit=deposit, request=request),
                            lambda: success)
    return redirect("deposits:deposit_detail", tenant_pk=deposit.tenant_id, pk=deposit.pk)


@login_required
@require_POST
def deposit_send(request, tenant_pk, pk):
    return _act(request, tenant_pk, pk, services.deposit_send_start, _("The deposit is being sent to Vitam."))


@login_required
@require_POST
def deposit_retry(request, tenant_pk, pk):
    return _act(request, tenant_pk, pk, services.deposit_retry, _("The deposit is being retried."))


@login_required
@require_POST
def deposit_cancel(request, tenant_pk, pk):
    return _act(request, tenant_pk, pk, services.deposit_cancel, _("The deposit was cancelled."))


@login_required
@require_GET
def deposit_atr(request, tenant_pk, pk):
    deposit = selectors.deposit_get_for_user(request.user, tenant_pk, pk)
    if not deposit.atr_path or not Path(deposit.atr_path).is_file():
        raise Http404("No ATR yet")
    return FileResponse(open(deposit.atr_path, "rb"), as_attachment=True, content_type="application/xml",
                        filename=f"ATR-{deposit.operation_id or deposit.pk}.xml")


@login_required
@require_GET
def deposit_slip(request, tenant_pk, pk):
    deposit = selectors.deposit_get_for_user(request.user, tenant_pk, pk)
    return render(request, "deposits/deposit_slip.html", {"tenant": deposit.tenant, "deposit": deposit,
                                                          "slip": slip.slip_data(deposit)})


@login_required
@require_GET
def deposit_slip_pdf(request, tenant_pk, pk):
    deposit = selectors.deposit_get_for_user(request.user, tenant_pk, pk)
    response = HttpResponse(slip.slip_pdf(deposit), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="bordereau-versement-{deposit.pk}.pdf"'
    return response
