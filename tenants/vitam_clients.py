"""The Vitam client of a SAM tenant, with the access contract that fits the caller.

Archivists work with the tenant's access contract; researchers only ever with the researchers'
contract (communicable archives); referential administration needs no access contract. Which of the
two a user reads archives with is decided in access_contract_for() only, never by a caller.
"""

import dataclasses

from django.utils.translation import gettext as _

from sam.vitam import SelectSingle, VitamClient, VitamContext, eq, in_
from tenants.permissions import can, request_checker_of

ACCESS = "access"
RESEARCHER = "researcher"
ADMIN = "admin"


class MissingContract(Exception):
    """The tenant has no contract of that kind: the platform administrator must set one."""

    def user_message(self) -> str:
        return _("This tenant has no access contract: ask your administrator.")


def access_contract_for(user, tenant) -> str:
    """ACCESS for those who may search the tenant's organisation (archivists, referents, platform
    administrators), RESEARCHER for everyone else: a researcher can never be handed the wider contract."""
    checker = request_checker_of(user)
    allowed = checker.has_perm("search", tenant.organisation) if checker else can(user, "search", tenant.organisation)
    return ACCESS if allowed else RESEARCHER


def vitam_client(tenant, *, contract: str = ACCESS, application_id: str | None = None) -> VitamClient:
    """`application_id`: instead of SAM's own X-Application-Id, one Vitam keeps in the operation's logbook
    (evIdAppSession), to find that operation again (an ingest whose answer SAM did not keep)."""
    if contract == ADMIN:
        access_contract = None
    else:
        access_contract = tenant.researcher_access_contract if contract == RESEARCHER else tenant.access_contract
        if not access_contract:
            raise MissingContract(f"tenant {tenant.vitam_id} has no {contract} contract")
    context = VitamContext(tenant=tenant.vitam_id, access_contract=access_contract)
    if application_id:
        context = dataclasses.replace(context, application_id=application_id)
    return VitamClient(context, organisation=tenant.organisation)


def operation_name(*parts) -> str:
    """An X-Application-Id naming one SAM request to Vitam (SAM's own id, then `parts`), e.g. SAM-DEPOSIT-12-2:
    Vitam keeps it as the operation's evIdAppSession, so the operation can be found when its answer was lost."""
    return "-".join([VitamContext(tenant=0).application_id, *map(str, parts)])


def operations_named(tenant, names: list[str], *, process: str | None = None) -> list[dict]:
    """The tenant's logbook operations (of type `process`, evTypeProc, if given) Vitam received under these
    names, latest first. MissingContract when the tenant has no access contract (the logbook needs one)."""
    conditions = [in_("evIdAppSession", list(names))] + ([eq("evTypeProc", process)] if process else [])
    query = SelectSingle().where(*conditions).order_by("evDateTime", desc=True).limit(max(1, len(names)))
    return vitam_client(tenant, contract=ACCESS).search_operations(query.build()).results
