"""Writes on tree drafts (each in one transaction with its audit entry) and their publication.

Concurrency: every change names the draft version it was based on; when the draft has changed since,
DraftConflict carries the changes made meanwhile, and nothing is written (the caller keeps the
user's input and shows what changed).
"""

from __future__ import annotations

import re
import tempfile
import uuid
import zipfile
from collections import defaultdict
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from referentials.filing_tree import (
    FINAL_ACTIONS,
    NOT_XML,
    Node,
    Tree,
    check_tree,
    parse_tree_csv,
    parse_tree_seda,
    tree_to_csv,
    tree_to_sip_units,
)
from referentials.spreadsheets import normalise_name
from referentials.trees import selectors
from referentials.trees.models import TreeChange, TreeDraft, TreeKind, TreeNode, TreePublication
from referentials.trees.seda_schema import manifest_errors
from sam.lib.jobs.services import job_enqueue, job_heartbeat, job_progress
from sam.lib import vitam_messages
from sam.lib.seda.sip import DESCRIPTION_LEVELS, SipPackage, SipUnit, build_manifest, write_sip
from sam.vitam import VitamError, VitamNotFound
from tenants.audit import audit_record
from tenants.vitam_clients import ACCESS, ADMIN, MissingContract, operation_name, operations_named, vitam_client

MAX_IMPORT_BYTES = 20 * 1024 * 1024


class DraftConflict(Exception):
    """The draft changed since the version the user worked on."""

    def __init__(self, draft, changes):
        self.draft = draft
        self.changes = changes
        super().__init__(f"draft {draft.pk} is at version {draft.version}")

    def user_message(self) -> str:
        lines = [
            _("%(who)s: %(what)s") % {"who": change.actor.username if change.actor else _("someone"),
                                      "what": change.summary}
            for change in self.changes[-10:]
        ]
        text = _("Someone else changed this draft since you opened it. Your input is kept below: check it "
                 "against these changes, then submit again.")
        return text + (" " + " ; ".join(lines) if lines else "")


class PublicationError(Exception):
    """The publication stopped before Vitam's verdict; the draft is intact."""

    def user_message(self) -> str:
        return str(self)


class TreeImportError(ValidationError):
    """A file that cannot become a draft: the problems name the lines and identifiers."""


# --- helpers ------------------------------------------------------------------------------------


def _locked(draft, version) -> TreeDraft:
    """Lock the draft row; refuse a stale version or a draft that may no longer change."""
    current = TreeDraft.objects.select_for_update().get(pk=draft.pk)
    if current.state == TreeDraft.State.PUBLISHING:
        raise ValidationError(_("This draft is being published: it cannot change until the archive system's "
                                "result is known. See its publication page."))
    if current.state == TreeDraft.State.PUBLISHED:
        raise ValidationError(_("This draft has been published: it no longer changes. Make a new draft from the "
                                "published tree to change it."))
    try:
        version = int(version)
    except (TypeError, ValueError):
        version = 0  # no version at all: the caller cannot know what it would overwrite
    if version != current.version:
        raise DraftConflict(current, selectors.draft_changes_since(current, version))
    return current


def _bump(draft, actor, summary):
    draft.version += 1
    draft.updated_by = actor if getattr(actor, "pk", None) else None
    draft.save(update_fields=["version", "updated_by", "updated_at"])
    TreeChange.objects.create(draft=draft, version=draft.version, actor=draft.updated_by, summary=summary[:500])


def _clean_node_fields(*, identifier, title, level, rules, final_action, known_rules, description=""):
    errors = {}
    identifier = (identifier or "").strip()
    title = (title or "").strip()
    for field, value in (("identifier", identifier), ("title", title), ("description", description or "")):
        if NOT_XML.search(value):
            errors[field] = _("This text contains an invisible control character: retype it.")
    if not identifier:
        errors["identifier"] = _("The identifier is required.")
    if not title:
        errors["title"] = _("The title is required.")
    if level not in DESCRIPTION_LEVELS:
        errors["level"] = _("“%(level)s” is not a description level.") % {"level": level}
    rules = [r.strip() for r in rules or [] if r and r.strip()]
    if known_rules is not None:
        unknown = [r for r in rules if r not in known_rules]
        if unknown:
            errors["rules"] = _("Unknown rules in this tenant's referential: %(rules)s.") % {"rules": ", ".join(unknown)}
    final_action = FINAL_ACTIONS.get(normalise_name(final_action or ""), (final_action or "").strip())
    if final_action and final_action not in ("Keep", "Destroy"):
        errors["final_action"] = _("The final action must be Keep or Destroy.")
    if errors:
        raise ValidationError(errors)
    return identifier, title, list(dict.fromkeys(rules)), final_action


def _insert_tree(draft, tree: Tree):
    """Insert a checked tree level by level: one bulk INSERT per depth, whatever the size."""
    level_nodes = [(root, None) for root in tree.roots]
    while level_nodes:
        rows = []
        positions = defaultdict(int)
        for node, parent_pk in level_nodes:
            rows.append(TreeNode(draft=draft, parent_id=parent_pk, position=positions[parent_pk],
                                 identifier=node.identifier, title=node.title[:500], level=node.level,
                                 description=node.description, rules=node.rules, final_action=node.final_action))
            positions[parent_pk] += 1
        created = TreeNode.objects.bulk_create(rows, batch_size=1000)
        if any(row.pk is None for row in created):  # databases without RETURNING: read the ids back
            ids = dict(draft.nodes.filter(identifier__in=[r.identifier for r in rows]).values_list("identifier", "id"))
            for row in created:
                row.pk = ids[row.identifier]
        level_nodes = [(child, row.pk) for (node, _parent), row in zip(level_nodes, created) for child in node.children]


def _problems(tree: Tree) -> list[str]:
    return [*tree.file_errors, *(str(problem) for problem in tree.problems)]


# --- drafts -------------------------------------------------------------------------------------

UNIT_ID = re.compile(r"[A-Za-z2-7]{36}")  # Vitam GUIDs (base 32)
ATTACHABLE_UNDER = {TreeKind.FILING_PLAN: ("FILING_UNIT", "HOLDING_UNIT"), TreeKind.HOLDING_TREE: ("HOLDING_UNIT",)}


def attachment_check(tenant, kind, unit_id) -> str:
    """The title of the published unit a draft will hang from; refuses a unit that cannot hold this tree."""
    if not UNIT_ID.fullmatch(unit_id):
        raise ValidationError({"attach_to": _("“%(id)s” is not an identifier of the archive system (36 letters "
                                              "and digits, as shown on the node's page).") % {"id": unit_id[:100]}})
    try:
        unit = vitam_client(tenant, contract=ACCESS).get_unit(unit_id, ["#id", "Title", "#unitType"])
    except VitamNotFound:
        raise ValidationError({"attach_to": _("No published unit of this tenant has the identifier %(id)s.")
                               % {"id": unit_id}}) from None
    if unit.get("#unitType") not in ATTACHABLE_UNDER.get(kind, ()):
        raise ValidationError({"attach_to": _(
            "A %(kind)s cannot be attached under this unit: choose a unit of the holding tree%(or_plan)s.") % {
            "kind": TreeKind(kind).label.lower(),
            "or_plan": _(" or of the filing plan") if kind == TreeKind.FILING_PLAN else ""}})
    return selectors._first(unit.get("Title"))[:500]



def draft_create(*, actor, tenant, kind, title, description="", attach_to="", attach_to_title="",
                 request=None) -> TreeDraft:
    if kind not in TreeKind.values:
        raise ValidationError({"kind": _("Choose a holding tree or a filing plan.")})
    if not (title or "").strip():
        raise ValidationError({"title": _("The title is required.")})
    attach_to = (attach_to or "").strip()
    if attach_to and not attach_to_title:
        attach_to_title = attachment_check(tenant, kind, attach_to)
    with transaction.atomic():
        draft = TreeDraft.objects.create(
            organisation=tenant.organisation, tenant=tenant, kind=kind, title=title.strip()[:200],
            description=description, attach_to=attach_to.strip(), attach_to_title=attach_to_title[:500],
            created_by=actor if getattr(actor, "pk", None) else None,
            updated_by=actor if getattr(actor, "pk", None) else None,
        )
        TreeChange.objects.create(draft=draft, version=1, actor=draft.created_by, summary=_("draft created"))
        audit_record(actor=actor, action="trees.draft_create", tenant=tenant, target=draft,
                     after={"title": draft.title, "kind": kind}, request=request)
    return draft


def parse_import(data: bytes, fmt: str, known_rules: dict[str, str] | None) -> Tree:
    if len(data) > MAX_IMPORT_BYTES:
        return Tree(file_errors=[_("The file is larger than %(size)s MB.") % {"size": MAX_IMPORT_BYTES // 1024**2}])
    return parse_tree_seda(data, known_rules) if fmt == "seda" else parse_tree_csv(data, known_rules)


def draft_import(*, actor, tenant, kind, title, data: bytes, fmt: str, filename="", description="",
                 attach_to="", attach_to_title="", known_rules=None, request=None) -> TreeDraft:
    """A new draft from a CSV file or a SEDA manifest; a file with any problem creates nothing."""
    tree = parse_import(data, fmt, known_rules)
    if not tree.is_valid:
        raise TreeImportError(_problems(tree))
    with transaction.atomic():
        draft = draft_create(actor=actor, tenant=tenant, kind=kind, title=title, description=description,
                             attach_to=attach_to, attach_to_title=attach_to_title, request=request)
        draft.source = TreeDraft.Source.SEDA if fmt == "seda" else TreeDraft.Source.CSV
        draft.source_filename = filename[:255]
        draft.save(update_fields=["source", "source_filename"])
        _insert_tree(draft, tree)
        audit_record(actor=actor, action="trees.draft_import", tenant=tenant, target=draft,
                     after={"format": fmt, "file": filename, "nodes": len(tree.nodes)}, request=request)
    return draft


def published_tree(tenant, unit_id) -> tuple[dict, Tree]:
    """A published node and everything under it (same unit type) as a checked tree."""
    root, descendants = selectors.published_subtree(tenant, unit_id)
    units = [root, *descendants]
    ids = {unit["#id"] for unit in units}
    identifiers = {unit["#id"]: selectors._first(unit.get("ArchivalAgencyArchiveUnitIdentifier")) or unit["#id"]
                   for unit in units}
    nodes = []
    for unit in units:
        parents = [p for p in unit.get("#unitups") or [] if p in ids] if unit is not root else []
        rules, final_action = [], ""
        for category, block in (unit.get("#management") or {}).items():
            if isinstance(block, dict):
                rules += [r["Rule"] for r in block.get("Rules") or [] if r.get("Rule")]
                if category == "AppraisalRule":
                    final_action = block.get("FinalAction") or ""
        level = unit.get("DescriptionLevel") or "Series"
        nodes.append(Node(identifier=identifiers[unit["#id"]], parent=identifiers[parents[0]] if parents else "",
                          title=selectors._first(unit.get("Title")) or unit["#id"], level=level if level in DESCRIPTION_LEVELS else "OtherLevel",
                          description=unit.get("Description") or "", rules=rules, final_action=final_action))
    return root, check_tree(nodes)


def published_export_csv(tenant, unit_id) -> bytes:
    """The published node and its sub-levels as the CSV SAM imports."""
    _root, tree = published_tree(tenant, unit_id)
    return tree_to_csv(tree)


def draft_from_published(*, actor, tenant, unit_id, title="", request=None) -> TreeDraft:
    """A draft holding a copy of a published node and everything under it (same unit type)."""
    root, tree = published_tree(tenant, unit_id)
    if not tree.is_valid:
        raise TreeImportError(_problems(tree))
    kind = TreeKind.HOLDING_TREE if root.get("#unitType") == "HOLDING_UNIT" else TreeKind.FILING_PLAN
    with transaction.atomic():
        draft = draft_create(actor=actor, tenant=tenant, kind=kind,
                             title=title or _("Changes to %(title)s") % {"title": root.get("Title") or unit_id},
                             request=request)
        draft.source = TreeDraft.Source.PUBLISHED
        draft.source_filename = unit_id
        parent = (root.get("#unitups") or [""])[0]
        draft.attach_to = parent
        draft.save(update_fields=["source", "source_filename", "attach_to"])
        _insert_tree(draft, tree)
        audit_record(actor=actor, action="trees.draft_import", tenant=tenant, target=draft,
                     after={"format": "published", "unit": unit_id, "nodes": len(tree.nodes)}, request=request)
    return draft


def draft_update(*, actor, draft, version, title, description="", attach_to="", attach_to_title="",
                 request=None) -> TreeDraft:
    if not (title or "").strip():
        raise ValidationError({"title": _("The title is required.")})
    attach_to = (attach_to or "").strip()
    if attach_to and attach_to != draft.attach_to:
        attach_to_title = attachment_check(draft.tenant, draft.kind, attach_to)
    elif attach_to == draft.attach_to and not attach_to_title:
        attach_to_title = draft.attach_to_title
    with transaction.atomic():
        current = _locked(draft, version)
        before = {"title": current.title, "attach_to": current.attach_to}
        current.title, current.description = title.strip()[:200], description
        current.attach_to, current.attach_to_title = attach_to, (attach_to_title or "")[:500]
        current.save(update_fields=["title", "description", "attach_to", "attach_to_title"])
        _bump(current, actor, _("draft renamed “%(title)s”") % {"title": current.title})
        audit_record(actor=actor, action="trees.draft_update", tenant=current.tenant, target=current, before=before,
                     after={"title": current.title, "attach_to": current.attach_to}, request=request)
    return current


def draft_delete(*, actor, draft, request=None) -> None:
    with transaction.atomic():
        current = TreeDraft.objects.select_for_update().get(pk=draft.pk)
        if current.state == TreeDraft.State.PUBLISHING:
            raise ValidationError(_("This draft is being published: wait for the end of the publication."))
        count = current.nodes.count()
        audit_record(actor=actor, action="trees.draft_delete", tenant=current.tenant, target=current,
                     before={"title": current.title, "nodes": count, "state": current.state}, request=request)
        current.nodes.update(parent=None)  # flat delete: no walk down a 5,000-node hierarchy
        current.nodes.all().delete()
        current.delete()


# --- nodes --------------------------------------------------------------------------------------


def node_add(*, actor, draft, version, parent=None, identifier, title, level="Series", description="", rules=(),
             final_action="", known_rules=None, request=None) -> TreeNode:
    identifier, title, rules, final_action = _clean_node_fields(
        identifier=identifier, title=title, level=level, rules=rules, final_action=final_action,
        known_rules=known_rules, description=description)
    with transaction.atomic():
        current = _locked(draft, version)
        if parent is not None and parent.draft_id != current.pk:
            raise ValidationError({"parent": _("The parent is not in this draft.")})
        if current.nodes.filter(identifier=identifier).exists():
            raise ValidationError({"identifier": _("The identifier %(id)s is already used in this draft.") % {"id": identifier}})
        last = current.nodes.filter(parent=parent).aggregate(last=Max("position"))["last"]
        node = TreeNode.objects.create(draft=current, parent=parent, position=0 if last is None else last + 1,
                                       identifier=identifier, title=title, level=level, description=description,
                                       rules=rules, final_action=final_action)
        _bump(current, actor, _("node %(id)s added") % {"id": identifier})
        audit_record(actor=actor, action="trees.node_add", tenant=current.tenant, target=current,
                     after={"identifier": identifier, "title": title, "parent": parent.identifier if parent else ""},
                     request=request)
    return node


def node_update(*, actor, draft, version, node, identifier, title, level, description="", rules=(),
                final_action="", known_rules=None, request=None) -> TreeNode:
    identifier, title, rules, final_action = _clean_node_fields(
        identifier=identifier, title=title, level=level, rules=rules, final_action=final_action,
        known_rules=known_rules, description=description)
    with transaction.atomic():
        current = _locked(draft, version)
        node = TreeNode.objects.select_for_update().get(pk=node.pk, draft=current)
        if identifier != node.identifier and current.nodes.filter(identifier=identifier).exists():
            raise ValidationError({"identifier": _("The identifier %(id)s is already used in this draft.") % {"id": identifier}})
        before = {"identifier": node.identifier, "title": node.title, "level": node.level, "rules": node.rules,
                  "final_action": node.final_action}
        node.identifier, node.title, node.level = identifier, title, level
        node.description, node.rules, node.final_action = description, rules, final_action
        node.save(update_fields=["identifier", "title", "level", "description", "rules", "final_action"])
        _bump(current, actor, _("node %(id)s changed") % {"id": identifier})
        audit_record(actor=actor, action="trees.node_update", tenant=current.tenant, target=current, before=before,
                     after={"identifier": identifier, "title": title, "level": level, "rules": rules,
                            "final_action": final_action}, request=request)
    return node


def node_move(*, actor, draft, version, node, new_parent, request=None) -> TreeNode:
    """Change a node's parent; a node cannot go under itself or one of its descendants."""
    with transaction.atomic():
        current = _locked(draft, version)
        node = TreeNode.objects.select_for_update().get(pk=node.pk, draft=current)
        if new_parent is not None:
            if new_parent.draft_id != current.pk:
                raise ValidationError({"parent": _("The new parent is not in this draft.")})
            parents = dict(current.nodes.values_list("id", "parent_id"))
            ancestor = new_parent.pk
            while ancestor is not None:
                if ancestor == node.pk:
                    raise ValidationError({"parent": _(
                        "%(node)s cannot go under %(parent)s: %(parent)s is %(node)s itself or one of its sub-levels "
                        "(this would make a cycle).") % {"node": node.identifier, "parent": new_parent.identifier}})
                ancestor = parents.get(ancestor)
        old_parent = node.parent.identifier if node.parent_id else ""
        last = current.nodes.filter(parent=new_parent).exclude(pk=node.pk).aggregate(last=Max("position"))["last"]
        node.parent = new_parent
        node.position = 0 if last is None else last + 1
        node.save(update_fields=["parent", "position"])
        target = new_parent.identifier if new_parent else _("the top level")
        _bump(current, actor, _("node %(id)s moved under %(parent)s") % {"id": node.identifier, "parent": target})
        audit_record(actor=actor, action="trees.node_move", tenant=current.tenant, target=current,
                     before={"identifier": node.identifier, "parent": old_parent},
                     after={"identifier": node.identifier, "parent": new_parent.identifier if new_parent else ""},
                     request=request)
    return node


def node_delete(*, actor, draft, version, node, request=None) -> int:
    """Delete a node and its whole subtree; returns the number of nodes deleted."""
    with transaction.atomic():
        current = _locked(draft, version)
        node = TreeNode.objects.get(pk=node.pk, draft=current)
        subtree = descendants(current, node)
        TreeNode.objects.filter(pk__in=subtree).update(parent=None)  # no recursive cascade walk
        deleted, _detail = TreeNode.objects.filter(pk__in=[node.pk, *subtree]).delete()
        count = 1 + len(subtree)
        _bump(current, actor, _("node %(id)s deleted with %(count)s sub-levels") % {"id": node.identifier,
                                                                                   "count": len(subtree)})
        audit_record(actor=actor, action="trees.node_delete", tenant=current.tenant, target=current,
                     before={"identifier": node.identifier, "title": node.title, "nodes": count}, request=request)
    return count


def descendants(draft, node) -> list[int]:
    children = defaultdict(list)
    for pk, parent_id in draft.nodes.values_list("id", "parent_id"):
        children[parent_id].append(pk)
    result, stack = [], list(children.get(node.pk, []))
    while stack:
        pk = stack.pop()
        result.append(pk)
        stack.extend(children.get(pk, []))
    return result


def node_reorder(*, actor, draft, version, node, direction, request=None) -> TreeNode:
    """Move a node one place up or down among its siblings."""
    if direction not in ("up", "down"):
        raise ValidationError(_("Choose up or down."))
    with transaction.atomic():
        current = _locked(draft, version)
        siblings = list(current.nodes.select_for_update().filter(parent_id=node.parent_id).order_by("position", "id"))
        index = next(i for i, sibling in enumerate(siblings) if sibling.pk == node.pk)
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(siblings):
            siblings[index], siblings[other] = siblings[other], siblings[index]
            for position, sibling in enumerate(siblings):
                sibling.position = position
            TreeNode.objects.bulk_update(siblings, ["position"])
            _bump(current, actor, _("node %(id)s moved %(direction)s") % {
                "id": node.identifier, "direction": _("up") if direction == "up" else _("down")})
    return node


# --- export ---------------------------------------------------------------------------------------


def draft_export_csv(draft) -> bytes:
    return tree_to_csv(selectors.draft_tree(draft))


def _package(draft, units, *, originating_agency, archival_agency, message_identifier) -> SipPackage:
    return SipPackage(
        message_identifier=message_identifier, comment=draft.title[:500],
        archival_agreement=draft.tenant.ingest_contract or None,
        archival_agency=archival_agency, transferring_agency=originating_agency,
        originating_agency=originating_agency, units=units, date=timezone.now(),
    )


def _sip_units(draft, tree: Tree, rule_types) -> list[SipUnit]:
    units = tree_to_sip_units(tree, rule_types)
    if draft.attach_to:
        # The existing unit stands as the parent of the new roots (UpdateOperation/SystemId).
        return [SipUnit(title=draft.attach_to_title or draft.attach_to, description_level="Series",
                        attach_to=draft.attach_to, children=units)]
    return units


def draft_export_seda(draft, rule_types=None) -> bytes:
    """The SEDA 2.1 manifest of the draft (re-importable), without checking rules against Vitam."""
    tree = selectors.draft_tree(draft)
    if not tree.is_valid:
        raise ValidationError(_problems(tree))
    used = {rule for node in tree.nodes.values() for rule in node.rules}
    rule_types = rule_types or {}
    missing = sorted(rule for rule in used if rule not in rule_types)
    if missing:
        raise ValidationError(_("The type of these rules is unknown (Vitam could not be read): %(rules)s.")
                              % {"rules": ", ".join(missing)})
    agency = draft.organisation.code
    package = _package(draft, tree_to_sip_units(tree, rule_types), originating_agency=agency, archival_agency=agency,
                       message_identifier=f"SAM-EXPORT-{draft.pk}-{draft.version}")
    return build_manifest(package, {})


# --- publication ----------------------------------------------------------------------------------


def publish_start(*, actor, draft, version, originating_agency, archival_agency, request=None):
    """Check the draft, then queue its publication (background job). Returns the publication."""
    rule_types = selectors.tenant_rule_types(draft.tenant)
    tree = selectors.draft_tree(draft, rule_types)
    if not tree.is_valid:
        raise TreeImportError(_problems(tree))
    with transaction.atomic():
        current = _locked(draft, version)
        if current.publications.filter(state=TreePublication.State.RUNNING).exists():
            raise ValidationError(_("A publication of this draft is already running."))
        current.state = TreeDraft.State.PUBLISHING
        current.save(update_fields=["state"])
        publication = TreePublication.objects.create(
            draft=current, draft_version=current.version, originating_agency=originating_agency,
            unit_count=len(tree.nodes), started_by=actor if getattr(actor, "pk", None) else None,
        )
        audit_record(actor=actor, action="trees.publish", tenant=current.tenant, target=current,
                     after={"version": current.version, "nodes": len(tree.nodes), "workflow": current.workflow},
                     request=request)
        url = reverse("trees:publication_detail", kwargs={"tenant_pk": current.tenant_id, "pk": publication.pk})
    job = job_enqueue(
        actor=actor, organisation=current.organisation, tenant=current.tenant, kind="tree_publish",
        label=_("Publication of %(title)s") % {"title": current.title}, task="referentials.trees.tasks.publish_draft_task",
        result_url=url, publication_id=publication.pk, archival_agency=archival_agency,
    )
    TreePublication.objects.filter(pk=publication.pk, job__isnull=True).update(job=job)
    publication.refresh_from_db()
    return publication


def publish_run(job, *, publication_id, archival_agency):
    """Body of the background job: SIP, schema check, ingest, follow-up, ATR. The draft is never lost."""
    publication = TreePublication.objects.select_related("draft__tenant", "draft__organisation").get(pk=publication_id)
    draft = publication.draft
    tenant = draft.tenant
    try:
        job_progress(job, 1, 5, _("Checking the draft"), force=True)
        rule_types = selectors.tenant_rule_types(tenant)
        tree = selectors.draft_tree(draft, rule_types)
        if not tree.is_valid:
            raise TreeImportError(_problems(tree))
        job_progress(job, 2, 5, _("Building and validating the SIP"), force=True)
        package = _package(draft, _sip_units(draft, tree, rule_types), originating_agency=publication.originating_agency,
                           archival_agency=archival_agency,
                           message_identifier=f"SAM-TREE-{draft.pk}-{publication.draft_version}-{uuid.uuid4().hex[:8]}")
        # Named (evIdAppSession) so that an ingest whose answer was lost with its worker is found again.
        client = vitam_client(tenant, contract=ADMIN, application_id=operation_name("TREE", publication.pk))
        with tempfile.TemporaryDirectory(prefix="sam-tree-") as folder:
            built = write_sip(package, Path(folder) / "sip.zip")
            with zipfile.ZipFile(built.path) as archive:
                errors = manifest_errors(archive.read("manifest.xml"))
            if errors:
                raise ValidationError(_("The SIP built from the draft is not valid SEDA 2.1: %(errors)s")
                                      % {"errors": " ; ".join(errors)})
            job_progress(job, 3, 5, _("Sending to the archive system"), force=True)
            operation_id = client.ingest(built.path, context_id=draft.workflow,
                                         manifest_digest=built.manifest_sha512)
        TreePublication.objects.filter(pk=publication.pk).update(operation_id=operation_id)
    except (VitamError, ValidationError) as exc:
        message = exc.user_message() if hasattr(exc, "user_message") else " ".join(exc.messages)
        message += " " + _("The draft is kept unchanged: correct it or try again later.")
        _publication_failed(publication, message)
        raise PublicationError(message) from exc
    except Exception as exc:  # nothing sent: whatever broke, the draft must not stay locked
        _publication_failed(publication, _("The publication stopped before sending (%(error)s). The draft is kept "
                                           "unchanged; try again or contact your administrator.") % {
            "error": type(exc).__name__})
        raise
    job_progress(job, 4, 5, _("Processing by the archive system (operation %(id)s)") % {"id": operation_id},
                 force=True)
    publication.operation_id = operation_id
    try:
        # A background job: polling every 2 s at most tells the user soon after Vitam ends.
        status = client.wait_for_operation(operation_id, timeout=3600, max_interval=2.0, on_poll=job_heartbeat)
        _record_result(publication, status, client.get_atr(operation_id))
    except VitamError as exc:
        # Vitam has the SIP: the tree may well be published. The draft stays locked until the result is
        # known, so that nobody publishes it twice.
        message = _("The archive system accepted the tree (operation %(id)s) but its result could not be read: "
                    "%(reason)s Check the result again later; the draft stays locked meanwhile.") % {
            "id": operation_id, "reason": exc.user_message()}
        TreePublication.objects.filter(pk=publication.pk).update(
            state=TreePublication.State.UNCONFIRMED, error=message)
        raise PublicationError(message) from exc
    job.result = {"status": status.status, "operation_id": operation_id, "draft": draft.pk}
    job.message = _("Publication ended: %(status)s") % {"status": status.status}


def _record_result(publication, status, atr: bytes):
    """Vitam's verdict: OK/WARNING publishes the draft; KO/FATAL gives it back for correction."""
    draft = publication.draft
    failing = "" if status.is_ok else _failing_event(draft.tenant, publication.operation_id)
    with transaction.atomic():
        publication = TreePublication.objects.select_for_update().get(pk=publication.pk)
        publication.state = TreePublication.State.DONE
        publication.status = status.status
        publication.failing_event = failing
        publication.error = ""
        publication.atr = atr
        publication.finished_at = timezone.now()
        publication.save()
        current = TreeDraft.objects.select_for_update().get(pk=draft.pk)
        if status.is_ok:
            current.state = TreeDraft.State.PUBLISHED
            current.published_at = publication.finished_at
            current.published_operation_id = publication.operation_id
        else:
            current.state = TreeDraft.State.DRAFT
        current.save(update_fields=["state", "published_at", "published_operation_id"])
        audit_record(actor=publication.started_by, action="trees.publish_result", tenant=current.tenant,
                     target=current, after={"operation": publication.operation_id, "status": status.status})
    return publication


def publication_refresh(*, actor, publication, request=None) -> TreePublication:
    """Ask Vitam again for the result of a publication whose follow-up was interrupted."""
    if publication.state != TreePublication.State.UNCONFIRMED or not publication.operation_id:
        return publication
    client = vitam_client(publication.draft.tenant, contract=ADMIN)
    status = client.operation_status(publication.operation_id)
    if not status.is_completed:
        raise ValidationError(_("The archive system is still processing the operation %(id)s. Check again in a "
                                "few minutes.") % {"id": publication.operation_id})
    return _record_result(publication, status, client.get_atr(publication.operation_id))


def publication_settle(publication) -> TreePublication:
    """A publication whose job ended without a verdict (worker stopped): its result is to be confirmed when Vitam
    has its ingest (its id kept, or found by its name: the worker may have stopped before keeping it); else the
    draft is released. Nothing is decided while Vitam cannot say."""
    job = publication.job
    if publication.state == TreePublication.State.RUNNING and job is not None and job.is_finished:
        operation_id = publication.operation_id
        if not operation_id:
            try:
                found = operations_named(publication.draft.tenant, [operation_name("TREE", publication.pk)])
            except MissingContract:
                found = []
            except VitamError:
                return publication  # asked again at the next look
            operation_id = (found[0].get("evIdProc") or found[0].get("evId")) if found else ""
        if operation_id:
            TreePublication.objects.filter(pk=publication.pk, state=TreePublication.State.RUNNING).update(
                state=TreePublication.State.UNCONFIRMED, error=job.error, operation_id=operation_id)
        else:
            _publication_failed(publication, job.error or _("The publication stopped before sending."))
        publication.refresh_from_db()
    return publication


def publication_abandon(job) -> None:
    """Its job's worker stopped (sam.lib.jobs.recovery): settled at once, not at the next look at its page."""
    for publication in TreePublication.objects.filter(job=job, state=TreePublication.State.RUNNING):
        publication_settle(publication)


def _publication_failed(publication, message):
    with transaction.atomic():
        TreePublication.objects.filter(pk=publication.pk).update(
            state=TreePublication.State.FAILED, error=message, finished_at=timezone.now())
        TreeDraft.objects.filter(pk=publication.draft_id, state=TreeDraft.State.PUBLISHING).update(
            state=TreeDraft.State.DRAFT)


def _failing_event(tenant, operation_id) -> str:
    """The first KO/FATAL step of the operation, in Vitam's French words (the logbook needs a contract)."""
    try:
        operation = vitam_client(tenant, contract=ACCESS).get_operation(operation_id)
    except (VitamError, MissingContract):
        return ""
    failed = [event for event in operation.get("events") or []
              if event.get("outcome") in ("KO", "FATAL") and event.get("evType") != operation.get("evType")]
    # The action that failed says more than its step (CHECK_HEADER.CHECK_AGENT rather than STP_INGEST_CONTROL_SIP).
    actions = [event for event in failed if not str(event.get("evType", "")).startswith("STP_")]
    for event in actions[:1] or failed[:1]:
        code = event.get("outDetail") or event.get("evType") or ""
        text = f"{vitam_messages.describe(code, fallback=event.get('outMessg') or '')} ({code})"
        detail = event.get("evDetData") or ""
        if detail and detail != "{}":
            text += f" — {detail[:500]}"
        return text
    return operation.get("outMessg") or ""
