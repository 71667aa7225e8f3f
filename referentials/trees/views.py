"""Screens of the filing trees: published-tree browser (from Vitam) and drafts (in SAM).

Thin views: load the tenant or draft through an accessor (404 alike for missing and forbidden),
call one selector or service, render. Browsing needs `search`; drafts need `manage_referentials`.
"""

from functools import wraps
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from referentials.trees import selectors, services
from referentials.trees.forms import (
    LEVEL_LABELS,
    DraftCreateForm,
    DraftUpdateForm,
    MoveForm,
    NodeForm,
    PublishForm,
    ReorderForm,
    SearchForm,
)
from referentials.trees.models import TreeKind
from sam.lib import refusals
from sam.vitam import VitamError
from tenants.vitam_clients import MissingContract
from tenants.context import tenant_get_for_request
from tenants.permissions import can

GET_POST = require_http_methods(["GET", "HEAD", "POST"])
KINDS = (("all", gettext_lazy("All trees")), ("holding", gettext_lazy("Holding tree")),
         ("filing", gettext_lazy("Filing plan")))


def _kind(request):
    kind = request.GET.get("kind", "all")
    return kind if kind in dict(KINDS) else "all"


def _consultation_url(tenant, unit_id):
    """Link to the search of the units filed under a node, when the consultation app offers it."""
    try:
        return reverse("consultation:search", kwargs={"tenant_pk": tenant.pk}) + f"?node={unit_id}"
    except NoReverseMatch:
        return ""


def _with_urls(tenant, nodes, kind):
    """Node and children URLs built from one reverse() each: a page shows hundreds of nodes."""
    placeholder = "z" * 36  # a well-formed GUID, replaced by each node's
    node_base = reverse("trees:tree_node", kwargs={"tenant_pk": tenant.pk, "unit_id": placeholder})
    children_base = reverse("trees:tree_children", kwargs={"tenant_pk": tenant.pk, "unit_id": placeholder})
    for node in nodes:
        node.url = node_base.replace(placeholder, quote(node.id, safe=""))
        node.children_url = children_base.replace(placeholder, quote(node.id, safe="")) + f"?kind={kind}"
    return nodes


def _labels(selectable=False):
    """Words of the tree nodes; selectable: the browser's nodes carry a tick for the selection (panier)."""
    return {"show": _("Show the sub-levels of"), "hide": _("Hide the sub-levels of"),
            "holding": _("holding"), "filing": _("filing"), "select": _("Select") if selectable else ""}


# --- published trees ----------------------------------------------------------------------------


def _needs_access_contract(view):
    """Published trees are read with the tenant's access contract: without one, say who must set it."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except MissingContract:
            return render(request, "trees/no_contract.html", status=503)

    return wrapper



@login_required
@require_GET
@_needs_access_contract
def tree_browser(request, tenant_pk):
    tenant = tenant_get_for_request(request, tenant_pk, "search")
    kind = _kind(request)
    search = SearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    roots = selectors.tree_roots(tenant, kind, mark_children=False)
    # Without JavaScript the first two levels are there; deeper levels load on demand.
    children = selectors.tree_children_of_many(tenant, [root.id for root in roots], kind) if roots else {}
    for root in roots:
        root.has_children = bool(children.get(root.id))
    _with_urls(tenant, roots + [child for nodes in children.values() for child in nodes], kind)
    results = selectors.tree_search(tenant, query, kind) if query else None
    return render(request, "trees/tree_browser.html", {
        "tenant": tenant, "kind": kind, "kinds": KINDS, "search_form": search, "query": query,
        "results": _with_urls(tenant, results, kind) if results else results,
        "roots": [(root, children.get(root.id, [])) for root in roots], "labels": _labels(selectable=True),
        "can_edit": can(request.user, "manage_referentials", tenant.organisation),
    })


@login_required
@require_GET
@_needs_access_contract
def tree_children(request, tenant_pk, unit_id):
    """HTML fragment: one page of a node's children (static/sam/js/trees.js inserts it)."""
    tenant = tenant_get_for_request(request, tenant_pk, "search")
    kind = _kind(request)
    try:
        offset = max(0, int(request.GET.get("offset", 0)))
    except ValueError:
        offset = 0
    nodes, total = selectors.tree_children(tenant, unit_id, kind, offset)
    more = offset + len(nodes) < total
    return render(request, "trees/_children.html", {
        "tenant": tenant, "kind": kind, "nodes": _with_urls(tenant, nodes, kind), "parent_id": unit_id,
        "labels": _labels(selectable=True),
        "next_offset": offset + len(nodes) if more else None, "total": total,
    })


@login_required
@require_GET
@_needs_access_contract
def tree_node(request, tenant_pk, unit_id):
    tenant = tenant_get_for_request(request, tenant_pk, "search")
    detail = selectors.tree_node(tenant, unit_id)
    children, total = selectors.tree_children(tenant, unit_id, "all", 0)
    return render(request, "trees/tree_node.html", {
        "tenant": tenant, "detail": detail, "node": detail.node, "children": _with_urls(tenant, children, "all"),
        "children_total": total, "labels": _labels(),
        "level_label": LEVEL_LABELS.get(detail.node.level, detail.node.level),
        "consultation_url": _consultation_url(tenant, unit_id),
        "can_edit": can(request.user, "manage_referentials", tenant.organisation),
    })


@login_required
@require_GET
@_needs_access_contract
def tree_export_csv(request, tenant_pk, unit_id):
    """A published node and everything under it, as the CSV SAM imports (identifiers, rules, final actions)."""
    tenant = tenant_get_for_request(request, tenant_pk, "search")
    response = HttpResponse(services.published_export_csv(tenant, unit_id), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="arbre-publie-{unit_id}.csv"'
    return response


# --- drafts -------------------------------------------------------------------------------------


def _draft(request, tenant_pk, pk):
    return selectors.draft_get_for_user(request.user, tenant_pk, pk)


def _draft_url(draft, node=None):
    url = reverse("trees:draft_detail", kwargs={"tenant_pk": draft.tenant_id, "pk": draft.pk})
    return f"{url}?node={node.pk}" if node is not None else url


def _rules_or_warn(request, tenant):
    """The tenant's rules from Vitam; when Vitam cannot answer, an empty list and a warning."""
    try:
        return selectors.tenant_rules(tenant)
    except VitamError as exc:
        messages.warning(request, _("The rules referential could not be read: %(reason)s") % {
            "reason": exc.user_message()})
        return None


@login_required
@require_GET
def draft_list(request, tenant_pk):
    tenant = tenant_get_for_request(request, tenant_pk, "manage_referentials")
    page = Paginator(selectors.draft_list(tenant=tenant), 25).get_page(request.GET.get("page"))
    return render(request, "trees/draft_list.html", {"tenant": tenant, "page_obj": page})


@login_required
@GET_POST
def draft_create(request, tenant_pk):
    tenant = tenant_get_for_request(request, tenant_pk, "manage_referentials")
    form = DraftCreateForm(request.POST or None, request.FILES or None,
                           initial={"attach_to": request.GET.get("attach_to", "")}, tenant=tenant)
    problems = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        common = {"actor": request.user, "tenant": tenant, "kind": data["kind"], "title": data["title"],
                  "description": data["description"], "attach_to": data["attach_to"], "request": request}
        try:
            if data["source"] == "empty":
                draft = services.draft_create(**common)
            else:
                upload = data["file"]
                if upload.size > services.MAX_IMPORT_BYTES:
                    raise ValidationError(_("The file is larger than %(size)s MB.") % {
                        "size": services.MAX_IMPORT_BYTES // 1024**2})
                known = _known_rules(request, tenant)
                draft = services.draft_import(**common, data=upload.read(), fmt=data["source"],
                                              filename=upload.name, known_rules=known)
        except services.TreeImportError as error:
            problems = error.messages
            form.add_error("file", _("The file was not imported: %(count)s problem(s), listed below. Nothing has "
                                     "been saved.") % {"count": len(problems)})
        except ValidationError as error:
            refusals.on_form(form, error)
        else:
            messages.success(request, _("The draft “%(title)s” has been created.") % {"title": draft.title})
            if data["source"] == "empty":
                return redirect(_draft_url(draft))
            return redirect("trees:draft_preview", tenant_pk=tenant.pk, pk=draft.pk)
    return render(request, "trees/draft_create.html", {"tenant": tenant, "form": form, "problems": problems[:200],
                                                        "problem_count": len(problems)})


def _known_rules(request, tenant):
    rules = _rules_or_warn(request, tenant)
    return {rule["RuleId"]: rule["RuleType"] for rule in rules} if rules is not None else None


@login_required
@GET_POST
def draft_from_published(request, tenant_pk, unit_id):
    tenant = tenant_get_for_request(request, tenant_pk, "manage_referentials")
    detail = selectors.tree_node(tenant, unit_id)
    if request.method == "POST":
        try:
            draft = services.draft_from_published(actor=request.user, tenant=tenant, unit_id=unit_id,
                                                  title=request.POST.get("title", "").strip(), request=request)
        except ValidationError as error:
            refusals.as_messages(request, error)
        else:
            messages.success(request, _("The draft “%(title)s” has been created from the published tree.") % {
                "title": draft.title})
            return redirect(_draft_url(draft))
    return render(request, "trees/draft_from_published.html", {"tenant": tenant, "detail": detail})


@login_required
@require_GET
def draft_detail(request, tenant_pk, pk):
    """The editor: the path to the current node, its children, and the actions on them."""
    draft = _draft(request, tenant_pk, pk)
    current = selectors.node_get(draft, request.GET["node"]) if request.GET.get("node") else None
    search = SearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    children, page = selectors.draft_children(draft, current, request.GET.get("page"))
    return render(request, "trees/draft_detail.html", {
        "tenant": draft.tenant, "draft": draft, "current": current,
        "path": selectors.draft_path(draft, current),
        "children": children, "page_obj": page,
        "node_count": draft.nodes.count(),
        "search_form": search, "query": query, "results": selectors.draft_search(draft, query) if query else None,
        "publications": draft.publications.all()[:5],
        "level_labels": LEVEL_LABELS,
    })


@login_required
@require_GET
def draft_preview(request, tenant_pk, pk):
    draft = _draft(request, tenant_pk, pk)
    known = _known_rules(request, draft.tenant)
    tree = selectors.draft_tree(draft, known)
    return render(request, "trees/draft_preview.html", {
        "tenant": draft.tenant, "draft": draft, "tree": tree, "problems": [str(p) for p in tree.problems],
        "file_errors": tree.file_errors, "stats": selectors.draft_stats(tree),
        "lines": selectors.flatten(tree), "rules_checked": known is not None, "level_labels": LEVEL_LABELS,
    })


@login_required
@GET_POST
def draft_update(request, tenant_pk, pk):
    draft = _draft(request, tenant_pk, pk)
    form = DraftUpdateForm(request.POST or None, initial={
        "version": draft.version, "title": draft.title, "description": draft.description,
        "attach_to": draft.attach_to}, tenant=draft.tenant)
    if request.method == "POST" and form.is_valid():
        try:
            services.draft_update(actor=request.user, draft=draft, request=request, **form.cleaned_data)
        except services.DraftConflict as conflict:
            form = _keep_input(DraftUpdateForm, request.POST, conflict, tenant=draft.tenant)
        except ValidationError as error:
            refusals.on_form(form, error)
        else:
            messages.success(request, _("The draft has been updated."))
            return redirect(_draft_url(draft))
    return render(request, "trees/draft_form.html", {"tenant": draft.tenant, "draft": draft, "form": form})


def _keep_input(form_class, data, conflict, **kwargs):
    """The user's input, re-bound on the current version, with what changed meanwhile."""
    data = data.copy()
    data["version"] = str(conflict.draft.version)
    form = form_class(data, **kwargs)
    form.is_valid()
    form.add_error(None, conflict.user_message())
    return form


@login_required
@GET_POST
def draft_delete(request, tenant_pk, pk):
    draft = _draft(request, tenant_pk, pk)
    if request.method == "POST":
        try:
            services.draft_delete(actor=request.user, draft=draft, request=request)
        except ValidationError as error:
            refusals.as_messages(request, error)
            return redirect(_draft_url(draft))
        messages.success(request, _("The draft “%(title)s” has been deleted.") % {"title": draft.title})
        return redirect("trees:draft_list", tenant_pk=draft.tenant_id)
    return render(request, "trees/confirm.html", {
        "tenant": draft.tenant, "draft": draft,
        "title": _("Delete the draft “%(title)s”?") % {"title": draft.title},
        "message": _("The draft and its %(count)s nodes will be deleted. The trees published in the archive "
                     "system are not affected.") % {"count": draft.nodes.count()},
        "confirm_label": _("Delete the draft"), "cancel_url": _draft_url(draft), "danger": True,
    })


@login_required
@require_GET
def draft_export_csv(request, tenant_pk, pk):
    draft = _draft(request, tenant_pk, pk)
    response = HttpResponse(services.draft_export_csv(draft), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="arbre-{draft.pk}.csv"'
    return response


@login_required
@require_GET
def draft_export_seda(request, tenant_pk, pk):
    draft = _draft(request, tenant_pk, pk)
    try:
        manifest = services.draft_export_seda(draft, _known_rules(request, draft.tenant))
    except ValidationError as error:
        for message in error.messages[:20]:
            messages.error(request, message)
        return redirect("trees:draft_preview", tenant_pk=draft.tenant_id, pk=draft.pk)
    response = HttpResponse(manifest, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="arbre-{draft.pk}-manifest.xml"'
    return response


# --- nodes --------------------------------------------------------------------------------------


def _node_form_page(request, draft, node, parent):
    rules = _rules_or_warn(request, draft.tenant)
    choices = rules if rules is not None else [{"RuleId": r, "RuleValue": "", "RuleType": ""}
                                               for r in (node.rules if node else [])]
    known = {rule["RuleId"]: rule["RuleType"] for rule in rules} if rules is not None else None
    initial = {"version": draft.version}
    if node is not None:
        initial.update(identifier=node.identifier, title=node.title, level=node.level, description=node.description,
                       rules=node.rules, final_action=node.final_action)
    form = NodeForm(request.POST or None, initial=initial, rules=choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if node is None:
                node = services.node_add(actor=request.user, draft=draft, parent=parent, known_rules=known,
                                         request=request, **data)
                messages.success(request, _("The node %(id)s has been added.") % {"id": node.identifier})
                return redirect(_draft_url(draft, parent) if parent else _draft_url(draft))
            services.node_update(actor=request.user, draft=draft, node=node, known_rules=known, request=request,
                                 **data)
            messages.success(request, _("The node %(id)s has been saved.") % {"id": data["identifier"]})
            return redirect(_draft_url(draft, node))
        except services.DraftConflict as conflict:
            form = _keep_input(NodeForm, request.POST, conflict, rules=choices)
        except ValidationError as error:
            refusals.on_form(form, error)
    return render(request, "trees/node_form.html", {
        "tenant": draft.tenant, "draft": draft, "node": node, "parent": parent, "form": form,
        "path": selectors.draft_path(draft, node or parent),
    })


@login_required
@GET_POST
def node_add(request, tenant_pk, pk):
    draft = _draft(request, tenant_pk, pk)
    parent_pk = request.POST.get("parent_pk") or request.GET.get("parent")
    parent = selectors.node_get(draft, parent_pk) if parent_pk else None
    return _node_form_page(request, draft, None, parent)


@login_required
@GET_POST
def node_update(request, tenant_pk, pk, node_pk):
    draft = _draft(request, tenant_pk, pk)
    return _node_form_page(request, draft, selectors.node_get(draft, node_pk), None)


@login_required
@GET_POST
def node_move(request, tenant_pk, pk, node_pk):
    draft = _draft(request, tenant_pk, pk)
    node = selectors.node_get(draft, node_pk)
    form = MoveForm(request.POST or None, initial={"version": draft.version,
                                                   "parent": node.parent.identifier if node.parent_id else ""},
                    targets=selectors.move_targets(draft, node))
    if request.method == "POST" and form.is_valid():
        identifier = form.cleaned_data["parent"].strip()
        new_parent = draft.nodes.filter(identifier=identifier).first() if identifier else None
        if identifier and new_parent is None:
            form.add_error("parent", _("No node of this draft has the identifier %(id)s.") % {"id": identifier})
        else:
            try:
                services.node_move(actor=request.user, draft=draft, version=form.cleaned_data["version"], node=node,
                                   new_parent=new_parent, request=request)
            except services.DraftConflict as conflict:
                form = _keep_input(MoveForm, request.POST, conflict, targets=selectors.move_targets(draft, node))
            except ValidationError as error:
                refusals.on_form(form, error)
            else:
                messages.success(request, _("The node %(id)s has been moved.") % {"id": node.identifier})
                return redirect(_draft_url(draft, node))
    return render(request, "trees/node_move.html", {
        "tenant": draft.tenant, "draft": draft, "node": node, "form": form, "path": selectors.draft_path(draft, node),
    })


@login_required
@GET_POST
def node_delete(request, tenant_pk, pk, node_pk):
    draft = _draft(request, tenant_pk, pk)
    node = selectors.node_get(draft, node_pk)
    subtree = len(services.descendants(draft, node))
    back = _draft_url(draft, node.parent) if node.parent_id else _draft_url(draft)
    if request.method == "POST":
        try:
            count = services.node_delete(actor=request.user, draft=draft, version=request.POST.get("version") or 0,
                                         node=node, request=request)
        except services.DraftConflict as conflict:
            messages.error(request, conflict.user_message())
            return redirect(_draft_url(draft, node))
        except ValidationError as error:
            refusals.as_messages(request, error)
            return redirect(back)
        messages.success(request, _("%(count)s node(s) deleted.") % {"count": count})
        return redirect(back)
    return render(request, "trees/confirm.html", {
        "tenant": draft.tenant, "draft": draft, "version": draft.version,
        "title": _("Delete the node %(id)s — %(title)s?") % {"id": node.identifier, "title": node.title},
        "message": _("The node and its %(count)s sub-level node(s) will be deleted from the draft.") % {"count": subtree},
        "confirm_label": _("Delete"), "cancel_url": _draft_url(draft, node), "danger": True,
    })


@login_required
@require_POST
def node_reorder(request, tenant_pk, pk, node_pk):
    draft = _draft(request, tenant_pk, pk)
    node = selectors.node_get(draft, node_pk)
    form = ReorderForm(request.POST)
    if form.is_valid():
        try:
            services.node_reorder(actor=request.user, draft=draft, version=form.cleaned_data["version"], node=node,
                                  direction=form.cleaned_data["direction"], request=request)
        except services.DraftConflict as conflict:
            messages.error(request, conflict.user_message())
        except ValidationError as error:
            refusals.as_messages(request, error)
    return redirect(_draft_url(draft, node.parent) if node.parent_id else _draft_url(draft))


# --- publication --------------------------------------------------------------------------------


@login_required
@GET_POST
def draft_publish(request, tenant_pk, pk):
    draft = _draft(request, tenant_pk, pk)
    try:
        agencies = selectors.tenant_agencies(draft.tenant)
    except VitamError as exc:
        refusals.as_messages(request, exc)
        return redirect(_draft_url(draft))
    form = PublishForm(request.POST or None, agencies=agencies, initial={"version": draft.version})
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            publication = services.publish_start(actor=request.user, draft=draft, request=request,
                                                 **form.cleaned_data)
        except services.DraftConflict as conflict:
            form = _keep_input(PublishForm, request.POST, conflict, agencies=agencies)
        except services.TreeImportError as error:
            problems = error.messages
            form.add_error(None, _("The draft has problems: correct them before publishing."))
        except (ValidationError, VitamError, MissingContract) as error:
            refusals.on_form(form, error)
        else:
            return redirect("trees:publication_detail", tenant_pk=draft.tenant_id, pk=publication.pk)
    return render(request, "trees/draft_publish.html", {
        "tenant": draft.tenant, "draft": draft, "form": form, "problems": problems[:200],
        "workflow_label": _("plan de classement (FILING_SCHEME)") if draft.kind == TreeKind.FILING_PLAN
        else _("arbre de positionnement (HOLDING_SCHEME)"),
    })


@login_required
@require_GET
def publication_detail(request, tenant_pk, pk):
    publication = services.publication_settle(selectors.publication_get_for_user(request.user, tenant_pk, pk))
    draft = publication.draft
    return render(request, "trees/publication_detail.html", {
        "tenant": draft.tenant, "draft": draft, "publication": publication, "job": publication.job,
        "browser_url": reverse("trees:tree_browser", kwargs={"tenant_pk": draft.tenant_id})
        + f"?kind={draft.kind}",
    })


@login_required
@require_POST
def publication_refresh(request, tenant_pk, pk):
    """Ask Vitam again for the verdict of a publication whose follow-up was interrupted."""
    publication = selectors.publication_get_for_user(request.user, tenant_pk, pk)
    try:
        services.publication_refresh(actor=request.user, publication=publication, request=request)
    except ValidationError as error:
        refusals.as_messages(request, error, level=messages.WARNING)
    except VitamError as exc:
        refusals.as_messages(request, exc)
    return redirect("trees:publication_detail", tenant_pk=publication.draft.tenant_id, pk=publication.pk)


@login_required
@require_GET
def publication_atr(request, tenant_pk, pk):
    publication = selectors.publication_get_for_user(request.user, tenant_pk, pk)
    if not publication.atr:
        raise Http404("No ATR yet")
    response = HttpResponse(bytes(publication.atr), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="ATR-{publication.operation_id}.xml"'
    return response
